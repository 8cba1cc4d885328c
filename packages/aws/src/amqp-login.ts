import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MqopsError } from '@mqops/core';

/**
 * A minimal AMQP 0-9-1 client: just enough to log in with SASL PLAIN and open a virtual host, over TCP (`amqp://`)
 * or TLS (`amqps://`, what Amazon MQ for RabbitMQ exposes on 5671). Used by rotation to prove a credential works.
 * No password ever appears in an error.
 */

/** Options of {@link amqpLogin}. */
export interface AmqpLoginOptions {
  /** `amqp://host:port` or `amqps://host:port` (default ports 5672 / 5671). */
  endpoint: string;
  username: string;
  password: string;
  /** Default `/`. */
  vhost?: string;
  /** Default 5 s. */
  timeoutMs?: number;
}

/** The broker could not be reached, or did not speak AMQP 0-9-1. */
export class AmqpUnreachableError extends MqopsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AmqpUnreachableError';
  }
}

const FRAME_METHOD = 1;
const FRAME_END = 0xce;
const CONNECTION = 10;
const START = 10;
const START_OK = 11;
const SECURE = 20;
const TUNE = 30;
const TUNE_OK = 31;
const OPEN = 40;
const OPEN_OK = 41;
const CLOSE = 50;
const CLOSE_OK = 51;

function shortstr(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 255) throw new RangeError('AMQP short string longer than 255 bytes');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

function longstr(value: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(value.length);
  return Buffer.concat([len, value]);
}

function table(fields: Record<string, string | Record<string, boolean>>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(shortstr(key));
    if (typeof value === 'string') parts.push(Buffer.from('S'), longstr(Buffer.from(value, 'utf8')));
    else {
      const inner: Buffer[] = [];
      for (const [k, v] of Object.entries(value))
        inner.push(shortstr(k), Buffer.from('t'), Buffer.from([v ? 1 : 0]));
      parts.push(Buffer.from('F'), longstr(Buffer.concat(inner)));
    }
  }
  return longstr(Buffer.concat(parts));
}

function methodFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const frame = Buffer.alloc(7 + 4 + args.length + 1);
  frame.writeUInt8(FRAME_METHOD, 0);
  frame.writeUInt16BE(0, 1);
  frame.writeUInt32BE(4 + args.length, 3);
  frame.writeUInt16BE(classId, 7);
  frame.writeUInt16BE(methodId, 9);
  args.copy(frame, 11);
  frame.writeUInt8(FRAME_END, 11 + args.length);
  return frame;
}

/** Host, port and TLS of an `amqp(s)://` endpoint. @throws AmqpUnreachableError for anything else. */
export function parseAmqpEndpoint(endpoint: string): { host: string; port: number; tls: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AmqpUnreachableError(`not an AMQP endpoint URL: ${endpoint.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  const tls = url.protocol === 'amqps:';
  if (!tls && url.protocol !== 'amqp:')
    throw new AmqpUnreachableError(`not an amqp:// or amqps:// endpoint: ${url.protocol}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : tls ? 5671 : 5672, tls };
}

/**
 * Logs in with SASL PLAIN and opens the vhost. True when the connection opens; false when the broker refuses the
 * credentials (ACCESS_REFUSED), the vhost (NOT_ALLOWED) or closes the connection during the handshake.
 * @throws AmqpUnreachableError when the broker cannot be reached, times out or does not speak AMQP 0-9-1.
 */
export function amqpLogin(options: AmqpLoginOptions): Promise<boolean> {
  const { host, port, tls } = parseAmqpEndpoint(options.endpoint);
  const vhost = options.vhost ?? '/';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const where = `AMQP ${tls ? 'amqps' : 'amqp'}://${host}:${port}`;

  return new Promise<boolean>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let settled = false;
    let connected = false;
    let stage: 'start' | 'tune' | 'open' | 'closing' = 'start';
    const header = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);
    const onConnect = () => {
      connected = true;
      socket.write(header);
    };
    const socket: Socket = tls
      ? tlsConnect({ host, port, servername: host }, onConnect)
      : new Socket().connect(port, host, onConnect);
    const finish = (error: Error | undefined, ok = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        stage = 'closing';
        socket.write(
          methodFrame(
            CONNECTION,
            CLOSE,
            Buffer.concat([Buffer.from([0, 200]), shortstr('done'), Buffer.alloc(4)]),
          ),
        );
        setTimeout(() => socket.destroy(), 1_000).unref();
      } else {
        socket.destroy();
      }
      if (error) reject(error);
      else resolve(ok);
    };
    const timer = setTimeout(
      () =>
        finish(
          new AmqpUnreachableError(
            `${where} did not complete the handshake within ${timeoutMs} ms (at ${stage})`,
          ),
        ),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected && stage !== 'start') finish(undefined, false);
      else finish(new AmqpUnreachableError(`${where} unreachable: ${err.code ?? err.message}`));
    });
    socket.on('close', () => {
      if (connected) finish(undefined, false);
      else finish(new AmqpUnreachableError(`${where} closed the connection before the handshake`));
    });

    const onMethod = (methodId: number, args: Buffer): void => {
      if (methodId === START && stage === 'start') {
        const response = Buffer.concat([
          Buffer.from([0]),
          Buffer.from(options.username, 'utf8'),
          Buffer.from([0]),
          Buffer.from(options.password, 'utf8'),
        ]);
        stage = 'tune';
        socket.write(
          methodFrame(
            CONNECTION,
            START_OK,
            Buffer.concat([
              table({ product: 'mqops-rotation', capabilities: { authentication_failure_close: true } }),
              shortstr('PLAIN'),
              longstr(response),
              shortstr('en_US'),
            ]),
          ),
        );
      } else if (methodId === SECURE) {
        finish(undefined, false);
      } else if (methodId === TUNE && stage === 'tune') {
        const tuneOk = Buffer.alloc(8);
        tuneOk.writeUInt16BE(args.readUInt16BE(0), 0);
        tuneOk.writeUInt32BE(args.readUInt32BE(2), 2);
        tuneOk.writeUInt16BE(0, 6);
        stage = 'open';
        socket.write(methodFrame(CONNECTION, TUNE_OK, tuneOk));
        socket.write(
          methodFrame(CONNECTION, OPEN, Buffer.concat([shortstr(vhost), shortstr(''), Buffer.from([0])])),
        );
      } else if (methodId === OPEN_OK && stage === 'open') {
        finish(undefined, true);
      } else if (methodId === CLOSE) {
        socket.write(methodFrame(CONNECTION, CLOSE_OK, Buffer.alloc(0)));
        finish(undefined, false);
      } else if (methodId === CLOSE_OK) {
        socket.destroy();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 4 && buffer.subarray(0, 4).toString('latin1') === 'AMQP') {
        finish(new AmqpUnreachableError(`${where} refused the AMQP 0-9-1 protocol header`));
        return;
      }
      while (buffer.length >= 7 && !settled) {
        const type = buffer.readUInt8(0);
        const size = buffer.readUInt32BE(3);
        if (buffer.length < 7 + size + 1) return;
        if (buffer.readUInt8(7 + size) !== FRAME_END) {
          finish(new AmqpUnreachableError(`${where} sent a malformed frame`));
          return;
        }
        const payload = buffer.subarray(7, 7 + size);
        buffer = buffer.subarray(7 + size + 1);
        if (type === FRAME_METHOD && payload.length >= 4 && payload.readUInt16BE(0) === CONNECTION) {
          onMethod(payload.readUInt16BE(2), payload.subarray(4));
        }
      }
    });
  });
}
