/**
 * Shared helpers for the AWS JSON RPC protocols (awsJson1_0, awsJson1_1) as the local cloud speaks them: the
 * operation from `X-Amz-Target`, typed readers for the untyped request document, epoch-second timestamps, and
 * error responses in the shape the SDK's `AwsJsonRpcProtocol` parses (`__type` in the body, `x-amzn-errortype`
 * header, and for awsQueryCompatible services the `x-amzn-query-error: Code;Sender` header).
 *
 * {@link ApiError} is protocol-neutral: emulators throw it from their operation code and turn it into their own
 * protocol's error shape at the edge (see `query.ts` for the XML protocols).
 */
import type { LocalRequest, LocalResponse } from '../types';

/** An error an emulated API answers with: HTTP status, the service's error code, a message and extra fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra members of the error shape (e.g. `ResourceType`), written next to the message. */
    readonly fields: Record<string, unknown> = {},
    /** `Sender` (client fault) or `Receiver` (server fault); defaults from the status. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** The JSON document of one request: a plain object (never null or an array). */
export type JsonObject = Record<string, unknown>;

/** The operation a JSON RPC request names in `X-Amz-Target` (`Prefix.Operation`), if the prefix matches. */
export function jsonTarget(req: LocalRequest, prefix: string): string | undefined {
  const header = req.headers['x-amz-target'];
  const target = Array.isArray(header) ? header[0] : header;
  if (!target) return undefined;
  const dot = target.lastIndexOf('.');
  if (dot < 0 || target.slice(0, dot) !== prefix) return undefined;
  return target.slice(dot + 1);
}

/**
 * Parses a JSON RPC request body. An empty body is `{}`.
 * @throws ApiError `SerializationException` when the body is not a JSON object.
 */
export function parseJsonBody(req: LocalRequest): JsonObject {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'SerializationException', 'Request body is not valid JSON');
  }
  if (!isObject(parsed))
    throw new ApiError(400, 'SerializationException', 'Request body must be a JSON object');
  return parsed;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 200 answer with a JSON body. */
export function jsonResponse(body: unknown, version: '1.0' | '1.1', status = 200): LocalResponse {
  return {
    status,
    headers: { 'content-type': `application/x-amz-json-${version}` },
    body: JSON.stringify(body ?? {}, function (this: Record<string, unknown>, key: string, value: unknown) {
      // Dates become epoch seconds (the replacer sees them after toJSON, so look at the holder's raw value).
      const raw = this[key];
      return raw instanceof Date ? epochSeconds(raw) : value;
    }),
  };
}

/** Options of {@link jsonError}. */
export interface JsonErrorOptions {
  version: '1.0' | '1.1';
  /** Smithy namespace for a fully qualified `__type` (`com.amazonaws.cloudwatch#ResourceNotFound`). */
  namespace?: string;
  /**
   * For awsQueryCompatible services: the query error code sent in `x-amzn-query-error` (the SDK prefers it and
   * maps it to the modeled exception whose `awsQueryError` trait names it). Defaults to the error's code.
   */
  queryCompatible?: boolean;
  /** `__type` when it differs from the query code (e.g. the shape `ResourceNotFoundException` for `ResourceNotFound`). */
  shapeName?: string;
  /** Body member that carries the message: `message` (default) or `Message` (as Secrets Manager's shapes have it). */
  messageMember?: 'message' | 'Message';
}

/** An error answer in the awsJson shape. */
export function jsonError(error: ApiError, options: JsonErrorOptions): LocalResponse {
  const shape = options.shapeName ?? error.code;
  const type = options.namespace ? `${options.namespace}#${shape}` : shape;
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${options.version}`,
    'x-amzn-errortype': shape,
  };
  if (options.queryCompatible) headers['x-amzn-query-error'] = `${error.code};${error.fault}`;
  return {
    status: error.status,
    headers,
    body: JSON.stringify({
      __type: type,
      [options.messageMember ?? 'message']: error.message,
      ...error.fields,
    }),
  };
}

/** Epoch seconds (with milliseconds as a fraction), the JSON protocols' timestamp format. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Reads a JSON timestamp (epoch seconds as a number, or an ISO string) into a Date. */
export function readTimestamp(value: unknown, member: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ApiError(400, 'ValidationError', `Invalid timestamp for ${member}`);
  }
  return date;
}

/** Reads an optional string member. @throws ApiError when present but not a string. */
export function optString(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, code, `${member} must be a string`);
  return value;
}

/** Reads an optional number member. */
export function optNumber(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ApiError(400, code, `${member} must be a number`);
  }
  return value;
}

/** Reads an optional boolean member. */
export function optBoolean(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ApiError(400, code, `${member} must be a boolean`);
  return value;
}

/** Reads an optional list member (elements unchecked). */
export function optList(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): unknown[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new ApiError(400, code, `${member} must be a list`);
  return value;
}

/** Reads an optional list of strings. */
export function optStringList(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): string[] | undefined {
  const list = optList(input, member, code);
  if (!list) return undefined;
  if (!list.every((v) => typeof v === 'string')) throw new ApiError(400, code, `${member} must be strings`);
  return list as string[];
}

/** Reads an optional structure member. */
export function optObject(
  input: JsonObject,
  member: string,
  code = 'ValidationException',
): JsonObject | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ApiError(400, code, `${member} must be a structure`);
  return value;
}

/**
 * The AWS "1 validation error detected" message for a missing required member, as the JSON services word it.
 * `member` is the wire name; AWS reports it in lower camel case.
 */
export function nullMemberMessage(member: string): string {
  const camel = member.charAt(0).toLowerCase() + member.slice(1);
  return `1 validation error detected: Value null at '${camel}' failed to satisfy constraint: Member must not be null`;
}

/** Opaque pagination token for an offset into a stable list. */
export function encodeToken(offset: number, salt: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: salt })).toString('base64url');
}

/** Reads a token made by {@link encodeToken}; undefined when it is not one (or was made for another listing). */
export function decodeToken(token: string, salt: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isObject(parsed) && typeof parsed.o === 'number' && parsed.s === salt && parsed.o >= 0)
      return parsed.o;
  } catch {
    // not a token of ours
  }
  return undefined;
}

/** FNV-1a 32-bit hash: small and stable, for deterministic ids and noise. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic lowercase-hex string of `length` characters derived from `seed`. */
export function stableHex(seed: string, length: number): string {
  let out = '';
  let i = 0;
  while (out.length < length) out += hash32(`${seed}#${i++}`).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** A deterministic UUID-shaped string (version 4 layout) derived from `seed`. */
export function stableUuid(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
