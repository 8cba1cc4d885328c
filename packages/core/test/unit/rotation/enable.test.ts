import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { InvalidInputError } from '../../../src/errors';
import {
  checkRotatedSecretName,
  parseRotationSchedule,
  ROTATED_SECRET_PREFIX,
  type RotationRules,
  type RotationSecretDraft,
  rotatedSecretName,
  rotationScheduleSchema,
  rotationSchedulesOf,
  rotationSecretValue,
} from '../../../src/rotation/enable';
import * as v from '../../../src/schema';

/** The accepted forms every schedule error lists. */
const ACCEPTED_FORMS = 'use 30, 30d, rate(12 hours), rate(10 days) or cron(0 4 ? * SUN *)';
const PASSWORD = 'S3cret-Pa55word-never-shown';
const MASTER = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/orders/admin-AbCdEf';

/** The error `fn` throws (fails the test when it throws nothing). */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

const draft = (over: Partial<RotationSecretDraft> = {}): RotationSecretDraft => ({
  engine: 'rabbitmq',
  brokerId: 'b-1234abcd-56ef-78ab-90cd-1234567890ab',
  username: 'orders',
  password: PASSWORD,
  ...over,
});

describe('Function: parseRotationSchedule', () => {
  it.each<[string | number, RotationRules]>([
    [30, { AutomaticallyAfterDays: 30 }],
    ['30', { AutomaticallyAfterDays: 30 }],
    ['30d', { AutomaticallyAfterDays: 30 }],
    ['30 days', { AutomaticallyAfterDays: 30 }],
    [' 7 ', { AutomaticallyAfterDays: 7 }],
    [1, { AutomaticallyAfterDays: 1 }],
    [1000, { AutomaticallyAfterDays: 1000 }],
    ['rate(4 hours)', { ScheduleExpression: 'rate(4 hours)' }],
    ['rate(12 hours)', { ScheduleExpression: 'rate(12 hours)' }],
    ['rate(1 day)', { ScheduleExpression: 'rate(1 day)' }],
    ['rate(10 days)', { ScheduleExpression: 'rate(10 days)' }],
    ['rate(1000 days)', { ScheduleExpression: 'rate(1000 days)' }],
    ['cron(0 4 ? * SUN *)', { ScheduleExpression: 'cron(0 4 ? * SUN *)' }],
  ])('accepts %j as %j', (schedule, rules) => {
    // Act
    const parsed = parseRotationSchedule(schedule);

    // Assess: exactly these rules, no Duration key without a window
    expect(parsed).toStrictEqual(rules);
  });

  it.each<[string | number, RegExp]>([
    [0, /days must be 1 to 1000/],
    [1001, /days must be 1 to 1000/],
    ['0d', /days must be 1 to 1000/],
    ['rate(3 hours)', /at most every 4 hours and at least every 1000 days/],
    ['rate(1 hour)', /at most every 4 hours/],
    ['rate(0 days)', /at most every 4 hours/],
    ['rate(1001 days)', /at least every 1000 days/],
    ['rate(10 weeks)', /not a schedule/],
    ['cron(0 4 * *)', /not a schedule/],
    ['weekly', /not a schedule/],
    ['30 weeks', /not a schedule/],
    ['-5', /not a schedule/],
    ['', /not a schedule/],
  ])('refuses %j, naming why and listing the accepted forms', (schedule, why) => {
    // Act
    const error = thrownBy(() => parseRotationSchedule(schedule));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(why);
    expect(error.message).toContain(`rotation schedule ${JSON.stringify(String(schedule).trim())}`);
    expect(error.message).toContain(ACCEPTED_FORMS);
  });

  it.each<[string | number, string, RotationRules]>([
    [30, '4h', { AutomaticallyAfterDays: 30, Duration: '4h' }],
    ['30d', '1h', { AutomaticallyAfterDays: 30, Duration: '1h' }],
    [1, '24h', { AutomaticallyAfterDays: 1, Duration: '24h' }],
    ['rate(10 days)', ' 3h ', { ScheduleExpression: 'rate(10 days)', Duration: '3h' }],
    ['rate(4 hours)', '4h', { ScheduleExpression: 'rate(4 hours)', Duration: '4h' }],
    ['rate(12 hours)', '2h', { ScheduleExpression: 'rate(12 hours)', Duration: '2h' }],
    ['cron(0 4 ? * SUN *)', '04h', { ScheduleExpression: 'cron(0 4 ? * SUN *)', Duration: '4h' }],
  ])('accepts schedule %j with window %j', (schedule, window, rules) => {
    expect(parseRotationSchedule(schedule, window)).toStrictEqual(rules);
  });

  it.each<[string | number, string, RegExp]>([
    [30, '0h', /window 0h must be 1h to 24h/],
    [30, '25h', /window 25h must be 1h to 24h/],
    [30, '4', /window 4 must be 1h to 24h/],
    [30, '4 hours', /window 4 hours must be 1h to 24h/],
    [30, '', /window {2}must be 1h to 24h/],
    ['rate(4 hours)', '5h', /window 5h is longer than the time between rotations/],
    ['rate(6 hours)', '12h', /window 12h is longer than the time between rotations/],
  ])('refuses schedule %j with window %j', (schedule, window, why) => {
    // Act
    const error = thrownBy(() => parseRotationSchedule(schedule, window));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(why);
    expect(error.message).toContain(ACCEPTED_FORMS);
  });
});

