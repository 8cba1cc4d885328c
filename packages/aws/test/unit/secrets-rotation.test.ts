import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsRotationStore } from '../../src/secrets-rotation';

const sm = mockClient(SecretsManagerClient);
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

describe('Function: SecretsRotationStore', () => {
  beforeEach(() => sm.reset());

  it('describes rotation and stages, with RotationEnabled absent read as false', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: 'arn:s', VersionIdsToStages: { v1: ['AWSCURRENT'] } });
    await expect(new SecretsRotationStore(new SecretsManagerClient({})).describe('s')).resolves.toEqual({
      arn: 'arn:s',
      rotationEnabled: false,
      versions: { v1: ['AWSCURRENT'] },
      tags: {},
    });
  });

  it('describes the tags as key → value', async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: 'arn:s',
      RotationEnabled: true,
      Tags: [{ Key: 'mqops:broker', Value: 'b-1' }, { Key: 'empty' }, { Value: 'no key' }],
    });
    const described = await new SecretsRotationStore(new SecretsManagerClient({})).describe('s');
    expect(described?.tags).toEqual({ 'mqops:broker': 'b-1', empty: '' });
  });

  it('describes a secret that does not exist as undefined, and names any other failure', async () => {
    const store = new SecretsRotationStore(new SecretsManagerClient({}));
    sm.on(DescribeSecretCommand).rejects(notFound());
    await expect(store.describe('mqops/gone')).resolves.toBeUndefined();
    sm.on(DescribeSecretCommand).rejects(new Error('Rate exceeded'));
    await expect(store.describe('mqops/x')).rejects.toThrow(
      /DescribeSecret of mqops\/x failed: Error: Rate exceeded/,
    );
  });

  it('stores the pending value under the token, passing the RotationToken on', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    await new SecretsRotationStore(new SecretsManagerClient({})).putPending('s', 'tok', '{}', 'rt');
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 's',
      ClientRequestToken: 'tok',
      SecretString: '{}',
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rt',
    });
  });

  it('reads a missing pending version as undefined, a missing AWSCURRENT as an error', async () => {
    sm.on(GetSecretValueCommand).rejects(notFound());
    const store = new SecretsRotationStore(new SecretsManagerClient({}));
    await expect(store.getValue('s', { versionId: 'tok', stage: 'AWSPENDING' })).resolves.toBeUndefined();
    await expect(store.getValue('s', { stage: 'AWSCURRENT' })).rejects.toThrow(/GetSecretValue of s failed/);
  });

  it('moves AWSCURRENT from the current version to the token', async () => {
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await new SecretsRotationStore(new SecretsManagerClient({})).moveCurrent('s', 'tok', 'v1');
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]?.args[0].input).toEqual({
      SecretId: 's',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'tok',
      RemoveFromVersionId: 'v1',
    });
  });
});
