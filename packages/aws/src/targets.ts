import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { MqClient } from '@aws-sdk/client-mq';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { AuditTarget, FactSources, MqopsConfig } from '@mqops/core';
import { Ec2NetworkSource } from './ec2-network';
import { MqConfigurationSource, MqUserSource } from './mq-details';
import { MqBrokerInventory } from './mq-inventory';
import { DEFAULT_RATE_LIMITS, Pacer, paced, type RateLimits } from './pacing';
import { RabbitManagementSource } from './rabbitmq-management';
import { SecretsCredentialSource } from './secrets-credentials';

/** Client settings shared by every client of one target (region, credentials, endpoint, retries). */
export interface ClientSettings {
  region?: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
  retryMode?: string;
}

/**
 * Every source of broker facts for one account and region, each with its own SDK client built from `settings`,
 * paced by `pacer` (default: Amazon MQ's documented rate), with the SDK's standard retries for what pacing misses.
 * Not the adaptive mode: its one limiter per client cuts every operation to 70 % after a single throttle and takes
 * ~10 s to recover (bench/README.md measured 18.9 s instead of 11.8 s for 1,000 brokers); pacing already keeps to
 * the rate.
 */
export function sourcesFor(
  settings: ClientSettings,
  pacer: Pacer = new Pacer(DEFAULT_RATE_LIMITS),
): { inventory: MqBrokerInventory; sources: FactSources } {
  const config = { retryMode: 'standard', maxAttempts: 8, ...settings };
  const mq = paced(new MqClient(config), pacer, 'mq');
  const ec2 = paced(new EC2Client(config), pacer, 'ec2');
  const secrets = paced(new SecretsManagerClient(config), pacer, 'secretsmanager');
  return {
    inventory: new MqBrokerInventory(mq),
    sources: {
      network: new Ec2NetworkSource(ec2),
      configurations: new MqConfigurationSource(mq),
      activeMqUsers: new MqUserSource(mq),
      credentials: new SecretsCredentialSource(secrets),
      rabbit: new RabbitManagementSource(),
    },
  };
}

/** The regions enabled in the account (opt-in regions that are not enabled are left out). */
export async function enabledRegions(settings: ClientSettings): Promise<string[]> {
  const ec2 = new EC2Client({ ...settings, region: settings.region ?? 'us-east-1' });
  try {
    const { Regions = [] } = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
    return Regions.map((r) => r.RegionName ?? '')
      .filter(Boolean)
      .sort();
  } finally {
    ec2.destroy();
  }
}

/**
 * The region the SDK's standard configuration gives these settings (AWS_REGION, the profile's region), so the CLI
 * can name its target `self/eu-west-1` rather than `self/default`; undefined when none is set (the calls then fail
 * with the SDK's own error, reported against that target). A Lambda function knows its region (AWS_REGION).
 */
export async function configuredRegion(settings: ClientSettings): Promise<string | undefined> {
  const client = new MqClient(settings);
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * The accounts × regions the configuration names, each as an audit target: the caller's own account with the
 * base settings, and each configured account through an assumed role (STS AssumeRole, credentials refreshed by the
 * SDK). `regions` absent: the base settings' region only; `all`: every enabled region (per account).
 */
export async function buildTargets(
  config: Pick<MqopsConfig, 'regions' | 'accounts'>,
  base: ClientSettings = {},
  limits: RateLimits = DEFAULT_RATE_LIMITS,
): Promise<AuditTarget[]> {
  const accounts: { name: string; accountId?: string; settings: ClientSettings }[] = [
    { name: 'self', settings: base },
  ];
  for (const account of config.accounts) {
    accounts.push({
      name: account.accountId,
      accountId: account.accountId,
      settings: {
        ...base,
        credentials: fromTemporaryCredentials({
          params: {
            RoleArn: account.roleArn,
            RoleSessionName: 'mqops-audit',
            ...(account.externalId ? { ExternalId: account.externalId } : {}),
          },
          ...(base.credentials ? { masterCredentials: base.credentials } : {}),
          clientConfig: { ...(base.region ? { region: base.region } : {}) },
        }),
      },
    });
  }
  const targets: AuditTarget[] = [];
  for (const account of accounts) {
    // Amazon MQ's throttle is per account and region; one pacer per target.
    const regions =
      config.regions === 'all'
        ? await enabledRegions(account.settings)
        : (config.regions ?? [account.settings.region ?? '']);
    for (const region of regions) {
      const settings = region ? { ...account.settings, region } : account.settings;
      targets.push({
        name: `${account.name}/${region || 'default'}`,
        // The caller's own account is any account (its id is not known without a call); a region '' is any region.
        scope: {
          ...(account.accountId ? { accountId: account.accountId } : {}),
          ...(region ? { region } : {}),
        },
        ...sourcesFor(settings, new Pacer(limits)),
      });
    }
  }
  return targets;
}
