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

/** A notifier failed to deliver. */
export class DeliveryError extends MqopsError {
  constructor(
    readonly channel: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${channel}: ${message}`, options);
    this.name = 'DeliveryError';
  }
}
