import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit';
import { type AuditState, diffFindings } from '../../src/state';

const arn = (id: string) => `arn:aws:mq:us-east-1:123456789012:broker:${id}-name:${id}`;

function finding(check: string, broker: string, status: Finding['status'] = 'FAIL'): Finding {
  return {
    fingerprint: `${check}/${arn(broker)}`,
    checkId: check,
    title: 't',
    severity: 'HIGH',
    status,
    message: `${check} on ${broker}`,
    remediation: 'r',
    broker: {
      id: broker,
      name: `${broker}-name`,
      arn: arn(broker),
      region: 'us-east-1',
      accountId: '123456789012',
      engine: 'ACTIVEMQ',
    },
  };
}

const t0 = new Date('2026-11-20T00:00:00Z');
const t1 = new Date('2026-11-21T00:00:00Z');

function stateWith(...fs: Finding[]): AuditState {
  return diffFindings(undefined, fs, { audited: new Set(fs.map((f) => f.broker.arn)) }, t0).next;
}

describe('Function: diffFindings', () => {
  it('calls everything new on the first run', () => {
    const { diff, next } = diffFindings(
      undefined,
      [finding('a', 'b-1')],
      { audited: new Set([arn('b-1')]) },
      t0,
    );
    expect(diff.new.map((f) => f.checkId)).toEqual(['a']);
    expect(diff.fixed).toEqual([]);
    expect(Object.values(next.open)[0]).toMatchObject({
      firstSeen: t0.toISOString(),
      lastSeen: t0.toISOString(),
    });
  });

  it('tells new, still open and fixed apart, keeping firstSeen', () => {
    const before = stateWith(finding('a', 'b-1'), finding('b', 'b-1'));
    const { diff, next } = diffFindings(
      before,
      [finding('a', 'b-1'), finding('b', 'b-1', 'PASS'), finding('c', 'b-1')],
      { audited: new Set([arn('b-1')]) },
      t1,
    );
    expect(diff.new.map((f) => f.checkId)).toEqual(['c']);
    expect(diff.stillOpen.map((f) => f.checkId)).toEqual(['a']);
    expect(diff.fixed.map((f) => [f.checkId, f.reason])).toEqual([['b', 'passed']]);
    expect(next.open[`a/${arn('b-1')}`]?.firstSeen).toBe(t0.toISOString());
    expect(next.open[`a/${arn('b-1')}`]?.lastSeen).toBe(t1.toISOString());
  });

  it('leaves brokers that were not audited alone', () => {
    const before = stateWith(finding('a', 'b-1'), finding('a', 'b-2'));
    const { diff, next } = diffFindings(
      before,
      [finding('a', 'b-1', 'PASS')],
      { audited: new Set([arn('b-1')]) },
      t1,
    );
    expect(diff.fixed.map((f) => f.brokerArn)).toEqual([arn('b-1')]);
    expect(Object.keys(next.open)).toEqual([`a/${arn('b-2')}`]);
    expect(diff.notEvaluated).toEqual([]);
  });

  it('resolves findings of a broker that is gone from a complete listing', () => {
    const before = stateWith(finding('a', 'b-1'), finding('a', 'b-2'));
    const { diff } = diffFindings(
      before,
      [],
      { audited: new Set(), listings: [{ target: 'self/us-east-1', ids: ['b-2'] }] },
      t1,
    );
    expect(diff.gone).toEqual([expect.objectContaining({ brokerArn: arn('b-1'), reason: 'broker-gone' })]);
    expect(diff.fixed).toEqual([]);
  });

  it('keeps a finding open while its check cannot run', () => {
    const before = stateWith(finding('a', 'b-1'));
    const { diff, next } = diffFindings(
      before,
      [finding('a', 'b-1', 'UNKNOWN')],
      { audited: new Set([arn('b-1')]) },
      t1,
    );
    expect(diff.fixed).toEqual([]);
    expect(Object.keys(next.open)).toHaveLength(1);
  });

  it('does not count a suppressed finding as open', () => {
    const suppressed = {
      ...finding('a', 'b-1'),
      suppressed: { reason: 'r', expires: '2099-01-01', source: 'config' as const },
    };
    const { diff, next } = diffFindings(undefined, [suppressed], { audited: new Set([arn('b-1')]) }, t0);
    expect(diff.new).toEqual([]);
    expect(next.open).toEqual({});
  });
});
