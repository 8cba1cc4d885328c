import type { BrokerFacts } from './facts';
import { ATTRIBUTE_PREFIX, parseXml, TEXT, type XmlNode } from './xml';

/**
 * A small reader of Amazon MQ ActiveMQ configuration documents (the XML a configuration revision holds,
 * `<broker xmlns="http://activemq.apache.org/schema/core">`) into the typed model the configuration checks
 * read: broker attributes, destination policy entries with their dead-letter strategy, the authorization map
 * and the plugins present.
 *
 * It reads only what Amazon MQ permits (the service sanitizes everything else out of a revision), and tolerates
 * namespace prefixes (`<amq:broker>`), a `<beans>` wrapper, comments (commented-out elements are not there)
 * and single or repeated children. Attribute values are kept as the strings written; the helpers below
 * interpret them the way Spring does (booleans `true`/`false`, sizes `64 mb`).
 *
 * The XML is read by ./xml (strict well-formedness, no DTD). A document that is not well-formed XML or has no
 * `<broker>` element is a parse error, which the checks report as a FAIL: an auditor that cannot read the
 * configuration must not call it compliant, and a revision Amazon MQ stored is normally well-formed, so this
 * points at a corrupt or hand-edited revision.
 */

/** Attributes of an element, by name (namespace prefixes removed). */
export type Attributes = Readonly<Record<string, string>>;

/** Kinds of destination a policy entry applies to. */
export const DestinationKind = {
  queue: 'queue',
  topic: 'topic',
  tempQueue: 'tempQueue',
  tempTopic: 'tempTopic',
} as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/** The `deadLetterStrategy` of a policy entry. */
export interface DeadLetterStrategy {
  /** individualDeadLetterStrategy, sharedDeadLetterStrategy or discarding. */
  kind: 'individual' | 'shared' | 'discarding';
  attributes: Attributes;
  /** For a shared strategy: the `physicalName` of its `deadLetterQueue` child, when one is set. */
  deadLetterQueue?: string;
}

/** One `policyEntry` of `destinationPolicy/policyMap/policyEntries`. */
export interface PolicyEntry {
  kind: DestinationKind;
  /** The destination pattern (`>`, `orders.>`, `A,B`); empty for temporary-destination entries. */
  destination: string;
  /** Every attribute as written (memoryLimit, producerFlowControl, gcInactiveDestinations…). */
  attributes: Attributes;
  deadLetterStrategy?: DeadLetterStrategy;
  /** The `limit` of a `constantPendingMessageLimitStrategy`, when one is set. */
  pendingMessageLimit?: number;
}

/** One entry of the authorization map. */
export interface AuthorizationEntry {
  /** `default`: the map's `defaultEntry` (for destinations no other entry matches); `temp`: its temp entry. */
  kind: 'queue' | 'topic' | 'default' | 'temp';
  /** The destination pattern; `>` for the default entry, empty for the temp entry. */
  destination: string;
  read: string[];
  write: string[];
  admin: string[];
}

/** The broker's `authorizationPlugin`. */
export interface AuthorizationConfig {
  /** `map`: an `authorizationMap` in the document; `ldap`: a `cachedLDAPAuthorizationMap` (entries in LDAP). */
  source: 'map' | 'ldap';
  /** Queue, topic and default entries, then the temp-destination entry. Empty for `ldap`. */
  entries: AuthorizationEntry[];
}

/** What the checks know about an ActiveMQ configuration document. */
export interface ActiveMqConfig {
  /** Attributes of `<broker>` (schedulerSupport, advisorySupport, persistent…). */
  broker: Attributes;
  policyEntries: PolicyEntry[];
  /** Absent when there is no `authorizationPlugin`. */
  authorization?: AuthorizationConfig;
  /** Element names under `<plugins>`, in order (`authorizationPlugin`, `statisticsBrokerPlugin`…). */
  plugins: string[];
}

export type ActiveMqParseResult = { ok: true; config: ActiveMqConfig } | { ok: false; error: string };

function childrenOf(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const value = node[name];
  return Array.isArray(value) ? value : [];
}

function childOf(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return childrenOf(node, name)[0];
}

/** Child element names in document order of first appearance (attributes and text left out). */
function elementNames(node: XmlNode | undefined): string[] {
  if (node === undefined || typeof node === 'string') return [];
  return Object.keys(node).filter((key) => !key.startsWith(ATTRIBUTE_PREFIX) && key !== TEXT);
}

function attributesOf(node: XmlNode | undefined): Attributes {
  if (node === undefined || typeof node === 'string') return {};
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key.startsWith(ATTRIBUTE_PREFIX) && typeof value === 'string')
      .map(([key, value]) => [key.slice(ATTRIBUTE_PREFIX.length), (value as string).trim()]),
  );
}

