import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditReport, Finding } from '../../src/audit';
import { checkById } from '../../src/checks';
import type { Broker } from '../../src/model';
import type { BrokerInventory, Notifier } from '../../src/ports';
import { renderHtml } from '../../src/report/html';
import { renderMarkdown } from '../../src/report/markdown';
import { slackMessage } from '../../src/report/slack';
import { snsMessage } from '../../src/report/sns';
import { renderTable } from '../../src/report/table';
import { runAudit } from '../../src/run';
import { type AuditState, diffFindings, type StateStore } from '../../src/state';
import type { Suppression } from '../../src/suppressions';
import { makeBroker } from '../helpers/broker';

class MemoryStore implements StateStore {
  state: AuditState | undefined;
  async load() {
    return this.state && structuredClone(this.state);
  }
  async save(state: AuditState) {
    this.state = structuredClone(state);
  }
}

function fleet(brokers: Broker[], broken: string[] = []): BrokerInventory {
  return {
    list: async () => [
      ...brokers.map((b) => ({ id: b.id, name: b.name })),
      ...broken.map((id) => ({ id, name: id })),
    ],
    describe: async (id) => {
      if (broken.includes(id)) throw new Error(`AccessDenied: mq:DescribeBroker on ${id}`);
      const found = brokers.find((b) => b.id === id || b.name === id);
      if (!found) throw new Error(`no ${id}`);
      return found;
    },
  };
}

function recorder(channel: string): Notifier & { sent: AuditReport[] } {
  const sent: AuditReport[] = [];
  return { channel, sent, send: async (r) => void sent.push(structuredClone(r)) };
}

const checks = [checkById('mq-public-access')!];
const slackText = (report: AuditReport) => JSON.stringify(slackMessage(report));

describe('Finding lifecycle: suppress, then expire, over three audit runs', () => {
  it('reads new → suppressed → suppression expired, never fixed → new, in every format', async () => {
    let clock = new Date('2026-11-20T00:00:00Z');
    const now = () => clock;
    const store = new MemoryStore();
    const slack = recorder('slack');
    const broker = makeBroker({ publiclyAccessible: true });
    const suppressions: Suppression[] = [];
    const deps = { inventory: fleet([broker]), checks, store, notifiers: [slack], now, suppressions };

    // Run 1: failing, nothing suppresses it.
    const first = await runAudit(deps, { trigger: 'schedule' });
    expect(first.results[0]?.lifecycle).toBe('new');

    // Run 2: a suppression until 2026-11-30 hides it: suppressed, not fixed.
    suppressions.push({
      check: 'mq-public-access',
      broker: broker.name,
      reason: 'Partner VPN pending, OPS-42',
      expires: '2026-11-30',
      source: 'config',
    });
    clock = new Date('2026-11-25T00:00:00Z');
    const second = await runAudit(deps, { trigger: 'schedule' });
    expect(second.results[0]?.lifecycle).toBe('suppressed');
    expect(second.diff?.fixed).toEqual([]);
    expect(second.diff?.newlySuppressed.map((f) => f.checkId)).toEqual(['mq-public-access']);
    expect(store.state?.suppressed?.[second.results[0]!.fingerprint]?.suppression.reason).toBe(
      'Partner VPN pending, OPS-42',
    );
    const table2 = renderTable(second);
    expect(table2).toMatch(
      /suppressed: mq-public-access on \S+ until 2026-11-30 \(Partner VPN pending, OPS-42\); still failing/,
    );
    expect(table2).not.toMatch(/fixed: /);
    expect(renderMarkdown(second)).not.toContain('## Fixed since the last run');
    expect(renderMarkdown(second)).toContain('A suppressed finding still fails: it is hidden, not fixed.');
    const html2 = renderHtml(second);
    expect(html2).not.toContain('id="fixed"');
    expect(html2).toContain('id="suppressed"');
    expect(slackText(second)).toContain('Newly suppressed (1)');
    expect(slackText(second)).not.toContain('Fixed since');
    const sns2 = JSON.parse(snsMessage(second).message);
    expect(sns2.since.fixed).toEqual([]);
    expect(sns2.since.newlySuppressed).toEqual([
      expect.objectContaining({
        reason: 'Partner VPN pending, OPS-42',
        expires: '2026-11-30',
        source: 'config',
      }),
    ]);
    expect(JSON.parse(JSON.stringify(second)).results[0].lifecycle).toBe('suppressed');

    // Run 3: the suppression expired: the finding fires again as "suppression expired", not as new.
    clock = new Date('2026-12-01T00:00:00Z');
    const third = await runAudit(deps, { trigger: 'schedule' });
    expect(third.results[0]?.lifecycle).toBe('suppression-expired');
    expect(third.diff?.new).toEqual([]);
    expect(third.diff?.suppressionExpired.map((f) => f.checkId)).toEqual(['mq-public-access']);
    const table3 = renderTable(third);
    expect(table3).toMatch(/^! {2}HIGH|^! {2}\S+ {2}/m);
    expect(table3).toContain('! failing again: its suppression expired or was removed');
    expect(table3).not.toMatch(/^\+/m);
    expect(renderMarkdown(third)).toContain('**Suppression expired:** ');
    expect(renderMarkdown(third)).not.toContain('**New:**');
    expect(renderHtml(third)).toContain('<span class="new">SUPPRESSION EXPIRED</span>');
    expect(slackText(third)).toContain('Failing again, suppression expired (1)');
    expect(slackText(third)).not.toContain('New findings');
    const sns3 = JSON.parse(snsMessage(third).message);
    expect(sns3.findings[0]).toMatchObject({
      lifecycle: 'suppression-expired',
      state: 'suppression expired',
    });
    expect(sns3.since.new).toBe(0);
    expect(JSON.parse(JSON.stringify(third)).results[0].lifecycle).toBe('suppression-expired');

    // Every run that had something to say was sent; none of them claimed a fix.
    expect(slack.sent.map((r) => r.diff?.fixed.length)).toEqual([0, 0, 0]);
  });

  it('reads a suppressed finding that starts passing as fixed (it was evaluated and passed)', async () => {
    const store = new MemoryStore();
    const broker = makeBroker({ publiclyAccessible: true });
    const suppressions: Suppression[] = [
      {
        check: '*',
        broker: '*',
        reason: 'Accepted for the migration',
        expires: '2099-01-01',
        source: 'config',
      },
    ];
    const deps = {
      inventory: fleet([broker]),
      checks,
      store,
      suppressions,
      now: () => new Date('2026-11-20'),
    };
    await runAudit(deps, { trigger: 'schedule' });
    broker.publiclyAccessible = false;
    const report = await runAudit(deps, { trigger: 'schedule' });
    expect(report.diff?.fixed.map((f) => f.checkId)).toEqual(['mq-public-access']);
    expect(store.state?.suppressed).toEqual({});
  });
});

