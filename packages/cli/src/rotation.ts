import { ActiveMqCredentialTarget } from '@mqops/aws/activemq-credentials';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { describeBrokerLocator, RabbitCredentialTarget } from '@mqops/aws/rabbitmq-credentials';
import { RotationSetup } from '@mqops/aws/rotation-setup';
import type { ClientSettings } from '@mqops/aws/targets';
import { type Broker, BrokerNotFoundError } from '@mqops/core';
import {
  type CredentialTarget,
  checkRotatedSecretName,
  parseRotationSchedule,
  ROTATION_STRATEGIES,
  type RotationStrategy,
  rotatedSecretName,
  rotationSecretValue,
} from '@mqops/core/rotation/index';
import { checkLocalOptions, withLocalCloud } from './local';
import type { Io } from './main';
import { cell, clientSettings, parseOptions, tableOrJson, UsageError } from './usage';

export const ROTATION_HELP = `mqops rotation — credential rotation of Amazon MQ broker users through Secrets Manager

Usage:
  mqops rotation enable --broker NAME|ID --user NAME --function ARN --password-stdin [options]
      Stores the user's current password in a new secret (mqops/<broker>/<user>) after proving that it logs in to
      the broker (AMQP for RabbitMQ, STOMP for ActiveMQ), then turns rotation on with the deployed Rotate function.
  mqops rotation list [--local [--scenario NAME|FILE] [--reset]] [--output table|json]
      Every mqops/ secret: rotation on or off, schedule, last and next rotation, whether one is under way.

Options of enable:
  --broker NAME|ID           the broker (name or id)
  --user NAME                the existing broker user whose password is rotated
  --function ARN             the Rotate function's ARN (sst deploy prints it as RotateFunctionArn)
  --password-stdin           read the user's current password from standard input (never pass it as a flag)
  --strategy S               single-user (default: the password changes in place) or alternating-users (a second
                             user <user>_clone takes turns; clients never hold a password that stops working)
  --masterarn ARN            admin secret (JSON username/password) that changes RabbitMQ users; required for
                             RabbitMQ alternating-users and for users that are not RabbitMQ administrators
  --schedule S               30, 30d, rate(12 hours), rate(10 days) or cron(0 4 ? * SUN *) (default 30d)
  --window H                 rotation window, e.g. 4h (default: Secrets Manager's)
  --no-schedule              create the secret only (mqops.config.json "rotations" turns it on at deploy)
  --rotate-now               start the first rotation now (default: at the schedule)
  --secret-name NAME         the secret's name (must start with mqops/)
  --vhost VHOST              RabbitMQ virtual host to log in to (default /)
  --apply-now reboot         ActiveMQ active/standby: reboot right away so the change goes live (the standby takes
                             over); otherwise the change waits for the maintenance window
  --skip-login-check         do not prove the password before storing it

Options of both:
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo)
  --reset                    with --local: start the local cloud over from the scenario
  --real-brokers             with --local: back the fleet with the local RabbitMQ and ActiveMQ so the login check
                             can run (enable --local needs it, or --skip-login-check)
  --region REGION, --profile NAME, --output table|json

The password is read from standard input and sent only to the broker (login check) and to Secrets Manager; it is
never printed. Example:
  printf %s "$PASSWORD" | mqops rotation enable --broker orders-prod --user app \\
    --function arn:aws:lambda:eu-west-1:123456789012:function:mqops-prod-Rotate --password-stdin`;

function parse(argv: string[]) {
  return parseOptions(argv, {
    broker: { type: 'string' },
    user: { type: 'string' },
    function: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    strategy: { type: 'string' },
    masterarn: { type: 'string' },
    schedule: { type: 'string' },
    window: { type: 'string' },
    'no-schedule': { type: 'boolean' },
    'rotate-now': { type: 'boolean' },
    'secret-name': { type: 'string' },
    vhost: { type: 'string' },
    'apply-now': { type: 'string' },
    'skip-login-check': { type: 'boolean' },
    region: { type: 'string' },
    profile: { type: 'string' },
    output: { type: 'string' },
    local: { type: 'boolean' },
    'real-brokers': { type: 'boolean' },
    scenario: { type: 'string' },
    reset: { type: 'boolean' },
  });
}

type Values = ReturnType<typeof parse>['values'];

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** `mqops rotation <enable|list> …`; returns the exit code. */
export async function rotationCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  const [sub, ...rest] = positionals;
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const output = tableOrJson(values.output);
  const settings: ClientSettings = clientSettings(values);
  if (sub !== 'list' && sub !== 'enable')
    throw new UsageError(`unknown rotation command '${sub}' (enable or list)`);
  const go = (s: ClientSettings) => (sub === 'list' ? list(s, output, io) : enable(values, s, output, io));
  checkLocalOptions(values);
  if (!values.local) return go(settings);
  // The login check logs in to the broker: the local cloud's brokers are only reachable with real ones behind them.
  if (sub === 'enable' && !values['real-brokers'] && !values['skip-login-check'])
    throw new UsageError(
      'rotation enable --local needs --real-brokers (it logs in to the broker before storing anything); ' +
        'start them with `npx tsx packages/local/src/brokers/cli.ts up`',
    );
  // The embedded demo fleet, kept between commands (rotate-now --local finds the secret made here).
  return withLocalCloud(
    { scenario: values.scenario, realBrokers: values['real-brokers'], reset: values.reset },
    (cloud) => go({ ...cloud.clientConfig(), ...settings }),
  );
}

