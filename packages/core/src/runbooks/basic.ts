import { advancePlan, type CapacityPlan, isTerminal, planKey } from '../capacity/plan';
import { casItem } from '../kv';
import { BROKER_ID, brokerRefSchema, MAX_SECRET_ID_LENGTH, MQ_BROKER_ID_CHARS } from '../limits';
import { selectBrokers } from '../ports';
import * as v from '../schema';
import type { RunbookPorts } from './ports';
import { requirePort } from './run';
import type { RunbookDefinition } from './types';

/** Up to 100 brokers, each an id or a name within Amazon MQ's limits (limits.ts). */
const brokers = v.pipe(v.array(brokerRefSchema()), v.minLength(1), v.maxLength(100));

/** audit-now: the audit of one broker, several, or all, now (reports go to the configured channels). */
export const auditNow: RunbookDefinition<RunbookPorts, { brokers?: string[] }> = {
  name: 'audit-now',
  summary: 'audit one broker, several, or all now; findings go to Slack and SNS',
  usage: '{"brokers"?: ["name or b-…"]}',
  payload: v.strictObject({ brokers: v.optional(brokers) }),
  async run(payload, ctx, ports) {
    const audit = requirePort(ports.audit, 'audit-now', 'the audit');
    const scope = payload.brokers?.length ? `brokers ${payload.brokers.join(', ')}` : 'every broker';
    if (ctx.dryRun) {
      const inventory = requirePort(ports.inventory, 'audit-now', 'the broker inventory');
      const chosen = selectBrokers(await inventory.list(), payload.brokers);
      return {
        status: 'dry-run',
        summary: `would audit ${chosen.length} broker${chosen.length === 1 ? '' : 's'} (${scope}) and report to the configured channels`,
        details: { brokers: chosen.map((r) => r.name) },
        brokers: chosen.map((r) => r.id),
      };
    }
    const result = await audit.run(payload.brokers);
    const diff = result.new !== undefined ? ` (${result.new} new, ${result.fixed ?? 0} fixed)` : '';
    return {
      status: 'done',
      summary: `audited ${result.brokersAudited} broker${result.brokersAudited === 1 ? '' : 's'}: ${result.findings} findings${diff}; sent to ${result.notified.join(', ') || 'no channel'}`,
      details: { ...result },
    };
  },
};

/** rotate-now: start a rotation of one rotated secret now (Secrets Manager then drives the Rotate function). */
export const rotateNow: RunbookDefinition<RunbookPorts, { secretId: string }> = {
  name: 'rotate-now',
  summary: 'rotate one broker credential secret now through Secrets Manager',
  usage: '{"secretId": "mqops/… or its ARN"}',
  payload: v.strictObject({
    secretId: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_SECRET_ID_LENGTH)),
  }),
  async run(payload, ctx, ports) {
    const rotation = requirePort(ports.rotation, 'rotate-now', 'Secrets Manager');
    const status = await rotation.status(payload.secretId);
    const details = { ...status };
    if (!status.rotationEnabled || !status.rotationLambdaArn)
      return {
        status: 'refused',
        summary: `secret ${status.name} has no rotation configured: turn it on with \`mqops rotation enable\` first`,
        details,
      };
    if (status.rotating)
      return {
        status: 'refused',
        summary: `a rotation of ${status.name} is already under way (a version is AWSPENDING); it finishes or retries on its own`,
        details,
      };
    if (ctx.dryRun)
      return {
        status: 'dry-run',
        summary: `would rotate ${status.name} now with ${status.rotationLambdaArn} (last rotated ${status.lastRotated ?? 'never'})`,
        details,
      };
    const { versionId } = await rotation.rotateNow(status.arn);
    return {
      status: 'started',
      summary: `rotation of ${status.name} started${versionId ? ` (version ${versionId})` : ''}; Secrets Manager runs its four steps and mqops reports the result`,
      details: { ...details, versionId },
      continues: { kind: 'secrets-manager-rotation', key: status.arn },
    };
  },
};

/** How long a resize-now may take to start outside the maintenance window. */
const IMMEDIATE_MINUTES = 60;

/**
 * resize-now: apply a broker's planned resize now instead of in its maintenance window, with every other guard
 * (no alarm in ALARM, RUNNING, no surprise pending change, the downtime policy); the resize tick finishes it.
 */
export const resizeNow: RunbookDefinition<RunbookPorts, { brokerId: string }> = {
  name: 'resize-now',
  summary: "apply a broker's planned resize now, outside its maintenance window, with the same guards",
  usage: '{"brokerId": "b-…"}',
  payload: v.strictObject({
    brokerId: v.pipe(
      v.string(),
      v.maxLength(MQ_BROKER_ID_CHARS),
      v.regex(BROKER_ID, 'a broker id (b-…), not a name'),
    ),
  }),
  async run(payload, ctx, ports) {
    const deps = requirePort(ports.plans, 'resize-now', 'the capacity plans');
    const stored = await ctx.store.get<CapacityPlan>(planKey(payload.brokerId));
    const plan = stored?.value;
    if (!plan || isTerminal(plan.state))
      return {
        status: 'refused',
        summary: `broker ${payload.brokerId} has no open resize plan: accept one first (\`mqops rightsize --accept\`)`,
        details: plan ? { state: plan.state, outcome: plan.outcome } : {},
        brokers: [payload.brokerId],
      };
    const at = ctx.now();
    if (ctx.dryRun)
      return {
        status: 'dry-run',
        summary: `would resize ${plan.brokerName} ${plan.from} → ${plan.to} now (state ${plan.state}), if no alarm is in ALARM and it is RUNNING`,
        details: {
          plan: { id: plan.id, state: plan.state, from: plan.from, to: plan.to, waiting: plan.waiting },
        },
        brokers: [plan.brokerId],
      };
    const immediate = {
      by: ctx.by,
      at: at.toISOString(),
      until: new Date(at.getTime() + IMMEDIATE_MINUTES * 60_000).toISOString(),
    };
    // Marked only over the plan as read here: a resize tick that moved it meanwhile refuses this run.
    const marked = await casItem<CapacityPlan, boolean>(
      ctx.store,
      planKey(plan.brokerId),
      (current) =>
        current?.version === stored.version
          ? { write: { ...plan, immediate }, result: true }
          : { keep: false },
      { initial: stored },
    );
    if (!marked)
      return {
        status: 'refused',
        summary: `the plan of ${plan.brokerName} changed while this ran (a resize tick moved it): run again`,
        details: {},
        brokers: [plan.brokerId],
      };
    const result = await advancePlan({ ...deps, store: ctx.store, now: ctx.now }, plan.brokerId);
    const now = result.plan;
    const applied = result.actions.some((a) => a.kind === 'update' || a.kind === 'reboot');
    return {
      status: applied ? 'started' : 'refused',
      summary: applied
        ? `resize of ${plan.brokerName} ${plan.from} → ${plan.to} started (${result.actions.map((a) => a.kind).join(', ')}); the resize tick verifies it and rolls back if the checks fail`
        : `resize of ${plan.brokerName} not started: ${now?.waiting ?? result.error ?? result.outcome}`,
      details: { state: now?.state, actions: result.actions.map((a) => a.kind), waiting: now?.waiting },
      brokers: [plan.brokerId],
      ...(applied ? { continues: { kind: 'resize', key: planKey(plan.brokerId) } } : {}),
    };
  },
};
