/**
 * Shared helpers for the form-encoded XML protocols (awsQuery as SNS speaks it, ec2Query as EC2 speaks it):
 * parsing `application/x-www-form-urlencoded` bodies into nested objects (`Tags.member.N.Key`, EC2's
 * `Filter.N.Value.M`, map entries `Attributes.entry.N.key/value` or `MessageAttributes.entry.N.Name/Value.*`),
 * an XML builder for nested objects, lists and maps, and the protocols' response and error envelopes:
 *
 * - awsQuery success: `<OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata><RequestId/></ResponseMetadata>`
 * - awsQuery error: `<ErrorResponse xmlns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
 * - ec2Query success: `<OpResponse xmlns><requestId/>…members…</OpResponse>` (no Result wrapper, lists of `item`)
 * - ec2Query error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
 *
 * Timestamps in these protocols are ISO 8601 strings.
 */
import type { LocalRequest, LocalResponse } from '../types';
import { ApiError } from './json';

/** A parsed form value: a string leaf, a list (from `.N` indices) or a structure. */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const parsedForms = new WeakMap<LocalRequest, FormObject>();

/** The form parameters of a request (body, plus the query string for GETs), nested. Cached per request. */
export function requestForm(req: LocalRequest): FormObject {
  const cached = parsedForms.get(req);
  if (cached) return cached;
  const flat = new URLSearchParams(req.body.toString('utf8'));
  for (const [key, value] of req.query) if (!flat.has(key)) flat.append(key, value);
  const form = parseForm(flat);
  parsedForms.set(req, form);
  return form;
}

/** The `Action` of a query request. */
export function queryAction(req: LocalRequest): string | undefined {
  const action = requestForm(req).Action;
  return typeof action === 'string' ? action : undefined;
}

const LIST_WRAPPERS = new Set(['member', 'item', 'entry']);

/**
 * Turns flat form keys into a tree: dotted segments become nested structures, numeric segments (1-based) become
 * list positions, and the `member` / `item` / `entry` wrapper level of awsQuery lists and maps is dropped.
 */
export function parseForm(params: URLSearchParams | string): FormObject {
  const flat = typeof params === 'string' ? new URLSearchParams(params) : params;
  const root: Record<string, unknown> = {};
  for (const [key, value] of flat) {
    const segments = key.split('.');
    let node = root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') break;
      if (i === segments.length - 1) {
        if (!(segment in node) || typeof node[segment] !== 'object') node[segment] = value;
      } else {
        const next = node[segment];
        if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
        else {
          const created: Record<string, unknown> = {};
          node[segment] = created;
          node = created;
        }
      }
    }
  }
  return normalize(root) as FormObject;
}

function normalize(node: unknown): FormValue {
  if (typeof node === 'string') return node;
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 0 && keys.every((k) => /^[1-9]\d*$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => normalize(record[String(k)]));
  }
  if (keys.length === 1 && LIST_WRAPPERS.has(keys[0] as string)) {
    const inner = normalize(record[keys[0] as string]);
    if (Array.isArray(inner)) return inner;
    return { [keys[0] as string]: inner };
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = normalize(record[key]);
  return out;
}

/** Reads an optional string parameter. */
export function formString(form: FormObject, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, 'InvalidParameterValue', `${name} must be a string`);
  return value;
}

/** Reads an optional integer parameter. @throws ApiError (`code`) when it is not an integer. */
export function formInt(form: FormObject, name: string, code = 'InvalidParameterValue'): number | undefined {
  const value = formString(form, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw new ApiError(400, code, `Invalid value '${value}' for ${name}`);
  return Number(value);
}

/** Reads an optional boolean parameter (`true` / `false`). */
export function formBool(form: FormObject, name: string): boolean | undefined {
  const value = formString(form, name);
  if (value === undefined || value === '') return undefined;
  return value === 'true';
}

/** Reads an optional list parameter; an empty value (`Tags=`) is an empty list. */
export function formList(form: FormObject, name: string): FormValue[] | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (Array.isArray(value)) return value;
  return [value];
}

/** Reads a list of strings (`GroupId.1`, `AlarmNames.member.1`). */
export function formStringList(form: FormObject, name: string): string[] | undefined {
  const list = formList(form, name);
  return list?.filter((v): v is string => typeof v === 'string');
}

