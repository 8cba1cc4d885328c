import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHECKS, requiredActions } from '@mqops/core';
import { describe, expect, it } from 'vitest';
import { deriveActions } from '../../infra/iam';
import { stack } from '../../infra/index';

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
    // GetSecretValue is left out: the audit reads the broker secrets the user tagged, whatever their names (see
    // secrets-credentials.ts); the functions that read mqops' own secrets are checked above.
    const dataActions =
      /^(sns:Publish|dynamodb:|s3:GetObject|s3:PutObject|secretsmanager:(PutSecretValue|UpdateSecretVersionStage|DescribeSecret))/;
    for (const fn of stack.functions) {
      for (const action of deriveActions(fn.handler).actions) {
        if (dataActions.test(action))
          expect(fn.scopes?.[action], `${fn.name}: ${action} is not scoped`).toBeDefined();
      }
    }
  });
});
