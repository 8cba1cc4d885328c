import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildTargets, enabledRegions } from '../../src/targets';

const ec2 = mockClient(EC2Client);
const base = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

describe('Function: buildTargets', () => {
  beforeEach(() => ec2.reset());

  it('audits the SDK region of the own account by default', async () => {
    const targets = await buildTargets({ accounts: [] }, base);
    expect(targets.map((t) => t.name)).toEqual(['self/us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(0);
  });

  it('makes one target per account and region, assuming a role for other accounts', async () => {
    const targets = await buildTargets(
      {
        regions: ['eu-west-1', 'us-east-1'],
        accounts: [{ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/mqops-audit' }],
      },
      base,
    );
    expect(targets.map((t) => t.name)).toEqual([
      'self/eu-west-1',
      'self/us-east-1',
      '210987654321/eu-west-1',
      '210987654321/us-east-1',
    ]);
    for (const t of targets) {
      expect(t.sources?.network).toBeDefined();
      expect(t.sources?.rabbit).toBeDefined();
    }
  });

  it('expands "all" to the regions enabled in the account', async () => {
    ec2.on(DescribeRegionsCommand, { AllRegions: false }).resolves({
      Regions: [{ RegionName: 'us-west-2' }, { RegionName: 'eu-central-1' }],
    });
    expect(await enabledRegions(base)).toEqual(['eu-central-1', 'us-west-2']);
    const targets = await buildTargets({ regions: 'all', accounts: [] }, base);
    expect(targets.map((t) => t.name)).toEqual(['self/eu-central-1', 'self/us-west-2']);
  });
});
