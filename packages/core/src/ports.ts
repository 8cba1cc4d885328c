import type { AuditReport } from './audit';
import { BrokerNotFoundError } from './errors';
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

/**
 * The brokers asked for, by id or name (an id wins over a name), each once in the order asked; every broker when none
 * is asked for. @throws BrokerNotFoundError naming the first that is not in `refs`.
 */
export function selectBrokers(refs: readonly BrokerRef[], asked?: readonly string[]): BrokerRef[] {
  if (!asked?.length) return [...refs];
  const picked = new Map<string, BrokerRef>();
  for (const wanted of asked) {
    const ref = refs.find((r) => r.id === wanted) ?? refs.find((r) => r.name === wanted);
    if (!ref) throw new BrokerNotFoundError(wanted);
    picked.set(ref.id, ref);
  }
  return [...picked.values()];
}
