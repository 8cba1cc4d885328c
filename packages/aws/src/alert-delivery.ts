import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Broker, BrokerInventory } from '@mqops/core';
import type { AlertConfig } from '@mqops/core/alerts/config';
import type {
  AlertNotification,
  BrokerLookup,
  Deliver,
  DeliveryOutcome,
  StoredAlert,
} from '@mqops/core/alerts/engine';
import {
  type AlertMessageContext,
  type AlertTarget,
  notificationBroker,
  routeNotification,
  slackAlertMessage,
  snsAlertMessage,
} from '@mqops/core/alerts/messages';
import type { CloudWatchMetricHistory } from './alert-metrics';
import type { SlackChannel } from './slack-channel';

const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Brokers by name, for alerts (which name a broker, not its id): ListBrokers once per region and `ttlMs`, then
 * DescribeBroker per broker, both cached. IAM: `mq:ListBrokers`, `mq:DescribeBroker`.
 */
export class BrokerDirectory {
  private readonly lists = new Map<string, { at: number; refs: Promise<Map<string, string>> }>();
  private readonly brokers = new Map<string, { at: number; broker: Promise<Broker | undefined> }>();

  constructor(
    private readonly inventoryFor: (region: string) => BrokerInventory,
    private readonly options: { ttlMs?: number; now?: () => number } = {},
  ) {}

  /** The broker called `name` in `region`, or undefined when there is none (or the inventory cannot be read). */
  async find(region: string, name: string): Promise<Broker | undefined> {
    if (!REGION_CODE.test(region) || !name) return undefined;
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.ttlMs ?? 300_000;
    let list = this.lists.get(region);
    if (!list || now - list.at > ttl) {
      const refs = this.inventoryFor(region)
        .list()
        .then((all) => new Map(all.map((r) => [r.name, r.id])));
      list = { at: now, refs };
      this.lists.set(region, list);
      // A failed listing is not cached.
      refs.catch(() => this.lists.delete(region));
    }
    const id = await list.refs.then((m) => m.get(name)).catch(() => undefined);
    if (!id) return undefined;
    const key = `${region}/${id}`;
    let cached = this.brokers.get(key);
    if (!cached || now - cached.at > ttl) {
      const broker = this.inventoryFor(region)
        .describe(id)
        .catch(() => undefined);
      cached = { at: now, broker };
      this.brokers.set(key, cached);
    }
    return cached.broker;
  }

  /** The engine's broker lookup (id and maintenance window, for inhibition). */
  readonly lookup: BrokerLookup = async (alert: StoredAlert) => {
    const broker = alert.broker ? await this.find(alert.region, alert.broker) : undefined;
    return broker ? { id: broker.id, maintenanceWindow: broker.maintenanceWindow } : undefined;
  };
}

export interface AlertDeliveryOptions {
  config: AlertConfig;
  /** Slack channels by name (`default` is the main webhook). */
  slack?: Record<string, SlackChannel>;
  /** SNS: the client and the topic `default` stands for. */
  sns?: { client: SNSClient; defaultTopicArn?: string };
  brokers?: BrokerDirectory;
  metrics?: CloudWatchMetricHistory;
  /** Minutes of metric history in sparklines; default 60. */
  seriesMinutes?: number;
  /** At most this many alerts of a notification get a metric history; default 20. */
  maxSeries?: number;
  /** Where skipped targets and enrichment failures are reported (no secrets are passed). */
  warn?: (message: string, extra?: Record<string, unknown>) => void;
}

/**
 * The engine's delivery port: looks up the broker and the metrics' recent values, routes the notification (severity,
 * tags, broker → channels and topics), builds the Slack and SNS messages and sends them, one target at a time per
 * channel (Slack channels pace themselves), reporting each target's success or failure.
 */
export class AlertDelivery {
  constructor(private readonly options: AlertDeliveryOptions) {}

