import { type AuditReport, DeliveryError, type Notifier, slackMessage } from '@mqops/core';

export interface SlackNotifierOptions {
  /** Incoming-webhook URL. It is a secret: it never appears in errors or logs. */
  webhookUrl: string;
  /** How many times to retry after HTTP 429 / 5xx (honouring Retry-After); default 2. */
  retries?: number;
  /** Longest wait for one Retry-After, in ms; default 5000. */
  maxWaitMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts audit reports to a Slack incoming webhook as Block Kit messages. */
export class SlackNotifier implements Notifier {
  readonly channel = 'slack';

  constructor(private readonly options: SlackNotifierOptions) {
    if (!/^https?:\/\//.test(options.webhookUrl))
      throw new DeliveryError('slack', 'the webhook URL is not an http(s) URL');
  }

  async send(report: AuditReport): Promise<void> {
    await this.post(slackMessage(report));
  }

  /** Posts one message; retries on 429 and 5xx. */
  async post(message: unknown): Promise<void> {
    const doFetch = this.options.fetch ?? fetch;
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(this.options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
        });
      } catch (error) {
        // The cause may hold the URL: keep only its name.
        throw new DeliveryError('slack', `webhook unreachable (${(error as Error).name})`);
      }
      if (response.ok) return;
      const body = (await response.text()).slice(0, 200);
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= retries) {
        throw new DeliveryError('slack', `webhook answered HTTP ${response.status}: ${body}`);
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt;
      await sleep(Math.min(wait, this.options.maxWaitMs ?? 5000));
    }
  }
}
