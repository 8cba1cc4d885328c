import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ActiveMqConfig,
  activeMqConfigOf,
  describeAuthorizationEntry,
  describePolicyEntry,
  hasWildcard,
  isCatchAll,
  isFalse,
  isTrue,
  isWildcardOnly,
  parseActiveMqConfig,
  parseSize,
} from '../../src/activemq-xml';
import { makeFacts } from '../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');

const NS = 'http://activemq.apache.org/schema/core';

/** Parses a document the test expects to be valid. */
function parse(xml: string): ActiveMqConfig {
  const result = parseActiveMqConfig(xml);
  if (!result.ok) throw new Error(`expected a valid document: ${result.error}`);
  return result.config;
}

describe('Function: parseActiveMqConfig', () => {
  it('reads the Amazon MQ default configuration: two policy entries and no plugins (they are commented out)', () => {
    const config = parse(fixture('amazon-mq-default-5.18'));
    expect(config.broker).toEqual({ schedulePeriodForDestinationPurge: '10000' });
    expect(config.policyEntries).toEqual([
      {
        kind: 'topic',
        destination: '>',
        attributes: { gcInactiveDestinations: 'true', inactiveTimoutBeforeGC: '600000', topic: '>' },
        pendingMessageLimit: 1000,
      },
      {
        kind: 'queue',
        destination: '>',
        attributes: { gcInactiveDestinations: 'true', inactiveTimoutBeforeGC: '600000', queue: '>' },
      },
    ]);
    expect(config.authorization).toBeUndefined();
    expect(config.plugins).toEqual([]);
  });

  it('reads the hardened configuration: dead-letter strategies, the authorization map and plugins in order', () => {
    const config = parse(fixture('hardened'));
    expect(config.policyEntries.map(describePolicyEntry)).toEqual([
      'queue=">"',
      'queue="orders.>"',
      'topic=">"',
    ]);
    expect(config.policyEntries[0]?.attributes['memoryLimit']).toBe('64 mb');
    expect(config.policyEntries[0]?.deadLetterStrategy).toEqual({
      kind: 'individual',
      attributes: { queuePrefix: 'DLQ.', useQueueForQueueMessages: 'true', processExpired: 'false' },
    });
    expect(config.policyEntries[1]?.deadLetterStrategy?.attributes['expiration']).toBe('1209600000');
    expect(config.plugins).toEqual([
      'authorizationPlugin',
      'forcePersistencyModeBrokerPlugin',
      'timeStampingBrokerPlugin',
    ]);
    expect(config.authorization?.source).toBe('map');
    expect(config.authorization?.entries.map(describeAuthorizationEntry)).toEqual([
      'queue=">"',
      'topic=">"',
      'queue="orders.>"',
      'queue="DLQ.orders.>"',
      'topic="ActiveMQ.Advisory.>"',
      'tempDestinationAuthorizationEntry',
    ]);
    expect(config.authorization?.entries[2]).toEqual({
      kind: 'queue',
      destination: 'orders.>',
      read: ['orders-consumers'],
      write: ['orders-producers'],
      admin: ['admins'],
    });
  });

  it('reads the risky configuration: broker flags, attributes kept as written, statistics plugin', () => {
    const config = parse(fixture('risky'));
    expect(config.broker).toEqual({ schedulerSupport: 'true', advisorySupport: 'true' });
    expect(config.policyEntries[0]?.attributes).toEqual({
      queue: '>',
      producerFlowControl: 'false',
      advisoryForConsumed: 'true',
      includeBodyForAdvisory: 'true',
    });
    expect(config.plugins).toEqual(['authorizationPlugin', 'statisticsBrokerPlugin']);
    expect(config.authorization?.entries[0]?.write).toEqual(['everyone']);
  });

  it('removes namespace prefixes and finds <broker> inside a <beans> root', () => {
    const prefixed = `<amq:broker xmlns:amq="${NS}" schedulerSupport="true"><amq:plugins><amq:statisticsBrokerPlugin/></amq:plugins></amq:broker>`;
    expect(parse(prefixed)).toEqual({
      broker: { schedulerSupport: 'true' },
      policyEntries: [],
      plugins: ['statisticsBrokerPlugin'],
    });
    const wrapped = `<beans xmlns="http://www.springframework.org/schema/beans"><broker xmlns="${NS}" persistent="false"/></beans>`;
    expect(parse(wrapped).broker).toEqual({ persistent: 'false' });
  });

  it('reads one child and several children the same way, and skips comments', () => {
    const one = parse(
      `<broker xmlns="${NS}"><destinationPolicy><policyMap><policyEntries><policyEntry queue="a"/></policyEntries></policyMap></destinationPolicy></broker>`,
    );
    const two = parse(
      `<broker xmlns="${NS}"><destinationPolicy><policyMap><policyEntries><policyEntry queue="a"/><!-- <policyEntry queue="x"/> --><policyEntry queue="b"/></policyEntries></policyMap></destinationPolicy><!-- <plugins><statisticsBrokerPlugin/></plugins> --></broker>`,
    );
    expect(one.policyEntries.map((e) => e.destination)).toEqual(['a']);
    expect(two.policyEntries.map((e) => e.destination)).toEqual(['a', 'b']);
    expect(two.plugins).toEqual([]);
  });

  it('reads shared and discarding strategies, destination children and temporary-destination entries', () => {
    const config = parse(`<broker xmlns="${NS}"><destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="billing.&gt;"><deadLetterStrategy><sharedDeadLetterStrategy processExpired="false"><deadLetterQueue><queue physicalName="BILLING.DLQ"/></deadLetterQueue></sharedDeadLetterStrategy></deadLetterStrategy></policyEntry>
      <policyEntry><destination><queue physicalName="audit"/></destination><deadLetterStrategy><discarding/></deadLetterStrategy></policyEntry>
      <policyEntry tempQueue="true" advisoryForConsumed="true"/>
      <policyEntry memoryLimit="1mb"/>
    </policyEntries></policyMap></destinationPolicy></broker>`);
    expect(config.policyEntries).toEqual([
      {
        kind: 'queue',
        destination: 'billing.>',
        attributes: { queue: 'billing.>' },
        deadLetterStrategy: {
          kind: 'shared',
          attributes: { processExpired: 'false' },
          deadLetterQueue: 'BILLING.DLQ',
        },
      },
      {
        kind: 'queue',
        destination: 'audit',
        attributes: {},
        deadLetterStrategy: { kind: 'discarding', attributes: {} },
      },
      { kind: 'tempQueue', destination: '', attributes: { tempQueue: 'true', advisoryForConsumed: 'true' } },
    ]);
  });

  it('reads the defaultEntry and an LDAP authorization map', () => {
    const map = parse(`<broker xmlns="${NS}"><plugins><authorizationPlugin><map><authorizationMap>
      <defaultEntry><authorizationEntry read="users" write=" users , admins " admin="admins"/></defaultEntry>
    </authorizationMap></map></authorizationPlugin></plugins></broker>`);
    expect(map.authorization).toEqual({
      source: 'map',
      entries: [
        { kind: 'default', destination: '>', read: ['users'], write: ['users', 'admins'], admin: ['admins'] },
      ],
    });
    const ldap = parse(`<broker xmlns="${NS}"><plugins><authorizationPlugin><map>
      <cachedLDAPAuthorizationMap queueSearchBase="ou=Queue,ou=Destination,dc=example,dc=com" topicSearchBase="ou=Topic,ou=Destination,dc=example,dc=com" tempSearchBase="ou=Temp,ou=Destination,dc=example,dc=com"/>
    </map></authorizationPlugin></plugins></broker>`);
    expect(ldap.authorization).toEqual({ source: 'ldap', entries: [] });
  });

  it('reads a document with a byte-order mark and keeps odd attribute names as plain data', () => {
    const config = parse(`\uFEFF<broker xmlns="${NS}" __proto__="x" constructor="y"/>`);
    expect(Object.keys(config.broker).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(config.broker)).toBe(Object.prototype);
  });

  it.each([
    ['', 'the document is empty'],
    ['   \n', 'the document is empty'],
    ['not xml at all', 'line 1'],
    [`<broker xmlns="${NS}"><plugins></broker>`, 'line 1'],
    [`<broker xmlns="${NS}"><policyEntry queue="a" queue="b"/></broker>`, 'line 1'],
    ['<configuration><broker/></configuration>', 'the root element is <configuration>, not <broker>'],
    ['<beans/>', 'the root element is <beans>, not <broker>'],
  ])('returns an error for %j', (xml, reason) => {
    const result = parseActiveMqConfig(xml);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(reason);
  });
});