describe('A partial audit always speaks', () => {
  it('notifies a scheduled audit with nothing failing when a broker could not be read, naming it', async () => {
    const slack = recorder('slack');
    const sns = recorder('sns');
    const report = await runAudit(
      {
        inventory: fleet([makeBroker({ publiclyAccessible: false })], ['b-secret']),
        checks,
        notifiers: [slack, sns],
        now: () => new Date('2026-11-20'),
      },
      { trigger: 'schedule' },
    );
    expect(report.outcome.status).toBe('partial');
    expect(slack.sent).toHaveLength(1);
    expect(sns.sent).toHaveLength(1);
    const text = slackText(report);
    expect(text).toContain('mqops audit PARTIAL');
    expect(text).toContain('broker b-secret: not audited: AccessDenied: mq:DescribeBroker on b-secret');
    const body = JSON.parse(snsMessage(report).message);
    expect(snsMessage(report).subject).toMatch(/^mqops audit PARTIAL/);
    expect(body.outcome).toBe('partial');
    expect(body.notAudited).toEqual([expect.objectContaining({ broker: 'b-secret' })]);
  });

  it('notifies a failed audit (no broker read at all) with the reason', async () => {
    const slack = recorder('slack');
    const inventory: BrokerInventory = {
      list: async () => {
        throw new Error('ExpiredToken: the security token included in the request is expired');
      },
      describe: async () => {
        throw new Error('unreachable');
      },
    };
    const report = await runAudit({ inventory, checks, notifiers: [slack] }, { trigger: 'schedule' });
    expect(report.outcome.status).toBe('failed');
    expect(slack.sent).toHaveLength(1);
    expect(slackText(report)).toContain('mqops audit FAILED');
    expect(slackText(report)).toContain('ExpiredToken');
  });
});

// ---- Property: the diff over random histories ----

type Cell = 'PASS' | 'FAIL' | 'UNKNOWN' | 'absent' | 'unaudited';
type Sup = 'none' | 'active' | 'expired';
const BROKERS = ['b-1', 'b-2'];
const CHECKS = ['c-1', 'c-2'];
const arnOf = (id: string) => `arn:aws:mq:us-east-1:123456789012:broker:${id}:${id}`;

function resultOf(broker: string, check: string, cell: Cell, sup: Sup): Finding | undefined {
  if (cell === 'absent' || cell === 'unaudited') return undefined;
  const suppression = { reason: 'a reason here', expires: '2026-01-01', source: 'config' as const };
  return {
    fingerprint: `${check}/${arnOf(broker)}`,
    checkId: check,
    title: check,
    severity: 'HIGH',
    status: cell,
    message: `${check} ${cell}`,
    remediation: '',
    broker: {
      id: broker,
      name: broker,
      arn: arnOf(broker),
      region: 'us-east-1',
      accountId: '123456789012',
      engine: 'ACTIVEMQ',
    },
    ...(cell === 'FAIL' && sup === 'active' ? { suppressed: suppression } : {}),
    ...(cell === 'FAIL' && sup === 'expired' ? { suppressionExpired: suppression } : {}),
  };
}

