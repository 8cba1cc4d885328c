/**
 * Slack's limits, in one place, for every message builder (audit reports, watcher alerts, alarm alerts, notices) and
 * the outbound client's pacing. From Slack's Block Kit reference (block and element limits) and its rate-limit
 * documentation (incoming webhooks).
 */

/** Block Kit limits a message must stay within: Slack refuses the whole message otherwise (`invalid_blocks`). */
export const SLACK_LIMITS = {
  /** Blocks per message. */
  blocks: 50,
  /** Characters of a section block's text. */
  sectionText: 3000,
  /** Characters of a header block's plain text. */
  headerText: 150,
  /** Fields of a section block. */
  fields: 10,
  /** Characters of one field's text. */
  fieldText: 2000,
  /** Elements of a context block. */
  contextElements: 10,
  /** Characters of a message's top-level `text` (its fallback and notification text); Slack truncates beyond. */
  messageText: 40_000,
  /**
   * Characters of all blocks' text together that a message is kept under: Slack refuses messages whose blocks hold
   * much more (`msg_blocks_too_long`, undocumented, about 12,000–13,000); kept well under.
   */
  totalBlocksText: 11_000,
} as const;

/** Slack's rate limit for incoming webhooks: about one message per second per channel (short bursts are tolerated). */
export const SLACK_RATE = {
  /** Least time between two messages to one webhook. */
  webhookIntervalMs: 1000,
} as const;

/** `text` cut to `max` characters, the cut marked with an ellipsis (counted in `max`). */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
