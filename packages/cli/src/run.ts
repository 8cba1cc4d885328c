import { userInfo } from 'node:os';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchAlarmStates } from '@mqops/aws/alarm-states';
import { MqBrokerControl } from '@mqops/aws/broker-control';
import { MqBackupSource, S3BackupStore } from '@mqops/aws/config-backup';
import { BrokerConnectionProbe } from '@mqops/aws/connection-probe';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { SecretsRotationControl } from '@mqops/aws/rotation-control';
import { type ClientSettings, sourcesFor } from '@mqops/aws/targets';
import { failing, type KeyValueStore, runAudit } from '@mqops/core';
import { type AllRunbookPorts, RUNBOOKS } from '@mqops/core/runbooks/index';
import { listRuns, type RunRecord, runRunbook, runTitle } from '@mqops/core/runbooks/run';
import { capacityPolicyOf, checkLocalOptions, localStateStore, withLocalCloud } from './local';
import type { Io } from './main';
import { clientSettings, parseOptions, tableOrJson, UsageError } from './usage';

const list = () =>
  RUNBOOKS.map((r) => `  ${r.name.padEnd(15)} ${r.summary}\n  ${''.padEnd(15)} payload ${r.usage}`).join(
    '\n',
  );

export const RUN_HELP = `mqops run — runbooks, a dry run unless --execute

Usage:
  mqops run RUNBOOK [--broker NAME|ID]… [--secret ID] [--payload JSON] [--execute] (--invoke FUNCTION | --local)
  mqops run history (--table TABLE | --local) [--limit N]   the trail: who ran what, dry run or not, and the result

Runbooks:
${list()}

Where it runs:
  --invoke FUNCTION          the deployed Runbook function (its name or ARN; sst deploy prints RunbookFunction): the
                             run is recorded in the stack's trail and posted to Slack and SNS, with your IAM identity
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo)
  --reset                    with --local: start the local cloud over from the scenario
  --real-brokers             with --local: back the fleet with the local RabbitMQ and ActiveMQ (must be running)
  --config FILE              with --local: the capacity policy (resize-now's guards) of FILE (default
                             ./mqops.config.json)

Options:
  --execute                  act; without it every runbook only says what it would do
  --broker NAME|ID           the broker (brokerId, or one of brokers); names are resolved to ids
  --secret ID                the secret of rotate-now (mqops/… or its ARN)
  --payload JSON             the payload as JSON (merged with --broker / --secret)
  --table TABLE              history: the deployed state table (default MQOPS_STATE_TABLE)
  --limit N                  history: the newest N runs (default 20, at most 1000)
  --output table|json
  --region REGION, --profile NAME

Exit codes: 0 done, dry run or started; 1 refused or failed; 2 bad usage; 3 could not run.`;

