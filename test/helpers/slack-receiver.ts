import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message Slack would have received. */
export interface ReceivedSlackMessage {
  path: string;
  body: { text?: string; blocks?: { type: string; text?: { text?: string } }[] };
}

/**
 * A real local HTTP server that answers like a Slack incoming webhook (`ok`), records what it was sent, and can be
 * told to answer with an error or a rate limit first.
 */
export class SlackReceiver {
  readonly messages: ReceivedSlackMessage[] = [];
  /** Status codes to answer the next requests with, in order (then 200). */
  readonly failNext: { status: number; retryAfter?: number }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const planned = this.failNext.shift();
        if (planned) {
          res.writeHead(
            planned.status,
            planned.retryAfter ? { 'retry-after': String(planned.retryAfter) } : {},
          );
          res.end(planned.status === 429 ? 'rate_limited' : 'invalid_payload');
          return;
        }
        let body: ReceivedSlackMessage['body'];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400);
          res.end('invalid_payload');
          return;
        }
        this.messages.push({ path: req.url ?? '/', body });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/services/T0LOCAL/B0LOCAL/local-test-webhook`;
    return this;
  }

  /** All text of a message (header and sections). */
  static text(message: ReceivedSlackMessage): string {
    return (message.body.blocks ?? []).map((b) => b.text?.text ?? JSON.stringify(b)).join('\n');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
  }
}
