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

/**
 * A place messages go (Slack, SNS, …): the one notifier port. `M` is what it takes: a rendered message for a
 * transport (a Slack message, an SNS publication) or a domain object it renders itself (an audit report).
 */
export interface Channel<M> {
  /** Short stable name for logs, outcomes and the store: `slack`, `sns`, `slack:oncall`. */
  readonly channel: string;
  /** Delivers one message. @throws DeliveryError when it cannot. */
  send(message: M): Promise<void>;
}

/** A channel that audit reports are sent to (Slack, SNS, …). */
export type Notifier = Channel<AuditReport>;

/**
 * A channel for `T` that renders each value and sends it to `to`: a transport (rendered messages) as a notifier.
 *
 * @example
 * const notices = rendered(slackChannel, slackNotice, 'slack');
 * await notices.send(notice);
 */
export function rendered<T, M>(to: Channel<M>, render: (value: T) => M, channel = to.channel): Channel<T> {
  return { channel, send: (value) => to.send(render(value)) };
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