const cellArb = fc.constantFrom<Cell>('PASS', 'FAIL', 'UNKNOWN', 'absent', 'unaudited');
const supArb = fc.constantFrom<Sup>('none', 'active', 'expired');
const runArb = fc.array(fc.tuple(cellArb, supArb), { minLength: 4, maxLength: 4 });

describe('Property: diffFindings over random histories', () => {
  it('never calls a finding fixed unless it was evaluated and passed, nor new after a suppression', () => {
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 1, maxLength: 8 }), (runs) => {
        let state: AuditState | undefined;
        // What each fingerprint was last remembered as: open or suppressed (or nothing).
        const remembered = new Map<string, 'open' | 'suppressed'>();
        runs.forEach((run, r) => {
          const at = new Date(Date.UTC(2026, 0, 1 + r));
          const cells = new Map<string, [Cell, Sup]>();
          const results: Finding[] = [];
          const audited = new Set<string>();
          BROKERS.forEach((b, i) => {
            CHECKS.forEach((c, j) => {
              const [cell, sup] = run[i * 2 + j]!;
              // A broker is unaudited as a whole when its first cell says so.
              const brokerCell =
                run[i * 2]![0] === 'unaudited' ? 'unaudited' : cell === 'unaudited' ? 'absent' : cell;
              cells.set(`${c}/${arnOf(b)}`, [brokerCell, sup]);
              const result = resultOf(b, c, brokerCell, sup);
              if (result) results.push(result);
              if (brokerCell !== 'unaudited') audited.add(arnOf(b));
            });
          });
          const { diff, next } = diffFindings(state, results, { audited, fleet: true }, at);
          const ids = (list: { fingerprint: string }[]) => list.map((f) => f.fingerprint);

          for (const fp of ids(diff.fixed)) {
            // Fixed only when the check ran and passed, and it was remembered.
            expect(cells.get(fp)?.[0]).toBe('PASS');
            expect(remembered.has(fp)).toBe(true);
          }
          for (const fp of ids(diff.new)) {
            // New only when nothing was remembered of it (never after a suppression or while open).
            expect(remembered.has(fp)).toBe(false);
          }
          for (const fp of ids(diff.suppressionExpired)) {
            const [cell, sup] = cells.get(fp)!;
            expect(cell).toBe('FAIL');
            expect(remembered.get(fp) === 'suppressed' || sup === 'expired').toBe(true);
          }
          // Every failing finding is in exactly one of new, still open, suppressed, suppression expired.
          const failingNow = results.filter((f) => f.status === 'FAIL').map((f) => f.fingerprint);
          const placed = [
            ...ids(diff.new),
            ...ids(diff.stillOpen),
            ...ids(diff.suppressed),
            ...ids(diff.suppressionExpired),
          ];
          expect([...placed].sort()).toEqual([...failingNow].sort());
          // A remembered finding leaves the state only as fixed (or gone, which a fleet run without listing never says).
          const nextIds = new Set([...Object.keys(next.open), ...Object.keys(next.suppressed ?? {})]);
          for (const fp of remembered.keys()) if (!nextIds.has(fp)) expect(ids(diff.fixed)).toContain(fp);
          // UNKNOWN and unaudited never resolve anything.
          for (const fp of remembered.keys()) {
            const [cell] = cells.get(fp)!;
            if (cell === 'UNKNOWN' || cell === 'unaudited' || cell === 'absent') {
              expect(nextIds.has(fp)).toBe(true);
              expect(ids(diff.notEvaluated)).toContain(fp);
            }
          }
          remembered.clear();
          for (const fp of Object.keys(next.open)) remembered.set(fp, 'open');
          for (const fp of Object.keys(next.suppressed ?? {})) remembered.set(fp, 'suppressed');
          state = next;
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('Expired suppressions in the configuration', () => {
  it('warns about a config suppression that expired before the run, naming its place', async () => {
    const report = await runAudit(
      {
        inventory: fleet([makeBroker({ publiclyAccessible: true })]),
        checks,
        now: () => new Date('2026-11-20T00:00:00Z'),
        suppressions: [
          {
            check: 'mq-public-access',
            broker: '*',
            reason: 'Partner VPN, OPS-42',
            expires: '2026-10-31',
            source: 'config',
          },
        ],
      },
      { trigger: 'cli' },
    );
    expect(report.warnings).toContainEqual(expect.stringMatching(/^suppressions\.0: expired on 2026-10-31/));
    expect(report.results[0]?.lifecycle).toBe('suppression-expired');
  });
});