function parse(argv: string[]) {
  return parseOptions(argv, {
    broker: { type: 'string', multiple: true },
    secret: { type: 'string' },
    payload: { type: 'string' },
    execute: { type: 'boolean' },
    invoke: { type: 'string' },
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    'real-brokers': { type: 'boolean' },
    reset: { type: 'boolean' },
    config: { type: 'string' },
    output: { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
    table: { type: 'string' },
    limit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

/** The ports of every runbook on the clients `settings` configure (the local cloud with --local). */
function localPorts(
  settings: ClientSettings,
  now: () => Date,
  backupBucket: string,
  store: KeyValueStore,
  policy: ReturnType<typeof capacityPolicyOf>,
): AllRunbookPorts {
  const inventory = new MqBrokerInventory(settings);
  const control = new MqBrokerControl(settings);
  const alarms = new CloudWatchAlarmStates(settings);
  const probe = new BrokerConnectionProbe();
  return {
    inventory,
    audit: {
      run: async (brokers) => {
        const { inventory: inv, sources } = sourcesFor(settings);
        const report = await runAudit(
          { targets: [{ name: 'local', inventory: inv, sources }], notifiers: [], now },
          { trigger: 'manual', ...(brokers?.length ? { brokerIds: [...brokers] } : {}) },
        );
        return {
          brokersAudited: report.brokersAudited,
          findings: failing(report).length,
          notified: report.notified,
          errors: report.errors.length,
        };
      },
    },
    rotation: new SecretsRotationControl(settings),
    backup: {
      source: new MqBackupSource({ mq: settings, credentials: settings }),
      store: new S3BackupStore(backupBucket, { ...settings, forcePathStyle: true }),
    },
    plans: { store, control, alarms, probe, sinks: [], now, policy },
    control,
    alarms,
    probe,
  };
}

/** The request: the payload from --payload, --broker and --secret, names resolved to ids. */
async function requestOf(
  name: string,
  values: ReturnType<typeof parse>['values'],
  inventory: MqBrokerInventory,
  by: string,
): Promise<Record<string, unknown>> {
  const definition = RUNBOOKS.find((r) => r.name === name);
  if (!definition)
    throw new UsageError(`unknown runbook ${name}; runbooks: ${RUNBOOKS.map((r) => r.name).join(', ')}`);
  let payload: Record<string, unknown> = {};
  if (values.payload) {
    try {
      payload = JSON.parse(values.payload) as Record<string, unknown>;
    } catch {
      throw new UsageError('--payload is not JSON');
    }
  }
  if (values.broker?.length) {
    const refs = await inventory.list();
    const ids = values.broker.map((b) => {
      const ref = refs.find((r) => r.id === b) ?? refs.find((r) => r.name === b);
      if (!ref) throw new UsageError(`no broker ${b} in this account and region`);
      return ref.id;
    });
    if (definition.usage.includes('"brokers"')) payload.brokers = ids;
    else payload.brokerId = ids[0];
  }
  if (values.secret) payload.secretId = values.secret;
  // The flags a runbook needs, named as the CLI spells them (the function itself would say "brokerId: required").
  if (definition.usage.includes('"brokerId"') && payload.brokerId === undefined)
    throw new UsageError(`${name} needs --broker NAME|ID`);
  if (definition.usage.includes('"secretId"') && payload.secretId === undefined)
    throw new UsageError(`${name} needs --secret ID`);
  return { runbook: name, payload, execute: values.execute ?? false, by };
}

/** One detail for people: a guard's verdict, a string, or compact JSON. */
function line(value: unknown): string {
  if (typeof value === 'string') return value;
  const guard = value as { guard?: string; ok?: boolean; detail?: string } | null;
  if (guard && typeof guard.guard === 'string' && typeof guard.ok === 'boolean')
    return `${guard.ok ? 'ok  ' : 'FAIL'} ${guard.guard}: ${guard.detail ?? ''}`;
  return JSON.stringify(value);
}

function print(record: RunRecord, output: string, io: Io): number {
  if (output === 'json') io.out(JSON.stringify(record, null, 2));
  else {
    io.out(runTitle(record));
    io.out(`  ${record.summary}`);
    for (const [k, v] of Object.entries(record.details)) {
      if (Array.isArray(v) && v.length > 0) {
        io.out(`  ${k}:`);
        for (const item of v) io.out(`    ${line(item)}`);
      } else io.out(`  ${k}: ${line(v)}`);
    }
    if (record.dryRun && record.status === 'dry-run') io.out('Run again with --execute to act.');
  }
  return record.status === 'refused' || record.status === 'failed' ? 1 : 0;
}

/** `mqops run history`: the trail of runbook runs in the stack's state table, newest first. */
async function history(
  values: ReturnType<typeof parse>['values'],
  output: 'table' | 'json',
  io: Io,
): Promise<number> {
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be 1 to 1000 (got ${values.limit})`);
  if (values.local)
    return withLocalCloud(localOptions(values), async (cloud) =>
      showHistory(await listRuns(await localStateStore(cloud), limit), output, io),
    );
  const table = values.table ?? process.env.MQOPS_STATE_TABLE;
  if (!table)
    throw new UsageError(
      'history needs the state table: --table NAME or MQOPS_STATE_TABLE (the sst deploy output State)',
    );
  return showHistory(
    await listRuns(new DynamoKeyValueStore(table, clientSettings(values)), limit),
    output,
    io,
  );
}

function showHistory(runs: RunRecord[], output: 'table' | 'json', io: Io): number {
  if (output === 'json') {
    io.out(JSON.stringify(runs, null, 2));
    return 0;
  }
  const w = Math.max(8, ...runs.map((r) => r.by.length));
  io.out(
    `${'STARTED'.padEnd(20)}  ${'RUNBOOK'.padEnd(15)}  ${'MODE'.padEnd(7)}  ${'STATUS'.padEnd(8)}  ${'BY'.padEnd(w)}  SUMMARY`,
  );
  for (const r of runs)
    io.out(
      `${r.startedAt.slice(0, 19).replace('T', ' ').padEnd(20)}  ${r.runbook.padEnd(15)}  ${(r.dryRun ? 'dry run' : 'execute').padEnd(7)}  ${r.status.padEnd(8)}  ${r.by.padEnd(w)}  ${r.summary}`,
    );
  io.out(`\n${runs.length} run${runs.length === 1 ? '' : 's'}.`);
  return 0;
}

/** `mqops run …`; returns the exit code. */
export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  const [name, ...rest] = positionals;
  if (values.help || !name) {
    io.out(RUN_HELP);
    return name || values.help ? 0 : 2;
  }
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const output = tableOrJson(values.output);
  checkLocalOptions(values);
  if (values.config && !values.local)
    throw new UsageError("--config needs --local (the deployed Runbook function has the stack's policy)");
  if (name === 'history') return history(values, output, io);
  if (!values.local && !values.invoke)
    throw new UsageError('say where to run: --invoke FUNCTION (the deployed Runbook function) or --local');
  if (values.local && values.invoke) throw new UsageError('--local and --invoke cannot go together');
  const settings: ClientSettings = clientSettings(values);

  if (values.invoke) {
    const identity = await new STSClient(settings).send(new GetCallerIdentityCommand({}));
    const request = await requestOf(
      name,
      values,
      new MqBrokerInventory(settings),
      identity.Arn ?? userInfo().username,
    );
    const out = await new LambdaClient(settings).send(
      new InvokeCommand({
        FunctionName: values.invoke,
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      const error = (JSON.parse(text || '{}') as { errorMessage?: string }).errorMessage ?? text;
      io.err(`mqops: runbook ${name} failed: ${error}`);
      return /InvalidInputError|not a runbook request|bad payload|unknown runbook/.test(text) ? 2 : 1;
    }
    return print(JSON.parse(text) as RunRecord, output, io);
  }

  // The capacity policy (resize-now's guards) of --config or ./mqops.config.json, as rightsize reads it.
  const policy = capacityPolicyOf(values.config);
  return withLocalCloud(localOptions(values), async (cloud) => {
    const cloudSettings = { ...cloud.clientConfig(), ...settings };
    const now = () => cloud.clock.now();
    const request = await requestOf(name, values, new MqBrokerInventory(cloudSettings), userInfo().username);
    // The embedded cloud's S3 gets a bucket for backup-config, and its DynamoDB the state table (plans, the trail);
    // both are kept with the local cloud, so restore-config finds the backups and resize-now the accepted plans.
    const bucket = 'mqops-local-backups';
    await new S3Client({ ...cloudSettings, forcePathStyle: true })
      .send(new CreateBucketCommand({ Bucket: bucket }))
      .catch((error: unknown) => {
        if (!(error instanceof BucketAlreadyExists || error instanceof BucketAlreadyOwnedByYou)) throw error;
      });
    const store = await localStateStore(cloud);
    const record = await runRunbook(request, {
      runbooks: RUNBOOKS,
      ports: localPorts(cloudSettings, now, bucket, store, policy),
      store,
      sinks: [],
      now,
    });
    return print(record, output, io);
  });
}

/** The local cloud a --local run asked for. */
const localOptions = (values: ReturnType<typeof parse>['values']) => ({
  scenario: values.scenario,
  realBrokers: values['real-brokers'],
  reset: values.reset,
});
