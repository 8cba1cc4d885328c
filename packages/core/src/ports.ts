import type { AuditReport } from './audit';
import type { Broker } from './model';

/** A broker as the list call knows it. */
export interface BrokerRef {
  id: string;
  name: string;
}

/** Where brokers come from (the MQ API in AWS, the local cloud in tests). */
export interface BrokerInventory {
  /** Every broker in the account and region, across all pages. */
  list(): Promise<BrokerRef[]>;
  /**
   * One broker in full.
   * @throws BrokerNotFoundError when there is no such broker.
   */
  describe(id: string): Promise<Broker>;
}

/** A channel that findings are sent to (Slack, SNS, …). */
export interface Notifier {
  /** Short name for logs and reports: `slack`, `sns`. */
  readonly channel: string;
  send(report: AuditReport): Promise<void>;
}
