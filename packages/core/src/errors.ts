/** Base of every error mqops raises on purpose. */
export class MqopsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MqopsError';
  }
}

/** An event or request that does not have the expected shape. Nothing was done. */
export class InvalidInputError extends MqopsError {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}: ${issues.join('; ')}` : message);
    this.name = 'InvalidInputError';
  }
}

/**
 * The deployment's own configuration is invalid (mqops.config.json, MQOPS_CONFIG, an alert policy): nothing was done.
 * An InvalidInputError for the CLI's sake (the user's input), but for a function a failed job, never a refused event:
 * every event fails the same way until the configuration is mended.
 */
export class ConfigurationError extends InvalidInputError {
  constructor(message: string, issues: string[] = []) {
    super(message, issues);
    this.name = 'ConfigurationError';
  }
}

/** A broker that was asked for by id or name and does not exist. */
export class BrokerNotFoundError extends MqopsError {
  constructor(
    readonly brokerId: string,
    options?: { cause?: unknown },
  ) {
    super(`unknown broker: ${brokerId} (no such broker in this account and region)`, options);
    this.name = 'BrokerNotFoundError';
  }
}

/** What a {@link DeliveryError} says beyond its message. */
export interface DeliveryErrorOptions {
  cause?: unknown;
  /** The last answer's HTTP status, when one came. */
  status?: number;
  /** Requests made; default 1. */
  attempts?: number;
  /** Whether a later delivery may succeed (rate limit, 5xx, timeout, unreachable); default false. */
  retryable?: boolean;
  /** Whether the message is prefixed with the channel (`slack: …`); default true. */
  prefix?: boolean;
}

/** Longest message a DeliveryError keeps: the rest is cut and counted. */
const DELIVERY_MESSAGE_MAX = 1000;

/**
 * A notifier or an outbound HTTP delivery failed (Slack, SNS, a management API). Its message is bounded and never
 * holds a secret (webhook URL, credential): callers redact before they construct it.
 */
export class DeliveryError extends MqopsError {
  readonly status?: number;
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(
    readonly channel: string,
    message: string,
    options: DeliveryErrorOptions = {},
  ) {
    const text = options.prefix === false ? message : `${channel}: ${message}`;
    super(
      text.length <= DELIVERY_MESSAGE_MAX
        ? text
        : `${text.slice(0, DELIVERY_MESSAGE_MAX)}…(${text.length} chars)`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'DeliveryError';
    if (options.status !== undefined) this.status = options.status;
    this.attempts = options.attempts ?? 1;
    this.retryable = options.retryable ?? false;
  }
}
