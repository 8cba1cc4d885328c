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
import { type AuditState, diffFindings, MemoryStateStore } from '../../src/state';
import type { Suppression } from '../../src/suppressions';
import { makeBroker } from '../helpers/broker';

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
    const store = new MemoryStateStore();
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
    expect(sns2.since.newlySuppressed).toEqual([second.results[0]!.fingerprint]);
    expect(sns2.suppressed).toEqual([
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
    expect(sns3.findings[0]).toMatchObject({ lifecycle: 'suppression-expired' });
    expect(sns3.since.new).toEqual([]);
    expect(sns3.since.suppressionExpired).toEqual([third.results[0]!.fingerprint]);
    expect(JSON.parse(JSON.stringify(third)).results[0].lifecycle).toBe('suppression-expired');

    // Every run that had something to say was sent; none of them claimed a fix.
    expect(slack.sent.map((r) => r.diff?.fixed.length)).toEqual([0, 0, 0]);
  });

  it('reads a suppressed finding that starts passing as fixed (it was evaluated and passed)', async () => {
    const store = new MemoryStateStore();
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

type Cell = 'PASS' | 'FAIL' | 'UNKNOWN' | 'absent';
type Sup = 'none' | 'active' | 'expired';
/** What happened to a broker in a run: audited, could not be described, deleted, or not asked for. */
type BrokerFate = 'audited' | 'undescribed' | 'deleted' | 'not-asked';
const BROKERS = ['b-1', 'b-2'];
const CHECK_IDS = ['c-1', 'c-2'];
const arnOf = (id: string) => `arn:aws:mq:us-east-1:123456789012:broker:${id}:${id}`;

function resultOf(broker: string, check: string, cell: Cell, sup: Sup): Finding | undefined {
  if (cell === 'absent') return undefined;
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

const runArb = fc.record({
  /** A fleet audit (listing every broker) or a change-triggered one (the brokers asked for, by id). */
  fleet: fc.boolean(),
  /** The fleet listing failed (nothing listed, nothing audited). */
  listingFails: fc.boolean(),
  /** The run leaves out c-2 (as the local demo leaves out the data-plane checks), or c-2 was retired. */
  c2: fc.constantFrom('run', 'left-out', 'retired'),
  fates: fc.array(fc.constantFrom<BrokerFate>('audited', 'undescribed', 'deleted', 'not-asked'), {
    minLength: 2,
    maxLength: 2,
  }),
  cells: fc.array(
    fc.tuple(
      fc.constantFrom<Cell>('PASS', 'FAIL', 'UNKNOWN', 'absent'),
      fc.constantFrom<Sup>('none', 'active', 'expired'),
    ),
    { minLength: 4, maxLength: 4 },
  ),
});

describe('Property: diffFindings over random histories', () => {
  it('never calls a finding fixed unless evaluated and passed, nor new after a suppression, nor resolves what it did not see', () => {
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 1, maxLength: 8 }), (runs) => {
        let state: AuditState | undefined;
        const remembered = new Map<string, 'open' | 'suppressed'>();
        runs.forEach((run, r) => {
          const at = new Date(Date.UTC(2026, 0, 1 + r));
          const listingFails = run.fleet && run.listingFails;
          const catalog = new Set(run.c2 === 'retired' ? ['c-1'] : CHECK_IDS);
          const checksRun = new Set(run.c2 === 'run' ? CHECK_IDS : ['c-1']);
          const fate = (i: number): BrokerFate => {
            const f = run.fates[i]!;
            // A fleet audit asks for every broker; a failed listing reaches none.
            if (listingFails) return 'not-asked';
            return run.fleet && f === 'not-asked' ? 'audited' : f;
          };
          const results: Finding[] = [];
          const cellOf = new Map<string, Cell>();
          const supOf = new Map<string, Sup>();
          const audited = new Set<string>();
          const unreached = new Map<string, string>();
          const goneIds = new Set<string>();
          BROKERS.forEach((b, i) => {
            if (fate(i) === 'audited') audited.add(arnOf(b));
            if (fate(i) === 'undescribed') unreached.set(b, 'AccessDenied');
            // A change event for a deleted broker says so; a fleet listing simply does not name it.
            if (fate(i) === 'deleted' && !run.fleet) goneIds.add(b);
            CHECK_IDS.forEach((c, j) => {
              const [cell, sup] = run.cells[i * 2 + j]!;
              const evaluated = fate(i) === 'audited' && checksRun.has(c) ? cell : 'absent';
              cellOf.set(`${c}/${arnOf(b)}`, evaluated);
              supOf.set(`${c}/${arnOf(b)}`, sup);
              const result = resultOf(b, c, evaluated, sup);
              if (result) results.push(result);
            });
          });
          const listings = run.fleet
            ? [
                listingFails
                  ? { target: 'self/us-east-1', scope: { region: 'us-east-1' }, error: 'ExpiredToken' }
                  : {
                      target: 'self/us-east-1',
                      scope: { region: 'us-east-1' },
                      ids: BROKERS.filter((_, i) => fate(i) !== 'deleted'),
                    },
              ]
            : undefined;
          const { diff, next } = diffFindings(
            state,
            results,
            {
              audited,
              unreached,
              goneIds,
              checks: { run: checksRun, catalog },
              ...(listings ? { listings } : {}),
            },
            at,
          );
          const ids = (list: { fingerprint: string }[]) => list.map((f) => f.fingerprint);
          const brokerOf = (fp: string) => BROKERS.findIndex((b) => fp.endsWith(arnOf(b)));
          const checkOf = (fp: string) => fp.split('/')[0]!;

          for (const fp of ids(diff.fixed)) {
            expect(cellOf.get(fp)).toBe('PASS');
            expect(remembered.has(fp)).toBe(true);
          }
          for (const fp of ids(diff.new)) expect(remembered.has(fp)).toBe(false);
          for (const fp of ids(diff.suppressionExpired)) {
            expect(cellOf.get(fp)).toBe('FAIL');
            expect(remembered.get(fp) === 'suppressed' || supOf.get(fp) === 'expired').toBe(true);
          }
          for (const f of diff.gone) {
            if (f.reason === 'check-retired') expect(catalog.has(checkOf(f.fingerprint))).toBe(false);
            else expect(fate(brokerOf(f.fingerprint))).toBe('deleted');
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
          // A remembered finding leaves the state only as fixed or gone; what the run did not evaluate stays.
          const nextIds = new Set([...Object.keys(next.open), ...Object.keys(next.suppressed ?? {})]);
          const resolved = new Set([...ids(diff.fixed), ...ids(diff.gone)]);
          for (const fp of remembered.keys()) {
            if (!nextIds.has(fp)) expect(resolved.has(fp)).toBe(true);
            const cell = cellOf.get(fp);
            if (cell !== 'PASS' && cell !== 'FAIL' && !resolved.has(fp)) expect(nextIds.has(fp)).toBe(true);
            // Not evaluated is said when the run meant to look and could not: UNKNOWN, not described, not listed.
            const meant =
              checksRun.has(checkOf(fp)) &&
              (cell === 'UNKNOWN' || fate(brokerOf(fp)) === 'undescribed' || listingFails);
            if (meant) expect(ids(diff.notEvaluated)).toContain(fp);
          }
          remembered.clear();
          for (const fp of Object.keys(next.open)) remembered.set(fp, 'open');
          for (const fp of Object.keys(next.suppressed ?? {})) remembered.set(fp, 'suppressed');
          state = next;
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('A change of scope is not a deletion', () => {
  it('leaves the findings of another region alone instead of calling their broker deleted', () => {
    const eu = resultOf('b-eu', 'c-1', 'FAIL', 'none')!;
    const euArn = 'arn:aws:mq:eu-west-1:123456789012:broker:b-eu:b-eu';
    const inEu = {
      ...eu,
      fingerprint: `c-1/${euArn}`,
      broker: { ...eu.broker, arn: euArn, region: 'eu-west-1' },
    };
    const first = diffFindings(
      undefined,
      [inEu],
      {
        audited: new Set([euArn]),
        listings: [{ target: 'self/eu-west-1', scope: { region: 'eu-west-1' }, ids: ['b-eu'] }],
      },
      new Date('2026-01-01'),
    );
    // The next run audits us-east-1 only, with the same state file.
    const second = diffFindings(
      first.next,
      [],
      {
        audited: new Set(),
        listings: [{ target: 'self/us-east-1', scope: { region: 'us-east-1' }, ids: [] }],
      },
      new Date('2026-01-02'),
    );
    expect(second.diff.gone).toEqual([]);
    expect(second.diff.notEvaluated).toEqual([]);
    expect(Object.keys(second.next.open)).toEqual([inEu.fingerprint]);
    // Its own region's listing without it: deleted.
    const third = diffFindings(
      second.next,
      [],
      {
        audited: new Set(),
        listings: [{ target: 'self/eu-west-1', scope: { region: 'eu-west-1' }, ids: [] }],
      },
      new Date('2026-01-03'),
    );
    expect(third.diff.gone.map((f) => f.reason)).toEqual(['broker-gone']);
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

describe('Several accounts in one region', () => {
  const arnIn = (account: string, id: string) => `arn:aws:mq:us-east-1:${account}:broker:${id}:${id}`;
  const failingIn = (account: string, id: string): Finding => {
    const f = resultOf(id, 'c-1', 'FAIL', 'none')!;
    const arn = arnIn(account, id);
    return { ...f, fingerprint: `c-1/${arn}`, broker: { ...f.broker, arn, accountId: account } };
  };
  const member = '210987654321';
  const self = '123456789012';

  it("keeps a member account's findings, not evaluated, when its listing fails beside the caller's own", () => {
    const first = diffFindings(
      undefined,
      [failingIn(member, 'b-m')],
      { audited: new Set([arnIn(member, 'b-m')]) },
      new Date('2026-01-01'),
    );
    const { diff, next } = diffFindings(
      first.next,
      [],
      {
        audited: new Set(),
        listings: [
          { target: 'self/us-east-1', scope: { region: 'us-east-1' }, ids: [] },
          {
            target: `${member}/us-east-1`,
            scope: { accountId: member, region: 'us-east-1' },
            error: 'AccessDenied',
          },
        ],
      },
      new Date('2026-01-02'),
    );
    expect(diff.gone).toEqual([]);
    expect(diff.notEvaluated.map((f) => f.reason)).toEqual([
      `${member}/us-east-1 could not be listed: AccessDenied`,
    ]);
    expect(Object.keys(next.open)).toHaveLength(1);
  });

  it("resolves a deleted broker of the caller's own account only when the listing is known to be of that account", () => {
    const first = diffFindings(
      undefined,
      [failingIn(self, 'b-s')],
      { audited: new Set([arnIn(self, 'b-s')]) },
      new Date('2026-01-01'),
    );
    const listings = (selfScope: { accountId?: string; region: string }) => [
      { target: 'self/us-east-1', scope: selfScope, ids: [] },
      { target: `${member}/us-east-1`, scope: { accountId: member, region: 'us-east-1' }, ids: [] },
    ];
    // The caller's account unknown (it listed no broker) and another account in the region: it cannot tell.
    const unknown = diffFindings(
      first.next,
      [],
      { audited: new Set(), listings: listings({ region: 'us-east-1' }) },
      new Date('2026-01-02'),
    );
    expect(unknown.diff.gone).toEqual([]);
    // Known (read off the brokers it listed): deleted.
    const known = diffFindings(
      first.next,
      [],
      { audited: new Set(), listings: listings({ accountId: self, region: 'us-east-1' }) },
      new Date('2026-01-02'),
    );
    expect(known.diff.gone.map((f) => f.reason)).toEqual(['broker-gone']);
  });
});