describe('Function: activeMqConfigOf', () => {
  it('returns the parsed configuration of the facts', () => {
    const facts = makeFacts({}, { configuration: { id: 'c-1', revision: 2, data: fixture('risky') } });
    const read = activeMqConfigOf(facts);
    expect(read.ok && read.config.broker['schedulerSupport']).toBe('true');
  });

  it('returns the FAIL sentence when there is no revision', () => {
    expect(activeMqConfigOf(makeFacts())).toEqual({
      ok: false,
      problem:
        'Broker orders has no configuration revision to audit, although every ActiveMQ broker runs one.',
    });
  });

  it('returns the FAIL sentence naming the revision when it is not XML', () => {
    const facts = makeFacts(
      {},
      { configuration: { id: 'c-9', revision: 4, data: '<broker><plugins></broker>' } },
    );
    const read = activeMqConfigOf(facts);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.problem).toMatch(
      /^Broker orders runs configuration c-9 revision 4, which is not valid ActiveMQ XML \(line 1: .+\)\.$/,
    );
  });
});

describe('Function: value helpers', () => {
  it.each([
    ['1048576', 1048576],
    ['64 mb', 64 * 1024 ** 2],
    ['64MB', 64 * 1024 ** 2],
    ['512kb', 512 * 1024],
    ['1 gb', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['100 b', 100],
    ['0', 0],
    ['70%', undefined],
    ['lots', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('parseSize(%j) is %j', (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  it.each([
    ['true', true, false],
    [' TRUE ', true, false],
    ['yes', true, false],
    ['false', false, true],
    ['0', false, true],
    ['maybe', false, false],
    [undefined, false, false],
  ])('%j is true: %s, false: %s', (value, t, f) => {
    expect(isTrue(value)).toBe(t);
    expect(isFalse(value)).toBe(f);
  });

  it.each([
    ['>', true, true, true],
    ['*', true, false, true],
    ['*.>', true, false, true],
    ['orders.>', false, false, true],
    ['orders,>', true, true, true],
    ['orders', false, false, false],
    ['', false, false, false],
  ])('%j: wildcard only %s, catch-all %s, has a wildcard %s', (pattern, only, all, any) => {
    expect(isWildcardOnly(pattern)).toBe(only);
    expect(isCatchAll(pattern)).toBe(all);
    expect(hasWildcard(pattern)).toBe(any);
  });
});