/** Reads a list of structures. */
export function formObjectList(form: FormObject, name: string): FormObject[] | undefined {
  const list = formList(form, name);
  return list?.filter((v): v is FormObject => typeof v === 'object' && !Array.isArray(v));
}

/**
 * Reads a map parameter sent as entries (`Attributes.entry.N.key` / `.value`, or with custom entry member names such
 * as SNS's `MessageAttributes.entry.N.Name` / `.Value.*`).
 */
export function formMap(
  form: FormObject,
  name: string,
  keyName = 'key',
  valueName = 'value',
): Record<string, FormValue> | undefined {
  const entries = formObjectList(form, name);
  if (!entries) return undefined;
  const out: Record<string, FormValue> = {};
  for (const entry of entries) {
    const key = entry[keyName];
    const value = entry[valueName];
    if (typeof key !== 'string' || key === '__proto__' || value === undefined) continue;
    out[key] = value;
  }
  return out;
}

/** Escapes text for XML element content and attribute values (carriage returns too, which parsers fold). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return '&#13;';
    }
  });
}

/** A map to write as `<entry><key/><value/></entry>` elements (names configurable). */
export class XmlMap {
  constructor(
    readonly entries: Record<string, XmlValue>,
    readonly keyName = 'key',
    readonly valueName = 'value',
    readonly entryName = 'entry',
  ) {}
}

/** Anything the XML builder writes. `undefined` / `null` members are left out; dates become ISO 8601. */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | XmlMap | XmlStruct;
export interface XmlStruct {
  [member: string]: XmlValue;
}

/** Writes `<name>value</name>`; lists wrap each element in `<listItem>` (`member` for awsQuery, `item` for EC2). */
export function xmlElement(name: string, value: XmlValue, listItem = 'member'): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${xmlContent(value, listItem)}</${name}>`;
}

/** The content of an element for `value` (no surrounding tag). */
export function xmlContent(value: XmlValue, listItem = 'member'): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => xmlElement(listItem, v ?? '', listItem)).join('');
  if (value instanceof XmlMap) {
    return Object.entries(value.entries)
      .map(
        ([k, v]) =>
          `<${value.entryName}>${xmlElement(value.keyName, k, listItem)}${xmlElement(value.valueName, v, listItem)}</${value.entryName}>`,
      )
      .join('');
  }
  return Object.entries(value)
    .map(([k, v]) => xmlElement(k, v, listItem))
    .join('');
}

const XML_HEADERS = { 'content-type': 'text/xml' };

/** An awsQuery success answer: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata/>…`. */
export function queryResponse(action: string, result: XmlStruct | undefined, xmlns: string): LocalResponse {
  const inner = result ? xmlElement(`${action}Result`, result) : '';
  return {
    status: 200,
    headers: XML_HEADERS,
    body:
      `<${action}Response xmlns="${xmlns}">${inner}` +
      `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** An awsQuery error answer. */
export function queryError(error: ApiError, xmlns: string): LocalResponse {
  const fields = Object.entries(error.fields)
    .map(([k, v]) => xmlElement(k, v as XmlValue))
    .join('');
  return {
    status: error.status,
    headers: XML_HEADERS,
    body:
      `<ErrorResponse xmlns="${xmlns}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message>${fields}</Error>` +
      `<RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/** An ec2Query success answer: members directly under `<ActionResponse>`, lists of `<item>`. */
export function ec2Response(action: string, result: XmlStruct, xmlns: string): LocalResponse {
  return {
    status: 200,
    headers: XML_HEADERS,
    body:
      `<${action}Response xmlns="${xmlns}"><requestId>${crypto.randomUUID()}</requestId>` +
      `${xmlContent(result, 'item')}</${action}Response>`,
  };
}

/** An ec2Query error answer. */
export function ec2Error(error: ApiError): LocalResponse {
  return {
    status: error.status,
    headers: XML_HEADERS,
    body:
      `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
      `</Error></Errors><RequestID>${crypto.randomUUID()}</RequestID></Response>`,
  };
}

/** Matches an EC2 filter value with `*` and `?` wildcards (as EC2 does) against `text`. */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return regex.test(text);
}
