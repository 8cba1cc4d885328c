import {
  CreateUserCommand,
  DescribeBrokerCommand,
  type DescribeBrokerCommandOutput,
  DescribeUserCommand,
  type DescribeUserCommandOutput,
  MqClient,
  type MqClientConfig,
  RebootBrokerCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-mq';
import { MqopsError } from '@mqops/core';
import type { Credential, CredentialTarget, RotationSecret, UserChange } from '@mqops/core/rotation/index';
import { StompUnreachableError, stompLogin } from './stomp-login';

/** Options of {@link ActiveMqCredentialTarget}. */
export interface ActiveMqCredentialTargetOptions {
  /** The MQ API client (or its configuration); default the standard AWS configuration. */
  mq?: MqClient | MqClientConfig;
  /** Per STOMP login; default 5 s. */
  timeoutMs?: number;
  /** The STOMP login to use (tests inject a fake); default {@link stompLogin}. */
  login?: typeof stompLogin;
}

/** The part of testSecret's error that says the change waits for a reboot (Secrets Manager retries later). */
export const PENDING_UNTIL_REBOOT = 'change pending until the broker reboots or its maintenance window';

const isStomp = (endpoint: string) => /^stomp(\+ssl|\+tls|s)?:\/\//i.test(endpoint);

/**
 * ActiveMQ users of an Amazon MQ broker, for rotation. A password is changed through the MQ API (UpdateUser; a
 * missing clone user is made with CreateUser, copying the Groups and ConsoleAccess of the user it copies), and a
 * credential is proven by a real STOMP 1.2 login on the secret's `endpoints`, else the broker's (DescribeBroker).
 * The function's IAM role makes the MQ API calls: no admin credential is used.
 *
 * Amazon MQ keeps ActiveMQ user changes PENDING until the broker reboots (RebootBroker or its weekly maintenance
 * window). The rotation is honest about it: testSecret fails with "change pending until the broker reboots or its
 * maintenance window" while DescribeUser shows the change pending, so Secrets Manager retries the rotation later
 * and AWSCURRENT stays as it is; once the change is live and the login works, testSecret passes and finishSecret
 * moves AWSCURRENT.
 *
 * Strategies:
 * - alternating-users (recommended for ActiveMQ): the pending change is to the other user of the pair, so the
 *   AWSCURRENT user logs in throughout, before, during and after the reboot.
 * - single-user: works, but the old password keeps working until the reboot and only the new one after it; between
 *   the reboot and finishSecret the AWSCURRENT value no longer logs in (clients must re-read AWSPENDING or wait).
 *
 * `"applyNow": "reboot"` in the secret makes setSecret reboot the broker right away, only for ACTIVE_STANDBY_MULTI_AZ
 * brokers (the standby takes over: a safe reboot). A single-instance broker is not rebooted: setSecret fails with a
 * clear message and the change stays pending until the maintenance window (a re-run finds it live then).
 *
 * Passwords never appear in an error.
 *
 * @example
 * const activemq = new ActiveMqCredentialTarget({ mq: { region: 'eu-west-1' } });
 */
export class ActiveMqCredentialTarget implements CredentialTarget {
  private readonly mq: MqClient;
  private readonly timeoutMs: number;
  private readonly login: typeof stompLogin;

  constructor(options: ActiveMqCredentialTargetOptions = {}) {
    this.mq = options.mq instanceof MqClient ? options.mq : new MqClient(options.mq ?? {});
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.login = options.login ?? stompLogin;
  }

  /**
   * Tries the STOMP endpoints in order (an active/standby broker answers on one of its two instances): the first
   * that answers decides. @throws StompUnreachableError when none answers.
   */
  async verify(secret: RotationSecret, credential: Credential): Promise<boolean> {
    const endpoints = (secret.endpoints ?? (await this.broker(secret.brokerId)).endpoints).filter(isStomp);
    if (endpoints.length === 0) throw new MqopsError(`broker ${secret.brokerId} has no STOMP endpoint`);
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      try {
        return await this.login({
          endpoint,
          username: credential.username,
          password: credential.password,
          timeoutMs: this.timeoutMs,
        });
      } catch (error) {
        if (!(error instanceof StompUnreachableError)) throw error;
        failures.push(error.message);
      }
    }
    throw new StompUnreachableError(failures.join('; '));
  }

  async apply(secret: RotationSecret, change: UserChange, _admin: Credential): Promise<void> {
    const { brokerId } = secret;
    const existing = await this.describeUser(brokerId, change.username);
    if (existing && existing.Pending?.PendingChange !== 'DELETE') {
      await this.call('UpdateUser', brokerId, change.username, () =>
        this.mq.send(
          new UpdateUserCommand({ BrokerId: brokerId, Username: change.username, Password: change.password }),
        ),
      );
    } else {
      if (!change.copyFrom)
        throw new MqopsError(`ActiveMQ user ${change.username} does not exist on broker ${brokerId}`);
      const source = await this.describeUser(brokerId, change.copyFrom);
      if (!source)
        throw new MqopsError(
          `ActiveMQ user ${change.copyFrom} (to copy for ${change.username}) does not exist on broker ${brokerId}`,
        );
      await this.call('CreateUser', brokerId, change.username, () =>
        this.mq.send(
          new CreateUserCommand({
            BrokerId: brokerId,
            Username: change.username,
            Password: change.password,
            Groups: source.Groups ?? [],
            ConsoleAccess: source.ConsoleAccess ?? false,
          }),
        ),
      );
    }
    if (secret.applyNow === 'reboot') await this.rebootNow(brokerId, change.username);
  }

  async pendingChange(secret: RotationSecret, username: string): Promise<string | undefined> {
    const user = await this.describeUser(secret.brokerId, username);
    const change = user?.Pending?.PendingChange;
    if (!change) return undefined;
    return (
      `user ${username} of broker ${secret.brokerId}: ${PENDING_UNTIL_REBOOT} ` +
      `(DescribeUser shows PendingChange ${change}); Secrets Manager retries the rotation later`
    );
  }

  /** Reboots an active/standby broker (safe: the standby takes over); refuses any other. */
  private async rebootNow(brokerId: string, username: string): Promise<void> {
    const broker = await this.broker(brokerId);
    if (broker.deploymentMode !== 'ACTIVE_STANDBY_MULTI_AZ') {
      throw new MqopsError(
        `applyNow "reboot" refused: broker ${brokerId} is ${broker.deploymentMode ?? 'not active/standby'} and a ` +
          `reboot would disconnect every client; the change to user ${username} stays ${PENDING_UNTIL_REBOOT}`,
      );
    }
    if (broker.state === 'REBOOT_IN_PROGRESS') return;
    await this.call('RebootBroker', brokerId, username, () =>
      this.mq.send(new RebootBrokerCommand({ BrokerId: brokerId })),
    );
  }

  private async broker(
    brokerId: string,
  ): Promise<{ endpoints: string[]; deploymentMode?: string; state?: string }> {
    let out: DescribeBrokerCommandOutput;
    try {
      out = await this.mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
    } catch (error) {
      throw new MqopsError(
        `MQ DescribeBroker of ${brokerId} failed: ${(error as Error).name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return {
      endpoints: (out.BrokerInstances ?? []).flatMap((i) => i.Endpoints ?? []),
      ...(out.DeploymentMode ? { deploymentMode: out.DeploymentMode } : {}),
      ...(out.BrokerState ? { state: out.BrokerState } : {}),
    };
  }

  /** DescribeUser; undefined when the user does not exist. */
  private async describeUser(
    brokerId: string,
    username: string,
  ): Promise<DescribeUserCommandOutput | undefined> {
    try {
      return await this.mq.send(new DescribeUserCommand({ BrokerId: brokerId, Username: username }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFoundException') return undefined;
      throw new MqopsError(
        `MQ DescribeUser of user ${username} on broker ${brokerId} failed: ${(error as Error).name}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** An MQ API call, its error named by operation, user and broker (the SDK's message never holds the password). */
  private async call<T>(operation: string, brokerId: string, username: string, send: () => Promise<T>) {
    try {
      return await send();
    } catch (error) {
      throw new MqopsError(
        `MQ ${operation} of user ${username} on broker ${brokerId} failed: ${(error as Error).name}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
