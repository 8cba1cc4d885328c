import { type AuditReport, type Notifier, slackMessage } from '@mqops/core';
import type { ChannelPace } from './http-delivery';
import { postToSlack, type SlackChannelOptions, slackPace } from './slack-channel';

/** Defaults of a {@link SlackNotifier}: bounded so that a stuck webhook never holds a run for long. */
export const SLACK_NOTIFIER_DEFAULTS = {
  /**
   * Per request. Slack answers a webhook in well under a second; 10 s is the alerts' value too, and leaves the
   * Audit function (15 min) and the watcher (60 s) their time when Slack hangs.
   */
  timeoutMs: 10_000,
  /** Further attempts after a 429, a 5xx, a timeout or a network error (as before). */
  retries: 2,
  /** Longest time for one message, waits included: three attempts and their back-off fit in it. */
  maxTotalWaitMs: 30_000,
} as const;

export interface SlackNotifierOptions extends Omit<SlackChannelOptions, 'name'> {
  /** Longest wait for one Retry-After, in ms (then the message goes again); default none (the budget decides). */
  maxWaitMs?: number;
}

/**
 * Posts audit reports to a Slack incoming webhook as Block Kit messages with the alerts' client ({@link postToSlack}:
 * pacing, Retry-After, retries, redaction), within {@link SLACK_NOTIFIER_DEFAULTS}. The URL never appears in errors,
 * logs or `util.inspect`. Posts one message at a time (its callers await each). Other rendered messages (the
 * watcher's alerts) go through a `SlackChannel` with these defaults.
 */
export class SlackNotifier implements Notifier {
  readonly channel = 'slack';
  /** Holds the URL: private, so never shown by `util.inspect`. */
  readonly #options: SlackChannelOptions;
  readonly #pace: ChannelPace;

  constructor(options: SlackNotifierOptions) {
    this.#options = { ...SLACK_NOTIFIER_DEFAULTS, maxRetryAfterMs: options.maxWaitMs, ...options };
    this.#pace = slackPace(this.#options);
  }

  /** Posts the report as one Slack message. @throws DeliveryError when it cannot be delivered. */
  async send(report: AuditReport): Promise<void> {
    await postToSlack(slackMessage(report), this.#options, this.#pace);
  }

  /** What logging the notifier shows: never the URL. */
  toJSON(): { channel: string; id: string } {
    return { channel: this.channel, id: this.#pace.id };
  }
}
