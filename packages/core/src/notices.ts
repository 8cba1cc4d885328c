import type { ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { ConcurrentWriteError } from './cas';
import { casItem, type KeyValueStore } from './kv';
import type { Channel } from './ports';
import { escapeMrkdwn, type SlackBlockMessage } from './report/slack';
import { clipText, SLACK_LIMITS } from './report/slack-limits';

/**
 * Notices: one-off messages about something mqops did or will do (a rotation finished or failed, a resize planned,
 * applied or rolled back, a maintenance window ahead, a runbook run). Audit reports and alarm alerts have their own
 * richer messages; everything else goes through here, to the same Slack channel and SNS topic.
 */

export const NOTICE_KINDS = ['rotation', 'capacity', 'maintenance', 'runbook'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_LEVELS = ['info', 'warning', 'critical'] as const;
export type NoticeLevel = (typeof NOTICE_LEVELS)[number];

export interface Notice {
  kind: NoticeKind;
  level: NoticeLevel;
  /** One line: what happened (`Rotated user orders on broker orders-prod`). */
  title: string;
  /** Detail in sentences. Never a secret value. */
  text?: string;
  /** Short facts shown as a table (`step`, `secret`, `from`, `to`, …). */
  fields?: Record<string, string>;
  broker?: { id?: string; name?: string; region?: string };
  /**
   * Deduplication key: a notice whose key was already sent (within `dedupeSeconds`) is not sent again, so a step
   * re-delivered by its trigger notifies once.
   */
  key?: string;
}

/**
 * A channel notices go to (Slack, SNS): the notifier port for notices. Its `channel` (`slack:<name>`, `sns`) names it
 * in logs and outcomes; `send` delivers one notice.
 */
export type NoticeSink = Channel<Notice>;

const LEVEL_EMOJI: Record<NoticeLevel, string> = {
  info: ':white_check_mark:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

/** The notice as a Slack Block Kit message, within Slack's limits ({@link SLACK_LIMITS}). */
export function slackNotice(notice: Notice): SlackBlockMessage {
  const header: HeaderBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: clipText(`mqops ${notice.kind}: ${notice.title}`, SLACK_LIMITS.headerText),
    },
  };
  const blocks: KnownBlock[] = [header];
  if (notice.text) {
    const detail: SectionBlock = {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipText(`${LEVEL_EMOJI[notice.level]} ${escapeMrkdwn(notice.text)}`, SLACK_LIMITS.sectionText),
      },
    };
    blocks.push(detail);
  }
  const fields = Object.entries(notice.fields ?? {}).slice(0, SLACK_LIMITS.fields);
  if (fields.length) {
    const facts: SectionBlock = {
      type: 'section',
      fields: fields.map(([k, v]) => ({
        type: 'mrkdwn',
        text: clipText(`*${escapeMrkdwn(k)}*\n${escapeMrkdwn(v)}`, SLACK_LIMITS.fieldText),
      })),
    };
    blocks.push(facts);
  }
  const where = notice.broker
    ? [notice.broker.name ?? notice.broker.id, notice.broker.region].filter(Boolean).join(' · ')
    : '';
  const context: ContextBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${notice.level}${where ? ` · ${escapeMrkdwn(where)}` : ''}` }],
  };
  blocks.push(context);
  return { text: `mqops ${notice.kind}: ${notice.title}`, blocks };
}

/** The notice as one SNS message: an ASCII subject (≤ 100), a JSON body, attributes for subscription filters. */
export function snsNotice(notice: Notice): {
  subject: string;
  message: string;
  attributes: Record<string, string>;
} {
  const subject = `mqops ${notice.kind}: ${notice.title}`.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  const { key: _key, ...body } = notice;
  return {
    subject,
    message: JSON.stringify({ source: 'mqops', ...body }),
    attributes: { kind: notice.kind, level: notice.level },
  };
}

/** A thrown value as text (anything may be thrown: an Error, a string, null). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

export interface NoticeOptions {
  /** Where sent keys are remembered (`notice:<key>`); without it nothing is deduplicated. */
  store?: KeyValueStore;
  /** How long a sent key is remembered; default 7 days. */
  dedupeSeconds?: number;
  now?: () => Date;
}

export interface NoticeOutcome {
  /** Channels that took the notice. */
  sent: string[];
  /** Channels that failed, with the error's message (never a secret). */
  failed: { channel: string; error: string }[];
  /** True when the key had been sent before: nothing was sent. */
  duplicate: boolean;
}

/**
 * Sends a notice to every sink. A failing sink does not stop the others and never throws: a notice is a side
 * effect that must not fail the work it reports on. With a `key` and a store, the key is claimed first (a
 * conditional write), so concurrent or re-delivered steps send it once; a claim whose every sink failed is released
 * so that a retry can send it.
 */
export async function postNotice(
  sinks: readonly NoticeSink[],
  notice: Notice,
  options: NoticeOptions = {},
): Promise<NoticeOutcome> {
  const outcome: NoticeOutcome = { sent: [], failed: [], duplicate: false };
  if (sinks.length === 0) return outcome;
  const claimKey = notice.key && options.store ? `notice:${notice.key}` : undefined;
  if (claimKey && options.store) {
    const now = (options.now ?? (() => new Date()))();
    const expiresAt = Math.floor(now.getTime() / 1000) + (options.dedupeSeconds ?? 7 * 86_400);
    // Claimed unless someone's claim is still live; a lost race re-reads, so it sees the winner's claim.
    // (A claim that others kept winning for every round is theirs: not sent here either.)
    const claimed = await casItem<{ sentAt: string }, boolean>(
      options.store,
      claimKey,
      (existing) =>
        existing && (existing.expiresAt === undefined || existing.expiresAt > now.getTime() / 1000)
          ? { keep: false }
          : { write: { sentAt: now.toISOString() }, result: true },
      { expiresAt },
    ).catch((error: unknown) => {
      if (error instanceof ConcurrentWriteError) return false;
      throw error;
    });
    if (!claimed) return { ...outcome, duplicate: true };
  }
  await Promise.all(
    sinks.map(async (sink) => {
      try {
        await sink.send(notice);
        outcome.sent.push(sink.channel);
      } catch (error) {
        outcome.failed.push({ channel: sink.channel, error: errorText(error) });
      }
    }),
  );
  if (claimKey && options.store && outcome.sent.length === 0) await options.store.delete(claimKey);
  return outcome;
}