/** Comma-separated group names, trimmed, empties dropped. */
function groups(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
}

function deadLetterStrategyOf(entry: XmlNode): DeadLetterStrategy | undefined {
  const holder = childOf(entry, 'deadLetterStrategy');
  const kinds = [
    ['individualDeadLetterStrategy', 'individual'],
    ['sharedDeadLetterStrategy', 'shared'],
    ['discarding', 'discarding'],
  ] as const;
  for (const [element, kind] of kinds) {
    const node = childOf(holder, element);
    if (node === undefined) continue;
    const dlq = childOf(node, 'deadLetterQueue');
    const physicalName = attributesOf(childOf(dlq, 'queue') ?? childOf(dlq, 'topic'))['physicalName'];
    return {
      kind,
      attributes: attributesOf(node),
      ...(physicalName ? { deadLetterQueue: physicalName } : {}),
    };
  }
  return undefined;
}

function policyEntryOf(node: XmlNode): PolicyEntry | undefined {
  const attributes = attributesOf(node);
  // The destination is an attribute (queue=">") or, less often, a <destination><queue physicalName=…/> child.
  const destination = childOf(node, 'destination');
  const queue = attributes['queue'] ?? attributesOf(childOf(destination, 'queue'))['physicalName'];
  const topic = attributes['topic'] ?? attributesOf(childOf(destination, 'topic'))['physicalName'];
  let kind: DestinationKind;
  let pattern = '';
  if (queue !== undefined) [kind, pattern] = ['queue', queue];
  else if (topic !== undefined) [kind, pattern] = ['topic', topic];
  else if (isTrue(attributes['tempQueue'])) kind = 'tempQueue';
  else if (isTrue(attributes['tempTopic'])) kind = 'tempTopic';
  else return undefined;
  const deadLetterStrategy = deadLetterStrategyOf(node);
  const limit = attributesOf(
    childOf(childOf(node, 'pendingMessageLimitStrategy'), 'constantPendingMessageLimitStrategy'),
  )['limit'];
  const pendingMessageLimit = limit !== undefined && /^-?\d+$/.test(limit) ? Number(limit) : undefined;
  return {
    kind,
    destination: pattern,
    attributes,
    ...(deadLetterStrategy ? { deadLetterStrategy } : {}),
    ...(pendingMessageLimit !== undefined ? { pendingMessageLimit } : {}),
  };
}

function authorizationEntryOf(
  node: XmlNode,
  fallback: 'default' | 'temp' | undefined,
): AuthorizationEntry | undefined {
  const a = attributesOf(node);
  const rights = { read: groups(a['read']), write: groups(a['write']), admin: groups(a['admin']) };
  if (fallback === 'default') return { kind: 'default', destination: '>', ...rights };
  if (fallback === 'temp') return { kind: 'temp', destination: '', ...rights };
  if (a['queue'] !== undefined) return { kind: 'queue', destination: a['queue'], ...rights };
  if (a['topic'] !== undefined) return { kind: 'topic', destination: a['topic'], ...rights };
  if (isTrue(a['tempQueue']) || isTrue(a['tempTopic'])) return { kind: 'temp', destination: '', ...rights };
  return undefined;
}

function authorizationOf(plugins: XmlNode | undefined): AuthorizationConfig | undefined {
  const plugin = childOf(plugins, 'authorizationPlugin');
  if (plugin === undefined) return undefined;
  const map = childOf(plugin, 'map');
  if (childOf(map, 'cachedLDAPAuthorizationMap') !== undefined) return { source: 'ldap', entries: [] };
  const authorizationMap = childOf(map, 'authorizationMap');
  const entries = [
    ...childrenOf(childOf(authorizationMap, 'authorizationEntries'), 'authorizationEntry').map((e) =>
      authorizationEntryOf(e, undefined),
    ),
    ...childrenOf(childOf(authorizationMap, 'defaultEntry'), 'authorizationEntry').map((e) =>
      authorizationEntryOf(e, 'default'),
    ),
    // The temp entry is nested in an element of the same name.
    ...childrenOf(
      childOf(authorizationMap, 'tempDestinationAuthorizationEntry'),
      'tempDestinationAuthorizationEntry',
    ).map((e) => authorizationEntryOf(e, 'temp')),
  ];
  return { source: 'map', entries: entries.filter((e): e is AuthorizationEntry => e !== undefined) };
}

/**
 * Parses an ActiveMQ configuration document. Never throws: a document that is not well-formed XML, or has no
 * `<broker>` element (at the root or inside a `<beans>` root), is `{ ok: false, error }` with the reason.
 *
 * @example
 * const parsed = parseActiveMqConfig('<broker schedulerSupport="true"/>');
 * if (parsed.ok) isTrue(parsed.config.broker['schedulerSupport']); // true
 */
