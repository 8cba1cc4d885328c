import { Socket } from 'node:net';

/**
 * Login probes against real brokers, over their wire protocols: a STOMP 1.2 CONNECT (ActiveMQ) and an AMQP 0-9-1
 * connection handshake (RabbitMQ). They answer whether the credentials are accepted; a wrong password is `false`,
 * never an exception. Errors (broker unreachable, timeout, protocol mismatch) never contain a password.
 */

/** How a STOMP broker answered a CONNECT frame. */
export interface StompAnswer {
  /** `CLOSED`: the broker closed the connection without a frame. */
  command: 'CONNECTED' | 'ERROR' | 'CLOSED';
  headers: Record<string, string>;
  body: string;
}

export interface StompConnectOptions {
  host?: string;
  port?: number;
  login?: string;
  passcode?: string;
  timeoutMs?: number;
}

export interface StompLoginOptions {
  host?: string;
  port?: number;
  login: string;
  passcode: string;
  timeoutMs?: number;
}

export interface AmqpLoginOptions {
  host?: string;
  port?: number;
  username: string;
  password: string;
  /** Default `/`. */
  vhost?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

function checkHeaderValue(name: string, value: string): void {
  // CONNECT frames are not escaped (STOMP 1.2), so these characters cannot be sent; never echo the value.
  if (/[\r\n\0]/.test(value)) throw new TypeError(`STOMP ${name} contains a CR, LF or NUL character`);
}

/** Sends one STOMP 1.2 CONNECT frame and reports the answer. Throws only if the broker cannot be reached. */
export function stompConnect(options: StompConnectOptions = {}): Promise<StompAnswer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 61613;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const lines = ['CONNECT', 'accept-version:1.2', 'host:localhost', 'heart-beat:0,0'];
  if (options.login !== undefined) {
    checkHeaderValue('login', options.login);
    lines.push(`login:${options.login}`);
  }
  if (options.passcode !== undefined) {
    checkHeaderValue('passcode', options.passcode);
    lines.push(`passcode:${options.passcode}`);
  }
  const frame = `${lines.join('\n')}\n\n\0`;

