import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretListEntry,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Broker } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { rotationDaysOf, SecretsCredentialSource, toCredentialFacts } from '../../src/secrets-credentials';

const sm = mockClient(SecretsManagerClient);

const broker = {
  id: 'b-1',
  name: 'orders',
  arn: 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-1',
} as Broker;
const other = {
  id: 'b-2',
  name: 'billing',
  arn: 'arn:aws:mq:us-east-1:123456789012:broker:billing:b-2',
} as Broker;

const entry = (name: string, brokerTag: string, extra: Partial<SecretListEntry> = {}): SecretListEntry => ({
  ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
  Name: name,
  Tags: [
    { Key: 'mqops:broker', Value: brokerTag },
    { Key: 'mqops:username', Value: name.split('/').pop() ?? '' },
  ],
  CreatedDate: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});

const SECRET = 'hunter2-Very-Secret-Pass';

describe('Function: rotationDaysOf', () => {
  it.each([
    [undefined, undefined],
    [{ AutomaticallyAfterDays: 30 }, 30],
    [{ ScheduleExpression: 'rate(10 days)' }, 10],
    [{ ScheduleExpression: 'rate(1 day)' }, 1],
    [{ ScheduleExpression: 'rate(36 hours)' }, 2],
    [{ ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, undefined],
  ])('reads %j as %s days', (rules, days) => {
    expect(rotationDaysOf(rules)).toBe(days);
  });
});

describe('Function: toCredentialFacts', () => {
  it('maps rotation, dates and the mqops tags', () => {
    const facts = toCredentialFacts(
      entry('mq/orders/admin', 'b-1', {
        RotationEnabled: true,
        RotationRules: { AutomaticallyAfterDays: 30 },
        LastRotatedDate: new Date('2026-11-01T00:00:00Z'),
        LastChangedDate: new Date('2026-11-01T00:00:01Z'),
        Tags: [
          { Key: 'mqops:broker', Value: 'b-1' },
          { Key: 'mqops:username', Value: 'admin' },
          { Key: 'mqops:role', Value: 'audit' },
        ],
      }),
    );
    expect(facts).toEqual({
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mq/orders/admin-AbCdEf',
      name: 'mq/orders/admin',
      username: 'admin',
      role: 'audit',
      rotationEnabled: true,
      rotationDays: 30,
      lastRotated: new Date('2026-11-01T00:00:00Z'),
      lastChanged: new Date('2026-11-01T00:00:01Z'),
      created: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('reads a secret without rotation settings as rotation off, with no schedule', () => {
    const facts = toCredentialFacts(entry('x', 'b-1', { RotationRules: { AutomaticallyAfterDays: 30 } }));
    expect(facts.rotationEnabled).toBe(false);
    expect(facts.rotationDays).toBeUndefined();
    expect(facts.role).toBeUndefined();
  });
});

describe('Class: SecretsCredentialSource', () => {
  beforeEach(() => sm.reset());

  it("keeps the broker's secrets, tagged by id, name or ARN", async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        entry('mq/orders/admin', 'b-1'),
        entry('mq/orders/app', 'orders'),
        entry('mq/orders/batch', broker.arn),
        entry('mq/billing/admin', 'billing'),
        entry('mq/orders-old/admin', 'orders-old'),
      ],
    });
    const source = new SecretsCredentialSource(new SecretsManagerClient({ region: 'us-east-1' }));
    const secrets = await source.forBroker(broker);
    expect(secrets.map((s) => s.username)).toEqual(['admin', 'app', 'batch']);
    expect(sm.commandCalls(ListSecretsCommand)[0]?.args[0].input).toMatchObject({
      Filters: [{ Key: 'tag-key', Values: ['mqops:broker'] }],
    });
  });

  it('lists once per instance, across pages, for every broker', async () => {
    sm.on(ListSecretsCommand, { NextToken: undefined })
      .resolves({ SecretList: [entry('mq/orders/admin', 'b-1')], NextToken: 'p2' })
      .on(ListSecretsCommand, { NextToken: 'p2' })
      .resolves({ SecretList: [entry('mq/billing/admin', 'b-2')] });
    const source = new SecretsCredentialSource({ region: 'us-east-1' });
    const [a, b] = await Promise.all([source.forBroker(broker), source.forBroker(other)]);
    const again = await source.forBroker(broker);
    expect(a.map((s) => s.name)).toEqual(['mq/orders/admin']);
    expect(b.map((s) => s.name)).toEqual(['mq/billing/admin']);
    expect(again).toEqual(a);
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(2);
  });

  it('does not keep a failed sweep', async () => {
    sm.on(ListSecretsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretList: [entry('mq/orders/admin', 'b-1')] });
    const source = new SecretsCredentialSource({ region: 'us-east-1', maxAttempts: 1 });
    await expect(source.forBroker(broker)).rejects.toThrow('Rate exceeded');
    expect(await source.forBroker(broker)).toHaveLength(1);
  });

  it('reads a credential from the SecretString JSON', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:s' }).resolves({
      SecretString: JSON.stringify({ username: 'mqops-audit', password: SECRET, host: 'ignored' }),
    });
    const source = new SecretsCredentialSource({ region: 'us-east-1' });
    expect(await source.read('arn:s')).toEqual({ username: 'mqops-audit', password: SECRET });
  });

  it.each([
    ['not JSON', `password=${SECRET}`, /is not JSON/],
    ['JSON without a username', JSON.stringify({ password: SECRET }), /lacks a string "username"/],
    ['JSON with a numeric password', JSON.stringify({ username: 'u', password: 12345678 }), /lacks/],
    ['a JSON string', JSON.stringify(SECRET), /lacks/],
    ['JSON null', 'null', /lacks/],
  ])('refuses %s without leaking the value', async (_what, value, message) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });
    const error = await new SecretsCredentialSource({ region: 'us-east-1' })
      .read('arn:s')
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('arn:s');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('hunter2');
    expect(String((error as Error).cause ?? '')).not.toContain('hunter2');
  });

  it('refuses a binary-only secret and wraps API errors with the secret id', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'bin' }).resolves({ SecretBinary: new Uint8Array([1]) });
    sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    const source = new SecretsCredentialSource({ region: 'us-east-1' });
    await expect(source.read('bin')).rejects.toThrow('secret bin has no SecretString');
    const error = await source.read('gone').catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'MqopsError', message: 'cannot read secret gone' });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
