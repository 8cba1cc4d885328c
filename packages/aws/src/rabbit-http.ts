import type { BrokerCredential } from '@mqops/core';
import { DeliveryError } from '@mqops/core/errors';
import { deliver, redactor } from './http-delivery';

/**
 * A management API request that failed: the path and HTTP status (if one came back), never a password. A
 * {@link DeliveryError} (channel `rabbitmq`) whose message names the API itself.
 */
export class RabbitManagementError extends DeliveryError {
  constructor(
    message: string,
    readonly path: string,
    status?: number,
    options: { cause?: unknown; attempts?: number; retryable?: boolean } = {},
  ) {
    super('rabbitmq', message, { ...options, ...(status === undefined ? {} : { status }), prefix: false });
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
  /**
   * Wait before the first retry, doubled for each further one and jittered (half to all of it); a 429's
   * Retry-After, up to 5 s, instead. Default 250 ms.
   */
  retryDelayMs?: number;
  /** A hard end (epoch ms; e.g. the Lambda's end less a margin), read per request: no wait or request lasts past it. */
  deadline?: () => number;
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
/** The longest Retry-After honoured (a longer one is waited this long). */
const MAX_RETRY_AFTER_MS = 5_000;

/**
 * One request to a broker's management API with basic authentication, through the one outbound client
 * ({@link deliver}); its JSON answer, or `undefined` for an allowed status or an empty answer to a change. A GET
 * answered 5xx or 429 is asked again (it has no side effect): RabbitMQ answers `GET /api/queues` with a bare HTTP 500
 * when a queue is deleted while it lists them, which a busy broker does all day. A timeout, a refused connection,
 * another 4xx, or any failed change fails at once.
 *
 * @throws RabbitManagementError naming the method, path and status; no secret ever appears in it.
 */
export async function managementRequest<T>(
  options: ManagementGetOptions,
  request: ManagementRequest,
): Promise<T> {
  const method = request.method ?? 'GET';
  const { path, body, credential } = request;
  const where = `RabbitMQ management API ${method} ${path.split('?')[0]} of broker ${request.broker}`;
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  const secrets = [...(request.secrets ?? [credential.password]), auth].map((x) => [x, '***'] as const);
  const { status, text } = await deliver(
    {
      url: request.base + path,
      method,
      headers: {
        authorization: `Basic ${auth}`,
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    {
      channel: 'rabbitmq',
      target: where,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      retries: method === 'GET' ? Math.min(5, Math.max(0, Math.floor(finiteOr(options.retries, 2)))) : 0,
      // The retries bound the time: at most 6 attempts and 5 waits of at most 5 s (or the back-off).
      budgetMs: Number.POSITIVE_INFINITY,
      deadline: options.deadline?.(),
      backoffMs: Math.max(0, finiteOr(options.retryDelayMs, 250)),
      maxRetryAfterMs: MAX_RETRY_AFTER_MS,
      retryStatus: (s) => TRANSIENT.has(s),
      retryErrors: false,
      accept: request.allow,
      secrets,
      fail: (f) => {
        let message = f.timedOut ? f.message : `${where} failed: ${f.text || f.message}`;
        if (f.status !== undefined) {
          let reason: string;
          try {
            const parsed = JSON.parse(f.text) as { reason?: unknown; error?: unknown };
            reason = String(parsed.reason ?? parsed.error ?? '');
          } catch {
            reason = f.text.slice(0, 200);
          }
          // Redacted again: parsing unescapes what the JSON escaped.
          reason = redactor(secrets)(reason.trim());
          const hint = f.status === 401 && options.hint401 ? options.hint401(reason, path) : '';
          message = `${where} answered HTTP ${f.status}${reason && `: ${reason}`}${hint}`;
        }
        return new RabbitManagementError(message, path, f.status, f);
      },
    },
  );
  // An allowed status means "nothing"; a change (PUT, DELETE) may answer 201 or 204 with nothing; a read must
  // answer JSON.
  if (request.allow?.includes(status) || (method !== 'GET' && text.trim() === '')) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new RabbitManagementError(`${where} answered something other than JSON`, path, status);
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
