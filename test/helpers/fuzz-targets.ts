/**
 * The handlers the fuzz covers (test/unit/fuzz-handlers.test.ts, bench/fuzz.ts), each with its parse, the valid events of
 * AWS's shapes its hostile events are made from, and the calls its IAM policy allows. Loaded on demand: a test file
 * imports only its handler.
 */
import {
  alarmFixture,
  allowedCommands,
  BROKER_ID,
  cloudTrailEvent,
  type FuzzTarget,
  fuzzEvents,
  SCHEDULED,
} from './fuzz';

const BROKER_ARN = `arn:aws:mq:us-east-1:123456789012:broker:orders-prod:${BROKER_ID}`;

/** Valid events of the Audit function. */
const AUDIT_EVENTS = [
  SCHEDULED,
  cloudTrailEvent('UpdateBroker'),
  cloudTrailEvent('CreateBroker', {
    requestParameters: { brokerName: 'orders-prod' },
    responseElements: { brokerId: BROKER_ID },
  }),
  cloudTrailEvent('CreateTags', {
    requestParameters: { resourceArn: BROKER_ARN, tags: { team: 'payments' } },
  }),
  cloudTrailEvent('UpdateConfiguration', {
    requestParameters: { configurationId: 'c-1234a5b6-78cd-901e-2fab-3c45d6e178f9', data: 'PGJyb2tlcj4=' },
  }),
  cloudTrailEvent(
    'AuthorizeSecurityGroupIngress',
    { requestParameters: { groupId: 'sg-0a1b2c3d4e5f60001' } },
    'aws.ec2',
  ),
  { brokerIds: [BROKER_ID, 'orders-prod'] },
  {},
];

/** Valid events of the Alarms function. */
const ALARMS_EVENTS = [
  SCHEDULED,
  cloudTrailEvent('CreateBroker'),
  cloudTrailEvent('CreateTags', { requestParameters: { resourceArn: BROKER_ARN } }),
  { dryRun: true },
  {},
];

/** Valid events of the capacity functions (Rightsize, Resize, Maintenance, RunbookTick). */
const CAPACITY_EVENTS = [SCHEDULED, { brokers: [BROKER_ID, 'orders-prod'] }, {}];

/** Valid requests of the Runbook function: every runbook, dry run and execute. */
const RUNBOOK_EVENTS = [
  {
    runbook: 'audit-now',
    payload: { brokers: ['orders-prod', BROKER_ID] },
    by: 'arn:aws:iam::123456789012:user/ops',
  },
  { runbook: 'rotate-now', payload: { secretId: 'mqops/orders-prod/app' }, execute: true },
  { runbook: 'resize-now', payload: { brokerId: BROKER_ID }, execute: false },
  { runbook: 'safe-reboot', payload: { brokerId: BROKER_ID, allowDowntime: true }, execute: false },
  {
    runbook: 'backup-config',
    payload: { brokers: ['orders-prod'], includePasswordHashes: false, revisions: 5 },
  },
  {
    runbook: 'restore-config',
    payload: { brokerId: 'orders-prod', key: 'backups/orders-prod/2026-11-25T12:00:00.000Z.json' },
  },
];

/** Valid alarm events of the Alerts function: EventBridge and SNS, ActiveMQ and RabbitMQ. */
const ALERT_EVENTS = [
  'eventbridge-activemq-heap.json',
  'eventbridge-single-metric.json',
  'eventbridge-metric-math.json',
  'sns-single-metric.json',
  'sns-eventbridge-envelope.json',
  'sns-rabbitmq-memory-node.json',
].map(alarmFixture);

/** A handler module: the deployed `handler`. */
type HandlerModule = { handler: FuzzTarget['handler'] };

const target = (
  name: string,
  handler: FuzzTarget['handler'],
  parse: FuzzTarget['parse'],
  bases: readonly unknown[],
): FuzzTarget => ({
  name,
  handler,
  parse,
  events: fuzzEvents(bases),
  allowed: allowedCommands(`functions/${name}.ts`),
});

/** Every handler the fuzz covers, by function name. */
export const FUZZ_TARGETS: Record<string, () => Promise<FuzzTarget>> = {
  audit: async () => {
    const [{ handler }, { parseAuditEvent }] = await Promise.all([
      import('../../functions/audit') as Promise<HandlerModule>,
      import('@mqops/core/events'),
    ]);
    return target('audit', handler, parseAuditEvent, AUDIT_EVENTS);
  },
  alarms: async () => {
    const [{ handler }, { parseAlarmsEvent }] = await Promise.all([
      import('../../functions/alarms') as Promise<HandlerModule>,
      import('@mqops/core/alarms/trigger'),
    ]);
    return target('alarms', handler, parseAlarmsEvent, ALARMS_EVENTS);
  },
  ...Object.fromEntries(
    (['rightsize', 'resize', 'maintenance', 'runbook-tick'] as const).map((name) => [
      name,
      async () => {
        const [{ handler }, { parseCapacityEvent }] = await Promise.all([
          import(`../../functions/${name}.ts`) as Promise<HandlerModule>,
          import('@mqops/core/capacity/events'),
        ]);
        return target(name, handler, parseCapacityEvent, CAPACITY_EVENTS);
      },
    ]),
  ),
  watch: async () => {
    const [{ handler }, { parseWatchEvent }] = await Promise.all([
      import('../../functions/watch') as Promise<HandlerModule>,
      import('@mqops/core/watch/event'),
    ]);
    return target('watch', handler, parseWatchEvent, [SCHEDULED]);
  },
  runbook: async () => {
    const [{ handler }, { parseRunbookRequest }, { RUNBOOKS }] = await Promise.all([
      import('../../functions/runbook') as Promise<HandlerModule>,
      import('@mqops/core/runbooks/run'),
      import('@mqops/core/runbooks/index'),
    ]);
    return target('runbook', handler, (event) => parseRunbookRequest(event, RUNBOOKS), RUNBOOK_EVENTS);
  },
  alerts: async () => {
    const [{ handler }, { parseAlarmEvent }] = await Promise.all([
      import('../../functions/alerts') as Promise<HandlerModule>,
      import('@mqops/core/alerts/events'),
    ]);
    return {
      ...target('alerts', handler, (event) => parseAlarmEvent(event, { now: new Date() }), ALERT_EVENTS),
    };
  },
  'alert-flush': async () => {
    const [{ handler }, { parseScheduledEvent }] = await Promise.all([
      import('../../functions/alert-flush') as Promise<HandlerModule>,
      import('@mqops/core/events'),
    ]);
    return target('alert-flush', handler, parseScheduledEvent, [SCHEDULED, {}]);
  },
};