describe('Function: checkRotatedSecretName', () => {
  it('prefixes rotated secrets with mqops/', () => {
    expect(ROTATED_SECRET_PREFIX).toBe('mqops/');
  });

  it.each([
    'mqops/orders/app',
    'mqops/orders-eu/svc.orders@prod_1+a=b',
    'mqops/orders/svc-order',
    'mqops/orders/svc-ordersx',
    'mqops/orders/svc-orders-user',
    `mqops/${'a'.repeat(506)}`,
  ])('accepts %s and returns it', (name) => {
    expect(checkRotatedSecretName(name)).toBe(name);
  });

  it.each<[string, RegExp]>([
    ['orders/app', /must start with mqops\/: the rotation function may touch no other secret/],
    ['MQOPS/orders/app', /must start with mqops\//],
    ['/mqops/orders/app', /must start with mqops\//],
    ['', /must start with mqops\//],
    ['mqops/orders/app user', /has characters Secrets Manager refuses/],
    ['mqops/orders/app#1', /has characters Secrets Manager refuses/],
    ['mqops/orders/app~ro', /has characters Secrets Manager refuses/],
    ['mqops/orders/é', /has characters Secrets Manager refuses/],
    [`mqops/${'a'.repeat(507)}`, /has characters Secrets Manager refuses/],
    ['mqops/orders/svc-orders', /ends in a hyphen and six characters/],
    ['mqops/orders/app-AbCdEf', /ends in a hyphen and six characters/],
    ['mqops/orders/app-123456', /ends in a hyphen and six characters/],
  ])('refuses %j', (name, why) => {
    // Act
    const error = thrownBy(() => checkRotatedSecretName(name));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(why);
    expect(error.message).toContain(`secret name ${name}`);
  });
});

describe('Function: rotatedSecretName', () => {
  it.each([
    ['orders', 'app', 'mqops/orders/app'],
    ['orders-eu-1', 'billing_ro', 'mqops/orders-eu-1/billing_ro'],
    ['orders', 'svc-orders', 'mqops/orders/svc-orders-user'],
    ['prod', 'app-123456', 'mqops/prod/app-123456-user'],
    ['prod', 'app-AbCdEf', 'mqops/prod/app-AbCdEf-user'],
    ['prod', 'app-12345', 'mqops/prod/app-12345'],
    ['prod', 'app-1234567', 'mqops/prod/app-1234567'],
    ['orders-abcdef', 'app', 'mqops/orders-abcdef/app'],
  ])('names the secret of broker %s user %s %s', (broker, user, name) => {
    // Act
    const proposed = rotatedSecretName(broker, user);

    // Assess: the name, and one the rotation function can handle
    expect(proposed).toBe(name);
    expect(checkRotatedSecretName(proposed)).toBe(proposed);
  });

  it('proposes a name checkRotatedSecretName accepts for any broker name and simple username', () => {
    const brokerName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$/);
    const username = fc.stringMatching(/^[A-Za-z0-9_.-]{2,100}$/);
    fc.assert(
      fc.property(brokerName, username, (broker, user) => {
        const name = rotatedSecretName(broker, user);
        expect(name.startsWith(`mqops/${broker}/${user}`)).toBe(true);
        expect(checkRotatedSecretName(name)).toBe(name);
      }),
      { numRuns: 1000 },
    );
  });

  // Amazon MQ for ActiveMQ usernames may hold letters, digits and `- . _ ~` (2-100 characters); `~` is not allowed
  // in a Secrets Manager name, so the proposed name must not carry it as is.
  it('proposes a valid secret name for an ActiveMQ username with a tilde', () => {
    // Act
    const proposed = rotatedSecretName('orders', 'app~ro');

    // Assess
    expect(proposed.startsWith('mqops/orders/')).toBe(true);
    expect(() => checkRotatedSecretName(proposed)).not.toThrow();
  });
});

describe('Function: rotationSecretValue', () => {
  it('defaults the strategy to single-user in both the secret and its JSON', () => {
    // Act
    const { secret, text } = rotationSecretValue(draft());

    // Assess
    expect(JSON.parse(text)).toStrictEqual({
      strategy: 'single-user',
      engine: 'rabbitmq',
      brokerId: 'b-1234abcd-56ef-78ab-90cd-1234567890ab',
      username: 'orders',
      password: PASSWORD,
    });
    expect(secret).toMatchObject({
      engine: 'rabbitmq',
      username: 'orders',
      password: PASSWORD,
      strategy: 'single-user',
      cloneSuffix: '_clone',
    });
  });

  it('defaults the strategy to single-user in the JSON when the draft sets it to undefined', () => {
    // Act
    const { secret, text } = rotationSecretValue(draft({ strategy: undefined }));

    // Assess
    expect(secret.strategy).toBe('single-user');
    expect(JSON.parse(text)).toHaveProperty('strategy', 'single-user');
  });

  it('keeps the fields given and drops undefined ones', () => {
    // Act
    const { secret, text } = rotationSecretValue(
      draft({
        strategy: 'alternating-users',
        masterarn: MASTER,
        vhost: '/orders',
        host: undefined,
        endpoints: undefined,
        applyNow: undefined,
      }),
    );

    // Assess
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json).toStrictEqual({
      strategy: 'alternating-users',
      engine: 'rabbitmq',
      brokerId: 'b-1234abcd-56ef-78ab-90cd-1234567890ab',
      username: 'orders',
      password: PASSWORD,
      masterarn: MASTER,
      vhost: '/orders',
    });
    expect(Object.keys(json)).not.toContain('host');
    expect(text).not.toContain('null');
    expect(secret).toMatchObject({ strategy: 'alternating-users', masterarn: MASTER, vhost: '/orders' });
  });

  it('accepts ActiveMQ alternating-users without masterarn (users change through the MQ API)', () => {
    const { secret } = rotationSecretValue(draft({ engine: 'activemq', strategy: 'alternating-users' }));
    expect(secret).toMatchObject({ engine: 'activemq', strategy: 'alternating-users' });
    expect(secret.masterarn).toBeUndefined();
  });

  it.each<[string, Partial<RotationSecretDraft>, RegExp]>([
    [
      'RabbitMQ alternating-users without masterarn',
      { strategy: 'alternating-users' },
      /masterarn: required/,
    ],
    ['an unknown engine', { engine: 'kafka' as RotationSecretDraft['engine'] }, /engine:/],
    ['an empty password', { password: '' }, /password:/],
    ['an empty broker id', { brokerId: '' }, /brokerId:/],
    ['a host that is not a URL', { host: `https://user:${PASSWORD}@ not a url` }, /host:/],
    ['an unknown strategy', { strategy: 'blue-green' as RotationSecretDraft['strategy'] }, /strategy:/],
  ])('refuses %s, never echoing the password', (_case, over, why) => {
    // Act
    const error = thrownBy(() => rotationSecretValue(draft(over)));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('the secret for user orders is not a valid mqops rotation secret');
    expect(error.message).toMatch(why);
    expect(error.message).not.toContain(PASSWORD);
    expect(JSON.stringify((error as InvalidInputError).issues)).not.toContain(PASSWORD);
  });
});

describe('Function: rotationScheduleSchema', () => {
  it('defaults the schedule to 30 days', () => {
    // Act
    const entry = v.parse(rotationScheduleSchema, { secret: 'mqops/orders/app' });

    // Assess
    expect(entry).toStrictEqual({ secret: 'mqops/orders/app', schedule: 30 });
    expect(parseRotationSchedule(entry.schedule, entry.window)).toStrictEqual({ AutomaticallyAfterDays: 30 });
  });

  it('keeps a schedule and window that parse', () => {
    const entry = { secret: 'mqops/orders/app', schedule: 'rate(12 hours)', window: '2h' };
    expect(v.parse(rotationScheduleSchema, entry)).toStrictEqual(entry);
  });

  it('reports a bad name and a bad schedule as two issues', () => {
    // Act
    const result = v.safeParse(rotationScheduleSchema, { secret: 'orders/app', schedule: 'weekly' });

    // Assess
    expect(result.success).toBe(false);
    const messages = result.issues?.map((i) => i.message) ?? [];
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/secret name orders\/app must start with mqops\//);
    expect(messages[1]).toMatch(/rotation schedule "weekly": not a schedule/);
    expect(messages[1]).toContain(ACCEPTED_FORMS);
  });

  it.each<[string, unknown, RegExp]>([
    ['an ARN-suffix name', { secret: 'mqops/orders/svc-orders' }, /ends in a hyphen and six characters/],
    ['a schedule under 4 hours', { secret: 'mqops/o/a', schedule: 'rate(2 hours)' }, /at most every 4 hours/],
    ['a window too long', { secret: 'mqops/o/a', schedule: 'rate(4 hours)', window: '6h' }, /longer than/],
    ['a window without unit', { secret: 'mqops/o/a', window: '4' }, /window 4 must be 1h to 24h/],
    ['0 days', { secret: 'mqops/o/a', schedule: 0 }, /days must be 1 to 1000/],
  ])('reports %s', (_case, value, why) => {
    const result = v.safeParse(rotationScheduleSchema, value);
    expect(result.success).toBe(false);
    expect(result.issues?.map((i) => i.message).join('\n')).toMatch(why);
  });

  it.each<[string, unknown]>([
    ['an unknown key', { secret: 'mqops/o/a', every: 30 }],
    ['no secret', { schedule: 30 }],
    ['a boolean schedule', { secret: 'mqops/o/a', schedule: true }],
  ])('refuses %s', (_case, value) => {
    expect(v.safeParse(rotationScheduleSchema, value).success).toBe(false);
  });
});

describe('Function: rotationSchedulesOf', () => {
  it('reads the rotations of a configuration, with the default schedule', () => {
    // Act
    const rotations = rotationSchedulesOf(
      parseConfig({
        rotations: [
          { secret: 'mqops/orders/app' },
          { secret: 'mqops/orders/billing', schedule: 'rate(12 hours)', window: '2h' },
          { secret: 'mqops/orders/reports', schedule: '7d' },
        ],
      }),
    );

    // Assess
    expect(rotations).toStrictEqual([
      { secret: 'mqops/orders/app', schedule: 30 },
      { secret: 'mqops/orders/billing', schedule: 'rate(12 hours)', window: '2h' },
      { secret: 'mqops/orders/reports', schedule: '7d' },
    ]);
  });

  it.each([{}, undefined, { securityHub: true }])('returns [] when absent (%j)', (value) => {
    expect(rotationSchedulesOf(parseConfig(value))).toStrictEqual([]);
  });

  it('refuses a bad rotation, naming the entry and the problem', () => {
    // Arrange: parseConfig itself leaves the section to this reader.
    const config = parseConfig({
      rotations: [{ secret: 'mqops/orders/app' }, { secret: 'orders/app', schedule: 'weekly' }],
    });

    // Act
    const error = thrownBy(() => rotationSchedulesOf(config));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/^invalid mqops configuration: /);
    expect(error.message).toMatch(/rotations\.1: secret name orders\/app must start with mqops\//);
    expect(error.message).toMatch(/rotations\.1: rotation schedule "weekly": not a schedule/);
  });

  it.each<[unknown, string]>([
    [{ secret: 'mqops/a/b' }, 'rotations: Invalid type: Expected Array but received Object'],
    ['mqops/a/b', 'rotations: Invalid type: Expected Array but received a string'],
    [[{ secret: 'mqops/a/b', every: 3 }], 'rotations.0.every: unknown field'],
    [[{ secret: 'other/b', every: 3 }], 'rotations.0.every: unknown field; rotations.0: secret name other/b'],
  ])('refuses rotations %j', (rotations, message) => {
    expect(() => rotationSchedulesOf(parseConfig({ rotations }))).toThrow(message);
  });
});