export function parseActiveMqConfig(xml: string): ActiveMqParseResult {
  const text = xml.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, error: 'the document is empty' };
  const parsed = parseXml(text);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const { document } = parsed;
  const root = elementNames(document)[0];
  const broker = childOf(document, 'broker') ?? childOf(childOf(document, 'beans'), 'broker');
  if (broker === undefined) {
    return { ok: false, error: `the root element is <${root ?? '?'}>, not <broker>` };
  }
  const policyEntries = childrenOf(
    childOf(childOf(childOf(broker, 'destinationPolicy'), 'policyMap'), 'policyEntries'),
    'policyEntry',
  )
    .map(policyEntryOf)
    .filter((e): e is PolicyEntry => e !== undefined);
  const plugins = childOf(broker, 'plugins');
  const authorization = authorizationOf(plugins);
  return {
    ok: true,
    config: {
      broker: attributesOf(broker),
      policyEntries,
      ...(authorization ? { authorization } : {}),
      plugins: elementNames(plugins),
    },
  };
}

/** True for the values Spring reads as true (`true`, `on`, `yes`, `1`, any case). */
export function isTrue(value: string | undefined): boolean {
  return ['true', 'on', 'yes', '1'].includes((value ?? '').trim().toLowerCase());
}

/** True for the values Spring reads as false (`false`, `off`, `no`, `0`, any case). */
export function isFalse(value: string | undefined): boolean {
  return ['false', 'off', 'no', '0'].includes((value ?? '').trim().toLowerCase());
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/**
 * Bytes of an ActiveMQ size (`1048576`, `64 mb`, `1gb`, `512KB`), as ActiveMQ's memory property editor reads
 * it; undefined when the value is not a size.
 */
export function parseSize(value: string | undefined): number | undefined {
  const match = /^\s*(\d+)\s*([kmg]?b?)\s*$/i.exec(value ?? '');
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** True when the pattern matches destinations of every name: each element of each part is `*` or `>`. */
export function isWildcardOnly(pattern: string): boolean {
  const parts = pattern.split(',').map((p) => p.trim());
  return parts.some((part) => part.length > 0 && part.split('.').every((el) => el === '*' || el === '>'));
}

/** True when the pattern (or a part of a composite pattern) is `>`, which every destination falls back to. */
export function isCatchAll(pattern: string): boolean {
  return pattern.split(',').some((part) => part.trim() === '>');
}

/** True when the pattern holds a wildcard, so it applies to many destinations. */
export function hasWildcard(pattern: string): boolean {
  return /[*>]/.test(pattern);
}

/** How a policy entry reads in a finding: `queue=">"`, `tempQueue`. */
export function describePolicyEntry(entry: PolicyEntry): string {
  return entry.kind === 'queue' || entry.kind === 'topic'
    ? `${entry.kind}="${entry.destination}"`
    : entry.kind;
}

/** How an authorization entry reads in a finding: `queue=">"`, `defaultEntry`… */
export function describeAuthorizationEntry(entry: AuthorizationEntry): string {
  if (entry.kind === 'default') return 'defaultEntry';
  if (entry.kind === 'temp') return 'tempDestinationAuthorizationEntry';
  return `${entry.kind}="${entry.destination}"`;
}

/** Queue policy entries (temporary queues left out). */
export function queueEntries(config: ActiveMqConfig): PolicyEntry[] {
  return config.policyEntries.filter((e) => e.kind === 'queue');
}

/** True when the document enables the plugin (`statisticsBrokerPlugin`…). */
export function hasPlugin(config: ActiveMqConfig, name: string): boolean {
  return config.plugins.includes(name);
}

/**
 * The parsed configuration of an ActiveMQ broker's facts, or the FAIL sentence every configuration check gives
 * when there is none to read: no revision although the fact was collected (every ActiveMQ broker runs one, so
 * DescribeBroker's current configuration is missing), or a revision that is not valid ActiveMQ XML.
 */
export function activeMqConfigOf(
  facts: BrokerFacts,
): { ok: true; config: ActiveMqConfig } | { ok: false; problem: string } {
  const { broker, configuration } = facts;
  if (!configuration) {
    return {
      ok: false,
      problem: `Broker ${broker.name} has no configuration revision to audit, although every ActiveMQ broker runs one.`,
    };
  }
  const parsed = parseActiveMqConfig(configuration.data);
  if (!parsed.ok) {
    return {
      ok: false,
      problem: `Broker ${broker.name} runs configuration ${configuration.id} revision ${configuration.revision}, which is not valid ActiveMQ XML (${parsed.error}).`,
    };
  }
  return parsed;
}
