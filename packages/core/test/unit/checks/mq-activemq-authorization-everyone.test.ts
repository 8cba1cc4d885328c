import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqActivemqAuthorizationEveryone as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const authorization = (entries: string, map = '') =>
  `<broker xmlns="http://activemq.apache.org/schema/core"><plugins><authorizationPlugin><map><authorizationMap><authorizationEntries>${entries}</authorizationEntries>${map}</authorizationMap></map></authorizationPlugin></plugins></broker>`;

describe('Check: mq-activemq-authorization-everyone', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
    expect(check.severity).toBe('HIGH');
  });

  it('returns FAIL on the Amazon MQ default configuration: no authorization map at all', () => {
    expect(check.evaluate(withConfig(fixture('amazon-mq-default-5.18')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders has no authorizationPlugin, so every authenticated user can read, write and administer every queue and topic.',
    });
  });

  it('returns FAIL on the risky configuration, naming the groups, rights and entries', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders lets non-admin groups write to or administer every destination: everyone (write on queue=">"), users (write, admin on topic=">").',
    });
  });

  it('returns PASS on the hardened configuration', () => {
    expect(check.evaluate(withConfig(fixture('hardened')), makeContext())).toEqual({
      status: 'PASS',
      message:
        'Broker orders has 6 authorization entries and none grants write or admin on every destination to a non-admin group.',
    });
  });

  it.each([
    [
      'the AWS example (users may only read ">")',
      '<authorizationEntry queue="&gt;" read="admins,users,activemq-webconsole" write="admins,activemq-webconsole" admin="admins,activemq-webconsole"/>',
      '',
      'PASS',
    ],
    [
      'anonymous admin on "*"',
      '<authorizationEntry topic="*" read="admins" write="admins" admin="anonymous"/>',
      '',
      'FAIL',
    ],
    [
      'an application group writing "*.>"',
      '<authorizationEntry queue="*.&gt;" read="apps" write="apps" admin="admins"/>',
      '',
      'FAIL',
    ],
    [
      'a composite pattern holding ">"',
      '<authorizationEntry queue="orders.&gt;,&gt;" write="apps" admin="admins"/>',
      '',
      'FAIL',
    ],
    [
      'admin groups in any case',
      '<authorizationEntry queue="&gt;" write="Admins,ADMINISTRATORS" admin="admin"/>',
      '',
      'PASS',
    ],
    [
      'the LDAP console group',
      '<authorizationEntry queue="&gt;" write="amazonmq-console-admins" admin="amazonmq-console-admins"/>',
      '',
      'PASS',
    ],
    [
      'broad rights on a prefix',
      '<authorizationEntry queue="GUEST.&gt;" read="guests" write="guests,users" admin="guests,users"/>',
      '',
      'PASS',
    ],
    [
      'broad rights on advisory topics',
      '<authorizationEntry topic="ActiveMQ.Advisory.&gt;" read="users" write="users" admin="users"/>',
      '',
      'PASS',
    ],
    [
      'a defaultEntry writable by users',
      '',
      '<defaultEntry><authorizationEntry read="users" write="users" admin="admins"/></defaultEntry>',
      'FAIL',
    ],
    [
      'temp destinations writable by users',
      '',
      '<tempDestinationAuthorizationEntry><tempDestinationAuthorizationEntry read="users" write="users" admin="users"/></tempDestinationAuthorizationEntry>',
      'PASS',
    ],
    ['an empty map', '', '', 'PASS'],
  ])('gives the expected outcome with %s', (_case, entries, map, status) => {
    expect(check.evaluate(withConfig(authorization(entries, map)), makeContext()).status).toBe(status);
  });

  it('names the defaultEntry in its finding', () => {
    const data = authorization(
      '',
      '<defaultEntry><authorizationEntry write="users" admin="users"/></defaultEntry>',
    );
    expect(check.evaluate(withConfig(data), makeContext()).message).toBe(
      'Broker orders lets non-admin groups write to or administer every destination: users (write, admin on defaultEntry).',
    );
  });

  it('follows the policy for which groups are admin groups', () => {
    const data = authorization('<authorizationEntry queue="&gt;" write="ops" admin="ops"/>');
    expect(check.evaluate(withConfig(data), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig(data), makeContext({ policy: { adminGroups: ['ops'] } })).status).toBe(
      'PASS',
    );
  });

  it('returns PASS for an LDAP authorization map, whose entries live in the directory', () => {
    const data =
      '<broker xmlns="http://activemq.apache.org/schema/core"><plugins><authorizationPlugin><map><cachedLDAPAuthorizationMap queueSearchBase="ou=Queue,ou=Destination,dc=example,dc=com" topicSearchBase="ou=Topic,ou=Destination,dc=example,dc=com" tempSearchBase="ou=Temp,ou=Destination,dc=example,dc=com"/></map></authorizationPlugin></plugins></broker>';
    expect(check.evaluate(withConfig(data), makeContext())).toEqual({
      status: 'PASS',
      message:
        'Broker orders takes its authorization from LDAP (cachedLDAPAuthorizationMap); the entries live in the directory, not in the configuration.',
    });
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig('<broker><plugins>'), makeContext()).message).toContain(
      'not valid ActiveMQ XML',
    );
  });
});
