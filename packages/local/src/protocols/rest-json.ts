import type { LocalResponse } from '../types';

/** Keys whose values are string maps (user data): their keys are never re-cased. */
const MAP_KEYS = new Set(['Tags', 'tags']);

function recase(value: unknown, key: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => recase(v, key));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key(k)] = MAP_KEYS.has(k) ? v : recase(v, key);
  }
  return out;
}

/**
 * Amazon MQ's REST-JSON members are the model's member names with a lower-case first letter (`BrokerId` →
 * `brokerId`, `ConsoleURL` → `consoleURL`); maps (tags) keep their keys.
 */
export function toWire(value: unknown): unknown {
  return recase(value, (k) => k.charAt(0).toLowerCase() + k.slice(1));
}

/** The reverse of {@link toWire}: wire members to the model's PascalCase names. */
export function fromWire(value: unknown): unknown {
  return recase(value, (k) => k.charAt(0).toUpperCase() + k.slice(1));
}

/** A REST-JSON success answer. */
export function restJson(status: number, body?: unknown): LocalResponse {
  if (body === undefined) return { status };
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(toWire(body)) };
}

/** A REST-JSON error as Amazon MQ sends it: the type in `x-amzn-errortype`, `errorAttribute` + `message`. */
export function restJsonError(
  status: number,
  type: string,
  message: string,
  errorAttribute?: string,
): LocalResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ errorAttribute, message }),
  };
}

/** An error a handler throws; the emulator turns it into the protocol's error response. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly attribute?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
