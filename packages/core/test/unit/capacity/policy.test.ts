import { describe, expect, it } from 'vitest';
import {
  autoApplyActions,
  DEFAULT_CAPACITY_POLICY,
  isProductionBroker,
  parseCapacityPolicy,
  seriesLength,
} from '../../../src/capacity/policy';
import { InvalidInputError } from '../../../src/errors';

describe('Function: parseCapacityPolicy', () => {
  it('answers the defaults for nothing', () => {
    expect(parseCapacityPolicy(undefined)).toEqual(DEFAULT_CAPACITY_POLICY);
    expect(parseCapacityPolicy({})).toEqual(DEFAULT_CAPACITY_POLICY);
  });

  it('documents its defaults', () => {
    expect(DEFAULT_CAPACITY_POLICY).toMatchObject({
      lookbackDays: 14,
      periodSeconds: 7_200,
      minCoverage: 0.8,
      upsize: { cpu: 70, memory: 70, heap: 70, store: 70, connections: 80 },
      downsizeTarget: 50,
      allowDowntime: false,
      autoApply: { tagKey: 'mqops:rightsize', tagValue: 'auto' },
    });
    // 500 queries of one series each stay within one GetMetricData call (100,800 datapoints).
    expect(seriesLength(DEFAULT_CAPACITY_POLICY) * 500).toBeLessThanOrEqual(100_800);
  });

  it('merges nested settings over the defaults', () => {
    const policy = parseCapacityPolicy({
      upsize: { cpu: 80 },
      apply: { leadMinutes: 20 },
      productionTags: { Env: ['PROD'] },
      allowDowntime: true,
    });
    expect(policy.upsize).toEqual({ ...DEFAULT_CAPACITY_POLICY.upsize, cpu: 80 });
    expect(policy.apply).toEqual({ ...DEFAULT_CAPACITY_POLICY.apply, leadMinutes: 20 });
    expect(policy.productionTags).toEqual({ env: ['prod'] });
    expect(policy.allowDowntime).toBe(true);
  });

  it.each([
    [{ lookbackDays: 0 }, 'lookbackDays'],
    [{ periodSeconds: 90 }, 'multiple of 60'],
    [{ minCoverage: 1.5 }, 'minCoverage'],
    [{ upsize: { cpu: 120 } }, 'upsize.cpu'],
    [{ upsize: { disk: 50 } }, 'upsize.disk: unknown field'],
    [{ lookbbackDays: 7 }, 'lookbbackDays: unknown field'],
    [{ downsizeTarget: 75 }, 'downsizeTarget: must be below every upsize threshold'],
    [{ lookbackDays: 1, periodSeconds: 86_400 }, 'too few for a p95'],
    [{ lookbackDays: 30, periodSeconds: 60 }, '15 days'],
    [{ autoApply: { actions: ['sideways'] } }, 'autoApply.actions'],
    [{ apply: { leadMinutes: 0 } }, 'apply.leadMinutes'],
  ])('refuses %j, naming %s', (input, fragment) => {
    expect(() => parseCapacityPolicy(input)).toThrow(InvalidInputError);
    expect(() => parseCapacityPolicy(input)).toThrow(fragment);
  });
});

describe('Function: isProductionBroker', () => {
  it.each([
    [{ env: 'production' }, true],
    [{ Env: 'PROD' }, true],
    [{ stage: 'prod' }, true],
    [{ env: 'staging' }, false],
    [{}, false],
  ])('tags %j → %s', (tags, expected) => {
    expect(isProductionBroker({ tags }, DEFAULT_CAPACITY_POLICY)).toBe(expected);
  });
});

describe('Function: autoApplyActions', () => {
  it.each([
    [{ 'mqops:rightsize': 'auto' }, ['upsize', 'downsize']],
    [{ 'MQOPS:RightSize': ' AUTO ' }, ['upsize', 'downsize']],
    [{ 'mqops:rightsize': 'off' }, []],
    [{}, []],
  ])('tags %j allow %j', (tags, expected) => {
    expect(autoApplyActions({ tags }, DEFAULT_CAPACITY_POLICY)).toEqual(expected);
  });

  it('follows the policy (upsizes only)', () => {
    const policy = parseCapacityPolicy({ autoApply: { tagValue: 'upsize', actions: ['upsize'] } });
    expect(autoApplyActions({ tags: { 'mqops:rightsize': 'upsize' } }, policy)).toEqual(['upsize']);
    expect(autoApplyActions({ tags: { 'mqops:rightsize': 'auto' } }, policy)).toEqual([]);
  });
});
