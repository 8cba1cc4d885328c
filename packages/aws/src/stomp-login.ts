import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MqopsError } from '@mqops/core';

/**
 * A minimal STOMP 1.2 client: one CONNECT frame with a login and passcode, over TCP (`stomp://`) or TLS
 * (`stomp+ssl://`, what Amazon MQ for ActiveMQ exposes on 61614). Used by rotation to prove a credential works.
 * No password ever appears in an error.
 */

/** Options of {@link stompLogin}. */
export interface StompLoginOptions {
  /** `stomp://host:port` or `stomp+ssl://host:port` (default ports 61613 / 61614). */
  endpoint: string;
  username: string;
  password: string;
  /** Default 5 s. */
  timeoutMs?: number;
}

/** The broker could not be reached, timed out, or did not speak STOMP. */
export class StompUnreachableError extends MqopsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StompUnreachableError';
  }
}

/** Host, port and TLS of a `stomp://` / `stomp+ssl://` endpoint. @throws StompUnreachableError for anything else. */
export function parseStompEndpoint(endpoint: string): { host: string; port: number; tls: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StompUnreachableError(`not a STOMP endpoint URL: ${endpoint.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  const tls = url.protocol === 'stomp+ssl:' || url.protocol === 'stomp+tls:' || url.protocol === 'stomps:';
  if (!tls && url.protocol !== 'stomp:')
    throw new StompUnreachableError(`not a stomp:// or stomp+ssl:// endpoint: ${url.protocol}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : tls ? 61614 : 61613, tls };
}

/** CONNECT headers are not escaped in STOMP 1.2: these characters cannot be sent (never echo the value). */
function checkHeader(name: string, value: string): void {
  if (/[\r\n\0]/.test(value)) throw new MqopsError(`STOMP ${name} contains a CR, LF or NUL character`);
}

/**
 * Sends a STOMP 1.2 CONNECT with the credential. True on CONNECTED; false on ERROR (the broker refuses the
 * credential) or when the broker closes the connection without answering.
 * @throws StompUnreachableError naming host:port (never the password) when the broker cannot be reached, does not
 * answer in time or answers something other than STOMP.
 */
export async function stompLogin(options: StompLoginOptions): Promise<boolean> {
  const { host, port, tls } = parseStompEndpoint(options.endpoint);
  checkHeader('login', options.username);
  checkHeader('passcode', options.password);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const where = `STOMP ${tls ? 'stomp+ssl' : 'stomp'}://${host}:${port}`;
  const frame =
    [
      'CONNECT',
      'accept-version:1.2',
      `host:${host}`,
      'heart-beat:0,0',
      `login:${options.username}`,
      `passcode:${options.password}`,
    ].join('\n') + '\n\n\0';

  return new Promise<boolean>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let settled = false;
    let connected = false;
    const onConnect = () => {
      connected = true;
      socket.write(frame);
    };
    const socket: Socket = tls
      ? tlsConnect({ host, port, servername: host }, onConnect)
      : new Socket().connect(port, host, onConnect);
    const finish = (error: Error | undefined, ok = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        socket.end('DISCONNECT\n\n\0');
        setTimeout(() => socket.destroy(), 200).unref();
      } else socket.destroy();
      if (error) reject(error);
      else resolve(ok);
    };
    const timer = setTimeout(
      () => finish(new StompUnreachableError(`${where} did not answer CONNECT within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(new StompUnreachableError(`${where} unreachable: ${err.code ?? 'connection error'}`)),
    );
    // Closed after the TCP connection opened, without a frame: the broker refused the login.
    socket.on('close', () =>
      finish(connected ? undefined : new StompUnreachableError(`${where} closed the connection`)),
    );
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let start = 0; // heart-beat EOLs may precede a frame
      while (start < buffer.length && (buffer[start] === 0x0a || buffer[start] === 0x0d)) start++;
      const end = buffer.indexOf(0, start);
      if (end < 0) {
        if (buffer.length > 64 * 1024)
          finish(new StompUnreachableError(`${where} did not answer with STOMP`));
        return;
      }
      const command = (buffer.subarray(start, end).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
      if (command === 'CONNECTED') finish(undefined, true);
      else if (command === 'ERROR') finish(undefined, false);
      else finish(new StompUnreachableError(`${where} answered CONNECT with something other than STOMP`));
    });
  });
}
