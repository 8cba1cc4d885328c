import type { BrokerCredential } from '@mqops/core';
import { MqopsError } from '@mqops/core/errors';

/** A management API request that failed: the path and HTTP status (if one came back), never a password. */
export class RabbitManagementError extends MqopsError {
  /** A 429's Retry-After, in milliseconds. */
  retryAfterMs?: number;

  constructor(
    message: string,
    readonly path: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RabbitManagementError';
  }
}

/** How requests to the RabbitMQ management API are made. */
export interface ManagementGetOptions {
  fetch: typeof fetch;
  /** Per attempt, body included. */
  timeoutMs: number;
  /** Further attempts of a GET after a 5xx or 429 answer: a whole number from 0 to 5; default 2. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one (a 429's Retry-After, up to 5 s, instead); default 250 ms. */
  retryDelayMs?: number;
  /** What a 401 means for this caller (which tag the user needs), given RabbitMQ's reason. */
  hint401?: (reason: string, path: string) => string;
}

/** One request: what, on which broker, as whom. */
export interface ManagementRequest {
  /** The management API's base URL (the broker's console URL, no trailing slash). */
  base: string;
  /** Default GET. */
  method?: string;
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Statuses that mean "nothing" rather than an error (404 when asking for a user that may not exist). */
  allow?: readonly number[];
  /** The broker, as errors name it. */
  broker: string;
  credential: BrokerCredential;
  /** Values an error must never show; default the credential's password. */
  secrets?: readonly string[];
}

/**
 * Statuses worth asking again: the server was busy, or tripped over a race, or the load balancer in front of it
 * did (502–504), not the request.
 */
const TRANSIENT = new Set([429, 500, 502, 503, 504]);
/** The longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One request to a broker's management API with basic authentication; its JSON answer, or `undefined` for an
 * allowed status or an empty answer to a change. A GET answered 5xx or 429 is asked again (it has no side effect):
 * RabbitMQ answers `GET /api/queues` with a bare HTTP 500 when a queue is deleted while it lists them, which a busy
 * broker does all day. A timeout, a refused connection, another 4xx, or any failed change fails at once.
 *
 * @throws RabbitManagementError naming the method, path and status; no secret ever appears in it.
 */
export async function managementRequest<T>(
  options: ManagementGetOptions,
  request: ManagementRequest,
): Promise<T> {
  const method = request.method ?? 'GET';
  const retries = method === 'GET' ? Math.min(5, Math.max(0, Math.floor(finiteOr(options.retries, 2)))) : 0;
  const delay = Math.max(0, finiteOr(options.retryDelayMs, 250));
  for (let attempt = 0; ; attempt++) {
    try {
      return (await requestOnce(options, request, method)) as T;
    } catch (error) {
      const status = error instanceof RabbitManagementError ? error.status : undefined;
      if (attempt >= retries || status === undefined || !TRANSIENT.has(status)) throw error;
      const asked = (error as RabbitManagementError).retryAfterMs;
      await sleep(asked !== undefined ? Math.min(asked, MAX_RETRY_AFTER_MS) : delay * 2 ** attempt);
    }
  }
}

/** A JSON GET ({@link managementRequest}). */
export function managementGet<T>(
  options: ManagementGetOptions,
  base: string,
  path: string,
  broker: { name: string },
  credential: BrokerCredential,
): Promise<T> {
  return managementRequest<T>(options, { base, path, broker: broker.name, credential });
}

const finiteOr = (value: number | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(value) ? value : fallback;

/** A Retry-After in seconds, as milliseconds (an HTTP date is left to the usual wait). */
function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')?.trim();
  if (!header || !/^\d+(\.\d+)?$/.test(header)) return undefined;
  return Number(header) * 1000;
}

async function requestOnce(
  options: ManagementGetOptions,
  request: ManagementRequest,
  method: string,
): Promise<unknown> {
  const { timeoutMs } = options;
  const { base, path, body, credential } = request;
  const where = `RabbitMQ management API ${method} ${path.split('?')[0]} of broker ${request.broker}`;
  const secrets = (request.secrets ?? [credential.password]).filter((x) => x.length > 0);
  const redact = (text: string) => secrets.reduce((t, x) => t.split(x).join('***'), text);
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  // The timeout covers the whole exchange, body included, even with a fetch that ignores its signal.
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<never>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
  let response: Response;
  let text: string;
  try {
    ({ response, text } = await Promise.race([
      (async () => {
        const answer = await options.fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Basic ${auth}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal,
        });
        return { response: answer, text: await answer.text() };
      })(),
      timedOut,
    ]));
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    if (signal.aborted || name === 'TimeoutError' || name === 'AbortError') {
      throw new RabbitManagementError(`${where} timed out after ${timeoutMs / 1000} s`, path);
    }
    // Node's fetch puts the reason (ECONNREFUSED, ENOTFOUND, a certificate error) in `cause`.
    const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new RabbitManagementError(`${where} failed: ${redact(reason)}`, path);
  }
  if (request.allow?.includes(response.status)) return undefined;
  if (!response.ok) {
    let reason = '';
    try {
      const parsed = JSON.parse(text) as { reason?: unknown; error?: unknown };
      reason = String(parsed.reason ?? parsed.error ?? '');
    } catch {
      reason = text.slice(0, 200);
    }
    const hint = response.status === 401 && options.hint401 ? options.hint401(reason, path) : '';
    const shown = redact(reason.trim());
    const error = new RabbitManagementError(
      `${where} answered HTTP ${response.status}${shown ? `: ${shown}` : ''}${hint}`,
      path,
      response.status,
    );
    const after = response.status === 429 ? retryAfterMs(response) : undefined;
    if (after !== undefined) error.retryAfterMs = after;
    throw error;
  }
  // A change (PUT, DELETE) may answer 201 or 204 with nothing; a read must answer JSON.
  if (method !== 'GET' && text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RabbitManagementError(`${where} answered something other than JSON`, path, response.status);
  }
}