async function list(settings: ClientSettings, output: 'table' | 'json', io: Io): Promise<number> {
  const secrets = await new RotationSetup(settings).list();
  if (output === 'json') {
    io.out(JSON.stringify(secrets, null, 2));
    return 0;
  }
  const day = (d?: Date) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');
  const width = Math.max(6, ...secrets.map((s) => s.name.length));
  io.out(
    `${cell('SECRET', width)}  ${cell('ROTATION', 8)}  ${cell('SCHEDULE', 22)}  ${cell('LAST', 16)}  NEXT`,
  );
  for (const s of secrets) {
    const state = s.rotating ? 'running' : s.rotationEnabled ? 'on' : 'off';
    io.out(
      `${cell(s.name, width)}  ${cell(state, 8)}  ${cell(s.schedule ?? '-', 22)}  ${cell(day(s.lastRotated), 16)}  ${day(s.nextRotation)}`,
    );
  }
  io.out(`\n${secrets.length} secret${secrets.length === 1 ? '' : 's'}.`);
  return 0;
}

function required(values: Values, name: 'broker' | 'user' | 'function'): string {
  const value = values[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

async function findBroker(inventory: MqBrokerInventory, nameOrId: string): Promise<Broker> {
  const refs = await inventory.list();
  const ref = refs.find((r) => r.id === nameOrId) ?? refs.find((r) => r.name === nameOrId);
  if (!ref) throw new BrokerNotFoundError(nameOrId);
  return inventory.describe(ref.id);
}

async function enable(
  values: Values,
  settings: ClientSettings,
  output: 'table' | 'json',
  io: Io,
): Promise<number> {
  const brokerArg = required(values, 'broker');
  const username = required(values, 'user');
  const rotationLambdaArn = required(values, 'function');
  if (!/^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(rotationLambdaArn))
    throw new UsageError(`--function must be a Lambda function ARN (got ${rotationLambdaArn})`);
  if (!values['password-stdin'])
    throw new UsageError('--password-stdin is required: pipe the current password in (it is never a flag)');
  const strategy = (values.strategy ?? 'single-user') as RotationStrategy;
  if (!ROTATION_STRATEGIES.includes(strategy))
    throw new UsageError(`--strategy must be ${ROTATION_STRATEGIES.join(' or ')} (got ${values.strategy})`);
  if (values['apply-now'] !== undefined && values['apply-now'] !== 'reboot')
    throw new UsageError(`--apply-now takes only reboot (got ${values['apply-now']})`);
  if (values['no-schedule'] && (values.schedule || values['rotate-now']))
    throw new UsageError('--no-schedule cannot go with --schedule or --rotate-now');
  // Checked before any call or any read of the password.
  let rules: ReturnType<typeof parseRotationSchedule> | undefined;
  try {
    rules = values['no-schedule'] ? undefined : parseRotationSchedule(values.schedule ?? 30, values.window);
    if (values['secret-name']) checkRotatedSecretName(values['secret-name']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const password = (await (io.stdin ?? readStdin)()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('no password on standard input');

  const broker = await findBroker(new MqBrokerInventory(settings), brokerArg);
  const engine = broker.engine === 'RABBITMQ' ? 'rabbitmq' : 'activemq';
  const { secret, text } = rotationSecretValue({
    engine,
    brokerId: broker.id,
    username,
    password,
    strategy,
    ...(values.masterarn ? { masterarn: values.masterarn } : {}),
    ...(values.vhost ? { vhost: values.vhost } : {}),
    ...(values['apply-now'] ? { applyNow: 'reboot' as const } : {}),
  });
  if (engine === 'activemq' && !broker.users.some((u) => u.username === username))
    throw new UsageError(`broker ${broker.name} has no ActiveMQ user ${username}`);

  if (!values['skip-login-check']) {
    const target: CredentialTarget =
      engine === 'rabbitmq'
        ? new RabbitCredentialTarget({ locate: describeBrokerLocator(settings) })
        : new ActiveMqCredentialTarget({ mq: settings });
    const works = await target.verify(secret, { username, password });
    if (!works)
      throw new UsageError(
        `the password given for ${username} does not log in to broker ${broker.name}: nothing was stored`,
      );
    io.err(`mqops: ${username} logs in to ${broker.name} with the password given`);
  }

  const name = values['secret-name'] ?? rotatedSecretName(broker.name, username);
  const result = await new RotationSetup(settings).enable({
    name,
    secretString: text,
    rotationLambdaArn,
    ...(rules ? { rules } : {}),
    rotateNow: values['rotate-now'] ?? false,
  });
  const summary = {
    secret: name,
    arn: result.arn,
    created: result.created,
    broker: broker.name,
    brokerId: broker.id,
    engine,
    username,
    strategy,
    rotationEnabled: result.rotationEnabled,
    ...(rules ? { schedule: rules.ScheduleExpression ?? `every ${rules.AutomaticallyAfterDays} days` } : {}),
    ...(result.rotationVersion ? { rotationVersion: result.rotationVersion } : {}),
  };
  if (output === 'json') io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(
      `${result.created ? 'Created' : 'Found'} secret ${name} for ${engine} user ${username} of ${broker.name}.`,
    );
    io.out(
      result.rotationEnabled && rules
        ? `Rotation on: ${summary.schedule}, ${strategy}${result.rotationVersion ? '; the first rotation has started' : ''}.`
        : 'Rotation not turned on (add it to mqops.config.json "rotations" or run again without --no-schedule).',
    );
    if (engine === 'activemq')
      io.out(
        'ActiveMQ user changes go live at the next reboot or maintenance window; until then the rotation waits ' +
          '(AWSCURRENT keeps working).',
      );
  }
  return 0;
}