  readonly deliver: Deliver = async (n, skip) => {
    const first = n.firing[0] ?? n.resolved[0];
    // Broker details only when the notification is about one broker (groups need not be made by broker).
    const brokerName = notificationBroker(n);
    const broker =
      brokerName && first && this.options.brokers
        ? await this.options.brokers.find(first.alert.region, brokerName).catch(() => undefined)
        : undefined;
    const targets = this.resolveTargets(n, broker).filter((t) => !skip.includes(t.target));
    const outcome: DeliveryOutcome = { delivered: [], failed: [] };
    if (targets.length === 0) return outcome;
    const context = await this.context(n, broker);
    await Promise.all(
      targets.map(async ({ target, send }) => {
        try {
          await send(context);
          outcome.delivered.push(target);
        } catch (error) {
          outcome.failed.push({ target, error: (error as Error).message });
        }
      }),
    );
    return outcome;
  };

  /** The notification's targets, with what sends to each (unconfigured defaults are skipped, named ones fall back). */
  private resolveTargets(
    n: AlertNotification,
    broker: Broker | undefined,
  ): { target: AlertTarget; send: (ctx: AlertMessageContext) => Promise<void> }[] {
    const o = this.options;
    const out: { target: AlertTarget; send: (ctx: AlertMessageContext) => Promise<void> }[] = [];
    for (const target of routeNotification(n, o.config, broker?.tags ?? {})) {
      const [kind, name = ''] = target.split(/:(.*)/s) as [string, string];
      if (kind === 'slack') {
        let channel = o.slack?.[name];
        if (!channel && name !== 'default' && o.slack?.default) {
          o.warn?.(`no webhook for Slack channel ${name}: sending to the default channel`);
          channel = o.slack.default;
        }
        if (!channel) {
          if (name !== 'default')
            out.push({
              target,
              send: async () => {
                throw new Error(`no webhook configured for Slack channel ${name}`);
              },
            });
          continue;
        }
        const c = channel;
        out.push({ target, send: (ctx) => c.send(slackAlertMessage(n, ctx)) });
      } else if (kind === 'sns') {
        const topic = name === 'default' ? o.sns?.defaultTopicArn : name;
        const client = o.sns?.client;
        if (!topic || !client) continue;
        out.push({
          target,
          send: async (ctx) => {
            const m = snsAlertMessage(n, ctx);
            await client.send(
              new PublishCommand({
                TopicArn: topic,
                Subject: m.subject,
                Message: m.message,
                MessageStructure: m.messageStructure,
                MessageAttributes: m.attributes,
              }),
            );
          },
        });
      }
    }
    return out;
  }

  /** The message context: the broker, recent metric values (best effort), the notification's time. */
  private async context(n: AlertNotification, broker: Broker | undefined): Promise<AlertMessageContext> {
    const o = this.options;
    const now = new Date(n.createdAt);
    const minutes = o.seriesMinutes ?? 60;
    const context: AlertMessageContext = {
      now,
      seriesMinutes: minutes,
      runbookHints: o.config.runbookHints,
      ...(broker ? { broker } : {}),
    };
    const withMetric = n.firing.filter((a) => a.alert.metric).slice(0, o.maxSeries ?? 20);
    if (!o.metrics || withMetric.length === 0) return context;
    const byRegion = new Map<string, typeof withMetric>();
    for (const a of withMetric) byRegion.set(a.alert.region, [...(byRegion.get(a.alert.region) ?? []), a]);
    const series: Record<string, number[]> = {};
    for (const [region, list] of byRegion) {
      if (!REGION_CODE.test(region)) continue;
      try {
        const got = await o.metrics.recent(
          region,
          list.map((a) => ({
            id: a.fingerprint,
            metric: a.alert.metric as NonNullable<StoredAlert['metric']>,
          })),
          now,
          minutes,
        );
        Object.assign(series, got);
      } catch (error) {
        // The sparkline is a nicety: the message goes out with the alarm's own datapoints instead.
        o.warn?.('could not read recent metric values', { region, error: (error as Error).name });
      }
    }
    return { ...context, series };
  }
}
