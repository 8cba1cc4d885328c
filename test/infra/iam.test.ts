import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHECKS, requiredActions } from '@mqops/core';
import { ALARM_NAME_PREFIX } from '@mqops/core/alarms/desired';
import { describe, expect, it } from 'vitest';
import { deriveActions, type PermissionPlan, planPermissions } from '../../infra/iam';
import { ACTION_ACCESS, isWriteAction, WRITE_LEVELS } from '../../infra/iam-access';
import { stack } from '../../infra/index';
import type { FunctionSpec } from '../../infra/types';

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mqops-iam-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('Function: deriveActions', () => {
  it('follows relative and workspace imports and collects constructed commands and paginators', () => {
    const root = fixture({
      'functions/f.ts':
        "import { go } from './lib/go';\nimport { x } from '@mqops/aws/thing';\nexport const handler = () => go(x);",
      'functions/lib/go.ts':
        "import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nexport const go = (c: SNSClient) => c.send(new PublishCommand({}));",
      'packages/aws/src/thing.ts':
        "import { MqClient, paginateListBrokers, type DescribeBrokerCommand } from '@aws-sdk/client-mq';\nexport const x = (client: MqClient) => paginateListBrokers({ client }, {});",
    });
    const derived = deriveActions('functions/f.handler', root);
    expect(derived.actions).toEqual(['mq:ListBrokers', 'sns:Publish']);
    expect(derived.sources['sns:Publish']).toEqual(['functions/lib/go.ts']);
  });

  it('ignores type-only imports and commands that are imported but never constructed', () => {
    const root = fixture({
      'functions/f.ts':
        "import type { DeleteBrokerCommand } from '@aws-sdk/client-mq';\nimport { RebootBrokerCommand } from '@aws-sdk/client-mq';\nexport type T = RebootBrokerCommand | DeleteBrokerCommand;\nexport const handler = () => 1;",
    });
    expect(deriveActions('functions/f.handler', root).actions).toEqual([]);
  });

  it('maps operations whose IAM action has another name', () => {
    const root = fixture({
      'functions/f.ts':
        "import { ListObjectsV2Command, HeadObjectCommand } from '@aws-sdk/client-s3';\nexport const handler = (c: any) => [c.send(new ListObjectsV2Command({})), c.send(new HeadObjectCommand({}))];",
    });
    expect(deriveActions('functions/f.handler', root).actions).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('counts SDK helpers that call AWS, such as assuming a role', () => {
    const root = fixture({
      'functions/f.ts':
        "import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';\nexport const handler = () => fromTemporaryCredentials({ params: { RoleArn: 'r' } });",
    });
    expect(deriveActions('functions/f.handler', root).actions).toEqual(['sts:AssumeRole']);
  });

  it('fails clearly for a handler file that does not exist', () => {
    expect(() => deriveActions('functions/missing.handler', fixture({}))).toThrow(/handler source not found/);
  });
});

describe('Least privilege of the deployed functions', () => {
  it('every function reaches AWS only through the adapters package', () => {
    for (const fn of stack.functions) {
      for (const [action, files] of Object.entries(deriveActions(fn.handler).sources)) {
        for (const file of files) expect(file, `${fn.name}: ${action}`).toMatch(/^packages\/aws\/src\//);
      }
    }
  });

  it('the audit function may make every call its checks need', () => {
    const audit = stack.functions.find((f) => f.name === 'Audit');
    const granted = new Set(deriveActions(audit?.handler ?? '').actions);
    for (const check of CHECKS)
      for (const action of requiredActions(check))
        expect(granted, `${check.id}: ${action}`).toContain(action);
  });

  it('only the Resize function may change a broker; rightsizing and maintenance notices only read', () => {
    const actionsOf = (name: string) =>
      new Set(deriveActions(stack.functions.find((f) => f.name === name)?.handler ?? '').actions);
    const resize = actionsOf('Resize');
    for (const action of ['mq:UpdateBroker', 'mq:RebootBroker', 'cloudwatch:DescribeAlarms'])
      expect(resize, `Resize: ${action}`).toContain(action);
    for (const name of ['Rightsize', 'Maintenance']) {
      const actions = actionsOf(name);
      for (const action of ['mq:UpdateBroker', 'mq:RebootBroker', 'mq:CreateUser', 'mq:UpdateUser'])
        expect(actions, `${name} must not have ${action}`).not.toContain(action);
    }
    const rightsize = actionsOf('Rightsize');
    for (const action of ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'pricing:GetProducts'])
      expect(rightsize, `Rightsize: ${action}`).toContain(action);
    // Nothing but the resize tick reads a secret (its post-check logs in), and only mqops/ ones.
    const resizeSpec = stack.functions.find((f) => f.name === 'Resize');
    expect(resizeSpec?.scopes?.['secretsmanager:GetSecretValue']).toEqual([
      { literal: 'arn:aws:secretsmanager:*:*:secret:mqops/*' },
    ]);
    expect(rightsize).not.toContain('secretsmanager:GetSecretValue');
  });

  it('every data action on a resource of the stack is scoped to it', () => {
    const dataActions =
      /^(sns:Publish|dynamodb:|s3:GetObject|s3:PutObject|secretsmanager:(GetSecretValue|PutSecretValue|UpdateSecretVersionStage|DescribeSecret))/;
    for (const fn of stack.functions) {
      for (const action of deriveActions(fn.handler).actions) {
        if (dataActions.test(action))
          expect(fn.scopes?.[action], `${fn.name}: ${action} is not scoped`).toBeDefined();
      }
    }
  });
});

/** The functions' write actions (Write, Permissions management, Tagging) granted on `*` without a condition. */
function writesOnStar(plan: PermissionPlan): string[] {
  return plan.statements
    .filter((s) => !s.condition && s.resources.some((r) => 'literal' in r && r.literal === '*'))
    .flatMap((s) => s.actions.filter(isWriteAction));
}

const spec = (name: string): FunctionSpec => {
  const found = stack.functions.find((f) => f.name === name);
  if (!found) throw new Error(`no function ${name}`);
  return found;
};

const statementsOf = (plan: PermissionPlan, action: string) =>
  plan.statements.filter((s) => s.actions.includes(action));

describe('IAM scoped to what the code owns', () => {
  it('knows the access level and resource types of every action the code derives (infra/iam-access.ts)', () => {
    // prepare / act
    const missing = stack.functions.flatMap((fn) =>
      deriveActions(fn.handler)
        .actions.filter((a) => !ACTION_ACCESS[a])
        .map((a) => `${fn.name}: ${a}`),
    );
    // assess: a new SDK call forces a decision here.
    expect(missing).toEqual([]);
    // Calls the parallel work adds (safe-reboot alarm tags, rotation's early DescribeSecret) are already known.
    for (const action of ['cloudwatch:ListTagsForResource', 'secretsmanager:DescribeSecret'])
      expect(ACTION_ACCESS[action], action).toBeDefined();
  });

  it('grants no write action (Write, Permissions management, Tagging) on * in any function', () => {
    for (const fn of stack.functions) {
      const plan = planPermissions(fn);
      expect(plan.problems, fn.name).toEqual([]);
      expect(writesOnStar(plan), fn.name).toEqual([]);
      // Every write is granted somewhere, on named resources only.
      for (const action of deriveActions(fn.handler).actions.filter(isWriteAction)) {
        const statements = statementsOf(plan, action);
        expect(statements.length, `${fn.name}: ${action}`).toBeGreaterThan(0);
        for (const s of statements)
          expect(s.resources, `${fn.name}: ${action}`).not.toContainEqual({ literal: '*' });
      }
    }
  });

  it('leaves on * only actions AWS allows nowhere narrower, each with its reason', () => {
    const onStar = new Set<string>();
    for (const fn of stack.functions) {
      const plan = planPermissions(fn);
      for (const s of plan.statements.filter((x) =>
        x.resources.some((r) => 'literal' in r && r.literal === '*'),
      )) {
        for (const action of s.actions) {
          onStar.add(action);
          const access = ACTION_ACCESS[action];
          expect(access?.wildcard, `${fn.name}: ${action}`).toBeDefined();
          expect(plan.wildcards[action]).toBe(access?.wildcard);
          expect(WRITE_LEVELS).not.toContain(access?.level);
          // No required resource type: the reference's own words; otherwise AWS's documented reason.
          if (!access?.resourceTypes.some((t) => t.endsWith('*')))
            expect(access?.wildcard, action).toMatch(/supports no resource type/);
        }
      }
    }
    expect([...onStar]).toEqual(expect.arrayContaining(['mq:ListBrokers', 'secretsmanager:ListSecrets']));
    // Reads of a type that has resources are granted on that type, not on *.
    expect(onStar).not.toContain('mq:DescribeBroker');
    expect(onStar).not.toContain('secretsmanager:GetSecretValue');
  });

  it('fails when a write goes back on *: cloudwatch:PutMetricAlarm of the Alarms function', () => {
    // prepare: the Alarms function as it was (PutMetricAlarm unscoped), and scoped to * by hand.
    const alarms = spec('Alarms');
    const { 'cloudwatch:PutMetricAlarm': _dropped, ...others } = alarms.scopes ?? {};
    const unscoped = planPermissions({ ...alarms, scopes: others });
    const onStar = planPermissions({
      ...alarms,
      scopes: { ...alarms.scopes, 'cloudwatch:PutMetricAlarm': [{ literal: '*' }] },
    });
    // assess
    expect(unscoped.problems).toEqual([
      expect.stringMatching(/Alarms: cloudwatch:PutMetricAlarm \(Write\) needs a scope/),
    ]);
    expect(onStar.problems).toEqual([
      expect.stringMatching(/cloudwatch:PutMetricAlarm \(Write\) is scoped to \*/),
    ]);
    expect(writesOnStar(onStar)).toEqual(['cloudwatch:PutMetricAlarm']);
  });

  it('lets the Alarms function change only the alarms it owns (mqops-…)', () => {
    const plan = planPermissions(spec('Alarms'));
    for (const action of ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource']) {
      expect(
        statementsOf(plan, action).map((s) => s.resources),
        action,
      ).toEqual([[{ literal: `arn:aws:cloudwatch:*:*:alarm:${ALARM_NAME_PREFIX}*` }]]);
    }
  });

  it('lets the audit read only the broker secrets tagged for it, and import only its own findings', () => {
    const plan = planPermissions(spec('Audit'));
    expect(statementsOf(plan, 'secretsmanager:GetSecretValue')).toEqual([
      {
        actions: ['secretsmanager:GetSecretValue'],
        resources: [{ literal: 'arn:aws:secretsmanager:*:*:secret:*' }],
        condition: {
          StringLike: { 'aws:ResourceTag/mqops:broker': '*' },
          StringEquals: { 'aws:ResourceTag/mqops:role': 'audit' },
        },
      },
    ]);
    // Findings are imported by the SecurityHub function the audit hands them to (and may invoke no other).
    expect(statementsOf(plan, 'securityhub:BatchImportFindings')).toEqual([]);
    expect(statementsOf(plan, 'lambda:InvokeFunction')[0]?.resources).toEqual([
      { ref: 'SecurityHub', attribute: 'arn' },
    ]);
    const securityHub = planPermissions(spec('SecurityHub'));
    expect(statementsOf(securityHub, 'securityhub:BatchImportFindings')[0]?.resources).toEqual([
      { literal: 'arn:aws:securityhub:*:*:product/*/default' },
    ]);
    for (const action of ['s3:GetObject', 's3:DeleteObject'])
      expect(statementsOf(securityHub, action)[0]?.resources, action).toEqual([
        { ref: 'AuditState', attribute: 'arn', suffix: '/mqops/securityhub/*' },
      ]);
    // The Runbook reads mqops' rotated secrets by name, and the audit secret by tag: two statements.
    const runbook = statementsOf(planPermissions(spec('Runbook')), 'secretsmanager:GetSecretValue');
    expect(runbook.map((s) => [s.resources, s.condition ?? null])).toEqual([
      [[{ literal: 'arn:aws:secretsmanager:*:*:secret:mqops/*' }], null],
      [
        [{ literal: 'arn:aws:secretsmanager:*:*:secret:*' }],
        expect.objectContaining({ StringEquals: expect.anything() }),
      ],
    ]);
  });

  it('grants broker changes (Resize, Runbook, Rotate) on broker ARNs only', () => {
    for (const fn of stack.functions) {
      const plan = planPermissions(fn);
      for (const action of ['mq:UpdateBroker', 'mq:RebootBroker', 'mq:CreateUser', 'mq:UpdateUser']) {
        for (const s of statementsOf(plan, action))
          expect(s.resources, `${fn.name}: ${action}`).toEqual([{ literal: 'arn:aws:mq:*:*:broker:*' }]);
      }
    }
    expect(statementsOf(planPermissions(spec('Rotate')), 'mq:RebootBroker')).toHaveLength(1);
  });
});

describe('Function: planPermissions', () => {
  const fixtureFunction = (scopes?: FunctionSpec['scopes']): { fn: FunctionSpec; root: string } => ({
    root: fixture({
      'functions/f.ts': [
        "import { MqClient, DescribeBrokerCommand, RebootBrokerCommand, paginateListBrokers } from '@aws-sdk/client-mq';",
        "import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';",
        'export const handler = (c: any) => [new DescribeBrokerCommand({}), new RebootBrokerCommand({}), new GetSecretValueCommand({}), paginateListBrokers({ client: c }, {})];',
      ].join('\n'),
    }),
    fn: {
      name: 'F',
      handler: 'functions/f.handler',
      description: '',
      timeout: 1,
      memory: 128,
      environment: {},
      triggers: [],
      ...(scopes ? { scopes } : {}),
    },
  });

  it('grants scoped actions with their conditions, metadata reads on their type and the rest on * with its reason', () => {
    // prepare
    const secret = {
      resources: [{ literal: 'arn:aws:secretsmanager:*:*:secret:*' }],
      condition: { StringLike: { 'secretsmanager:ResourceTag/team': ['a', 'b'] } },
    };
    const { fn, root } = fixtureFunction({
      'mq:RebootBroker': [{ literal: 'arn:aws:mq:*:*:broker:*' }],
      'secretsmanager:GetSecretValue': secret,
    });
    // act
    const plan = planPermissions(fn, root);
    // assess: DescribeBroker and RebootBroker share their resources, so one statement.
    expect(plan.problems).toEqual([]);
    expect(plan.statements).toEqual([
      { actions: ['mq:ListBrokers'], resources: [{ literal: '*' }] },
      {
        actions: ['mq:DescribeBroker', 'mq:RebootBroker'],
        resources: [{ literal: 'arn:aws:mq:*:*:broker:*' }],
      },
      { actions: ['secretsmanager:GetSecretValue'], ...secret },
    ]);
    expect(plan.wildcards).toEqual({ 'mq:ListBrokers': 'supports no resource type: only *' });
  });

  it('refuses a write or a secret read without a scope, and an action it does not know', () => {
    // prepare
    const { fn, root } = fixtureFunction();
    const unknown = fixture({
      'functions/f.ts':
        "import { MqClient, DeleteBrokerCommand } from '@aws-sdk/client-mq';\nexport const handler = () => new DeleteBrokerCommand({});",
    });
    // act / assess
    expect(planPermissions(fn, root).problems).toEqual([
      expect.stringMatching(/F: mq:RebootBroker \(Write\) needs a scope/),
      expect.stringMatching(/F: secretsmanager:GetSecretValue \(Read\) needs a scope/),
    ]);
    expect(planPermissions(fn, unknown).problems).toEqual([
      expect.stringMatching(/F: mq:DeleteBroker is not in infra\/iam-access\.ts/),
    ]);
  });
});