  return new Promise<StompAnswer>((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined, answer?: StompAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (answer?.command === 'CONNECTED') {
        socket.end('DISCONNECT\n\n\0');
        setTimeout(() => socket.destroy(), 200).unref();
      } else {
        socket.destroy();
      }
      if (error) reject(error);
      else if (answer) resolve(answer);
    };
    const timer = setTimeout(
      () => finish(new Error(`STOMP ${host}:${port} did not answer CONNECT within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      finish(new Error(`STOMP ${host}:${port}: ${err.code ?? err.message}`));
    });
    socket.on('close', () => finish(undefined, { command: 'CLOSED', headers: {}, body: '' }));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Heart-beat EOLs may precede a frame.
      let start = 0;
      while (start < buffer.length && (buffer[start] === 0x0a || buffer[start] === 0x0d)) start++;
      const end = buffer.indexOf(0, start);
      if (end < 0) return;
      const text = buffer.subarray(start, end).toString('utf8');
      const sep = text.indexOf('\n\n');
      const head = (sep < 0 ? text : text.slice(0, sep)).split(/\r?\n/);
      const command = head[0]?.trim() ?? '';
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon)] ??= line.slice(colon + 1);
      }
      const body = sep < 0 ? '' : text.slice(sep + 2);
      if (command === 'CONNECTED' || command === 'ERROR') finish(undefined, { command, headers, body });
      else finish(new Error(`STOMP ${host}:${port} answered CONNECT with an unexpected ${command} frame`));
    });
    socket.connect(port, host, () => socket.write(frame));
  });
}

/** STOMP 1.2 CONNECT with credentials: true on CONNECTED, false on ERROR or a closed connection. */
export async function stompLogin(options: StompLoginOptions): Promise<boolean> {
  const answer = await stompConnect(options);
  return answer.command === 'CONNECTED';
}

// ---------------------------------------------------------------------------------------------------------------
// AMQP 0-9-1, just enough of a client to log in and open a virtual host.

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

type FieldValue = string | boolean | { [key: string]: FieldValue };

function table(fields: Record<string, FieldValue>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(shortstr(key));
    if (typeof value === 'string') parts.push(Buffer.from('S'), longstr(Buffer.from(value, 'utf8')));
    else if (typeof value === 'boolean') parts.push(Buffer.from('t'), Buffer.from([value ? 1 : 0]));
    else parts.push(Buffer.from('F'), table(value));
  }
  return longstr(Buffer.concat(parts));
}

function methodFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.alloc(4 + args.length);
  payload.writeUInt16BE(classId, 0);
  payload.writeUInt16BE(methodId, 2);
  args.copy(payload, 4);
  const frame = Buffer.alloc(7 + payload.length + 1);
  frame.writeUInt8(FRAME_METHOD, 0);
  frame.writeUInt16BE(0, 1);
  frame.writeUInt32BE(payload.length, 3);
  payload.copy(frame, 7);
  frame.writeUInt8(FRAME_END, 7 + payload.length);
  return frame;
}

interface MethodFrame {
  classId: number;
  methodId: number;
  args: Buffer;
}

/**
 * Logs in to an AMQP 0-9-1 broker (RabbitMQ) with SASL PLAIN and opens `vhost`. True when the connection opens;
 * false when the broker refuses the credentials (ACCESS_REFUSED) or access to the vhost (NOT_ALLOWED), or closes
 * the connection during the handshake. Throws only if the broker cannot be reached or does not speak AMQP 0-9-1.
 */
export function amqpLogin(options: AmqpLoginOptions): Promise<boolean> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5672;
  const vhost = options.vhost ?? '/';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `AMQP ${host}:${port}`;

  return new Promise<boolean>((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    let settled = false;
    let stage: 'start' | 'tune' | 'open' | 'closing' = 'start';
    let connected = false;
    const finish = (error: Error | undefined, ok = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        // Close politely so the broker does not log an abrupt disconnect.
        stage = 'closing';
        const args = Buffer.concat([Buffer.from([0, 200]), shortstr('probe done'), Buffer.alloc(4)]);
        socket.write(methodFrame(CONNECTION, CLOSE, args));
        setTimeout(() => socket.destroy(), 1_000).unref();
      } else {
        socket.destroy();
      }
      if (error) reject(error);
      else resolve(ok);
    };
    const timer = setTimeout(
      () => finish(new Error(`${where} did not complete the handshake within ${timeoutMs} ms (at ${stage})`)),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset while logging in is how some brokers refuse credentials; unreachable is an error.
      if (connected) finish(undefined, false);
      else finish(new Error(`${where}: ${err.code ?? err.message}`));
    });
    socket.on('close', () => finish(undefined, false));

    const onMethod = (frame: MethodFrame): void => {
      const { classId, methodId, args } = frame;
      if (classId !== CONNECTION) return;
      if (methodId === START && stage === 'start') {
        const response = Buffer.concat([
          Buffer.from([0]),
          Buffer.from(options.username, 'utf8'),
          Buffer.from([0]),
          Buffer.from(options.password, 'utf8'),
        ]);
        const clientProperties = table({
          product: 'mqops-probe',
          capabilities: { authentication_failure_close: true },
        });
        const startOk = Buffer.concat([
          clientProperties,
          shortstr('PLAIN'),
          longstr(response),
          shortstr('en_US'),
        ]);
        stage = 'tune';
        socket.write(methodFrame(CONNECTION, START_OK, startOk));
      } else if (methodId === SECURE) {
        finish(undefined, false);
      } else if (methodId === TUNE && stage === 'tune') {
        const channelMax = args.readUInt16BE(0);
        const frameMax = args.readUInt32BE(2);
        const tuneOk = Buffer.alloc(8);
        tuneOk.writeUInt16BE(channelMax, 0);
        tuneOk.writeUInt32BE(frameMax, 2);
        tuneOk.writeUInt16BE(0, 6);
        stage = 'open';
        socket.write(methodFrame(CONNECTION, TUNE_OK, tuneOk));
        socket.write(
          methodFrame(CONNECTION, OPEN, Buffer.concat([shortstr(vhost), shortstr(''), Buffer.from([0])])),
        );
      } else if (methodId === OPEN_OK && stage === 'open') {
        finish(undefined, true);
      } else if (methodId === CLOSE) {
        // 403 ACCESS_REFUSED (credentials), 530 NOT_ALLOWED (vhost), or anything else: not logged in.
        socket.write(methodFrame(CONNECTION, CLOSE_OK, Buffer.alloc(0)));
        finish(undefined, false);
      } else if (methodId === CLOSE_OK) {
        socket.destroy();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 4 && buffer.subarray(0, 4).toString('latin1') === 'AMQP') {
        finish(new Error(`${where} refused the AMQP 0-9-1 protocol header`));
        return;
      }
      while (buffer.length >= 7) {
        const type = buffer.readUInt8(0);
        const size = buffer.readUInt32BE(3);
        if (buffer.length < 7 + size + 1) return;
        if (buffer.readUInt8(7 + size) !== FRAME_END) {
          finish(new Error(`${where} sent a malformed frame`));
          return;
        }
        const payload = buffer.subarray(7, 7 + size);
        buffer = buffer.subarray(7 + size + 1);
        // Heartbeats (and anything that is not a method frame) do not matter during the handshake.
        if (type === FRAME_METHOD && payload.length >= 4) {
          onMethod({
            classId: payload.readUInt16BE(0),
            methodId: payload.readUInt16BE(2),
            args: payload.subarray(4),
          });
        }
        if (settled && stage !== 'closing') return;
      }
    });
    socket.connect(port, host, () => {
      connected = true;
      socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
    });
  });
}
