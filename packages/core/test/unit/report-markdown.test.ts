import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/check';
import { escapeCell, renderMarkdown } from '../../src/report/markdown';
import { findingBuilder, makeDiff, makeReport } from '../helpers/report';

const finding = findingBuilder();

const CATALOG: Record<string, Check> = {
  'chk-public': {
    id: 'chk-public',
    title: 'Broker is private',
    severity: 'HIGH',
    rationale: 'Public brokers are reachable by anyone.',
    remediation: 'Create a private broker with `--no-publicly-accessible`.',
    controls: { securityHub: 'MQ.9', awsConfig: 'mq-no-public-access' },
    evaluate: () => ({ status: 'PASS', message: '' }),
  },
  'chk-logs': {
    id: 'chk-logs',
    title: 'Audit logs are on',
    severity: 'MEDIUM',
    rationale: 'Without audit logs nobody knows who purged a queue.',
    remediation: 'Turn audit logs on.',
    evaluate: () => ({ status: 'PASS', message: '' }),
  },
};
const lookup = (id: string) => CATALOG[id];

/** The cells of a Markdown table row (split on pipes that are not escaped). */
const cells = (row: string) =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

/** The lines between a heading and the next heading of the same or a higher level. */
function section(md: string, heading: string): string[] {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const level = heading.match(/^#+/)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.match(/^#+/)![0].length <= level);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('Function: renderMarkdown', () => {
  const report = makeReport(
    [
      finding('zeta', 'chk-public'),
      finding('alpha', 'chk-public'),
      finding('alpha', 'chk-logs', { severity: 'MEDIUM' }),
      finding('beta', 'chk-logs', { severity: 'MEDIUM', status: 'PASS', message: 'Broker beta logs.' }),
      finding('gamma', 'chk-logs', {
        severity: 'MEDIUM',
        status: 'UNKNOWN',
        message: 'Broker gamma could not be checked: configuration unavailable (AccessDenied).',
      }),
    ],
    { errors: [{ target: '210987654321/eu-west-1', message: 'AccessDenied: mq:ListBrokers' }] },
  );

  it('summarises counts by severity and status, with totals', () => {
    // Act
    const md = renderMarkdown(report, { lookup });

    // Assess
    const summary = section(md, '## Summary').filter((l) => l.startsWith('|'));
    expect(cells(summary[0]!)).toEqual(['Severity', 'Failing', 'Suppressed', 'Unknown', 'Passed']);
    expect(summary.map(cells).slice(2)).toEqual([
      ['HIGH', '2', '0', '0', '0'],
      ['MEDIUM', '1', '0', '1', '1'],
      ['**Total**', '**3**', '**0**', '**1**', '**1**'],
    ]);
    expect(md.split('\n')[2]).toBe('3 findings (2 HIGH, 1 MEDIUM) on 2 of 4 brokers.');
  });

  it('lists failing findings grouped by severity, then by broker, and leaves passing ones out', () => {
    // Act
    const md = renderMarkdown(report, { lookup });

    // Assess
    const failing = section(md, '## Failing findings');
    const headings = failing.filter((l) => l.startsWith('### '));
    expect(headings).toEqual(['### HIGH (2)', '### MEDIUM (1)']);
    const high = section(md, '### HIGH (2)').filter((l) => l.startsWith('| ') && !/^\| (Broker|---)/.test(l));
    expect(high.map((r) => cells(r)[0])).toEqual(['alpha', 'zeta']);
    expect(cells(high[0]!)).toEqual([
      'alpha',
      'ACTIVEMQ',
      'us-east-1',
      '`chk-public`',
      'Broker alpha fails chk-public.',
    ]);
    expect(failing.join('\n')).not.toContain('beta');
  });

  it('lists UNKNOWN results with their reason and the inventory errors', () => {
    // Act
    const md = renderMarkdown(report, { lookup });

    // Assess
    expect(section(md, '## Not checked (UNKNOWN)')).toContain(
      '- **gamma** · `chk-logs` (MEDIUM): Broker gamma could not be checked: configuration unavailable (AccessDenied).',
    );
    expect(section(md, '## Not audited')).toEqual(
      expect.arrayContaining([
        '- 210987654321/eu-west-1: AccessDenied: mq:ListBrokers',
        '- 123456789012/us-east-1 broker gamma check chk-logs: Broker gamma could not be checked: configuration unavailable (AccessDenied).',
      ]),
    );
  });

  it('explains each failing check once, most severe first, with the catalog rationale and remediation', () => {
    // Act
    const md = renderMarkdown(report, { lookup });

    // Assess
    const remediation = section(md, '## Remediation');
    expect(remediation.filter((l) => l.startsWith('### '))).toEqual([
      '### Broker is private',
      '### Audit logs are on',
    ]);
    const pub = section(md, '### Broker is private').join('\n');
    expect(pub).toContain('Check `chk-public` · HIGH · Security Hub MQ.9 · AWS Config `mq-no-public-access`');
    expect(pub).toContain('**Failing on 2 brokers:** alpha, zeta');
    expect(pub).toContain('**Why it matters:** Public brokers are reachable by anyone.');
    expect(pub).toContain('**How to fix:** Create a private broker with `--no-publicly-accessible`.');
    // The UNKNOWN and PASS results of chk-logs do not count as failing brokers.
    expect(section(md, '### Audit logs are on').join('\n')).toContain('**Failing on 1 broker:** alpha');
  });

  it('falls back to what the finding carries for a check outside the catalog', () => {
    // Act
    const md = renderMarkdown(makeReport([finding('alpha', 'chk-gone')]), { lookup });

    // Assess
    const gone = section(md, '### title of chk-gone').join('\n');
    expect(gone).toContain('**How to fix:** finding remediation of chk-gone');
    expect(gone).not.toContain('Why it matters');
  });

  it('keeps code spans of the catalog text as written and neutralises HTML outside them', () => {
    // Prepare
    const xml: Check = {
      ...CATALOG['chk-logs']!,
      id: 'chk-xml',
      rationale: 'A <b>bold</b> claim.',
      remediation: 'Remove `<statisticsBrokerPlugin/>` from\nthe `<plugins>` element.',
    };

    // Act
    const md = renderMarkdown(makeReport([finding('alpha', 'chk-xml')]), { lookup: () => xml });

    // Assess
    expect(md).toContain('**Why it matters:** A &lt;b&gt;bold&lt;/b&gt; claim.');
    expect(md).toContain('**How to fix:** Remove `<statisticsBrokerPlugin/>` from the `<plugins>` element.');
  });

  it('uses the built-in catalog by default', () => {
    // Act
    const md = renderMarkdown(makeReport([finding('alpha', 'mq-public-access')]));

    // Assess
    expect(md).toContain('### Broker is not publicly accessible');
    expect(md).toContain('`--no-publicly-accessible`');
  });

  it('escapes pipes, line breaks and HTML in table cells so a row stays one row of five cells', () => {
    // Prepare
    const nasty = finding('a|b', 'chk-public', {
      message: 'Broker a|b has\na <script>alert(1)</script> & more\\',
    });

    // Act
    const md = renderMarkdown(makeReport([nasty]), { lookup });

    // Assess
    const row = section(md, '### HIGH (1)').find((l) => l.startsWith('| a'))!;
    expect(cells(row)).toHaveLength(5);
    expect(cells(row)[0]).toBe('a\\|b');
    expect(cells(row)[4]).toBe('Broker a\\|b has<br>a &lt;script&gt;alert(1)&lt;/script&gt; &amp; more\\\\');
    expect(md).not.toContain('<script>');
  });

  it.each([
    ['a|b', 'a\\|b'],
    ['line\nbreak', 'line<br>break'],
    ['crlf\r\nbreak', 'crlf<br>break'],
    ['<b>', '&lt;b&gt;'],
    ['*bold* _it_ `code` [link]', '\\*bold\\* \\_it\\_ \\`code\\` \\[link\\]'],
  ])('escapeCell(%j) is %j', (input, expected) => {
    expect(escapeCell(input)).toBe(expected);
  });

  it('lists suppressed failures apart, with reason and expiry, and leaves them out of failing and remediation', () => {
    // Prepare
    const suppressed = finding('delta', 'chk-public', {
      suppressed: { reason: 'dev broker | temporary', expires: '2027-03-31', source: 'tag' },
    });

    // Act
    const md = renderMarkdown(
      makeReport([finding('alpha', 'chk-logs', { severity: 'MEDIUM' }), suppressed]),
      {
        lookup,
      },
    );

    // Assess
    expect(section(md, '## Suppressed')).toContain(
      '- **delta** · `chk-public` (HIGH): Broker delta fails chk-public. Suppressed until 2027-03-31 (tag): dev broker | temporary',
    );
    expect(section(md, '## Failing findings').join('\n')).not.toContain('delta');
    expect(md).not.toContain('### Broker is private');
    const summary = section(md, '## Summary').filter((l) => l.startsWith('| HIGH'));
    expect(cells(summary[0]!)).toEqual(['HIGH', '0', '1', '0', '0']);
  });

  it('marks new findings and lists what was fixed when the report carries a diff', () => {
    // Prepare
    const fresh = finding('alpha', 'chk-public');
    const old = finding('zeta', 'chk-public');
    const remembered = {
      checkId: 'chk-logs',
      severity: 'MEDIUM',
      brokerName: 'omega',
      message: 'm',
      firstSeen: '2026-10-01T00:00:00.000Z',
      lastSeen: '2026-11-24T00:00:00.000Z',
    };

    // Act
    const md = renderMarkdown(
      makeReport([fresh, old], {
        diff: makeDiff({
          new: [fresh],
          stillOpen: [old],
          fixed: [{ ...remembered, fingerprint: 'f1', brokerArn: 'arn:1', reason: 'passed' }],
          gone: [
            {
              ...remembered,
              fingerprint: 'f2',
              brokerArn: 'arn:2',
              brokerName: 'gone',
              reason: 'broker-gone',
            },
          ],
        }),
      }),
      { lookup },
    );

    // Assess
    expect(md).toContain('Since the last run: 1 new, 1 fixed, 1 still open, 1 resolved (broker deleted).');
    const rows = section(md, '### HIGH (2)').filter((l) => /^\| (alpha|zeta) /.test(l));
    expect(cells(rows[0]!)[4]).toBe('**New:** Broker alpha fails chk-public.');
    expect(cells(rows[1]!)[4]).toBe('Broker zeta fails chk-public.');
    expect(section(md, '## Fixed since the last run')).toEqual([
      '',
      'Evaluated this run and passed:',
      '',
      '- **omega** · `chk-logs` (MEDIUM): passes now; failing since 2026-10-01T00:00:00.000Z.',
      '',
    ]);
    expect(section(md, '## Resolved without a check')).toContain(
      '- **gone** · `chk-logs` (MEDIUM): the broker was deleted; failing since 2026-10-01T00:00:00.000Z.',
    );
  });

  it('lists configuration warnings', () => {
    // Act
    const md = renderMarkdown(makeReport([], { warnings: ['tag mqops:suppress:x does not parse'] }), {
      lookup,
    });

    // Assess
    expect(section(md, '## Warnings')).toContain('- tag mqops:suppress:x does not parse');
  });

  it('says so when nothing failed, without failing tables or a remediation section', () => {
    // Act
    const md = renderMarkdown(makeReport([], { brokersAudited: 3 }), { lookup });

    // Assess
    expect(md).toContain('No findings on 3 brokers.');
    expect(section(md, '## Failing findings')).toContain('No check failed.');
    expect(md).not.toContain('## Remediation');
    expect(md).not.toContain('## Not checked');
    expect(md).not.toContain('## Not audited');
    expect(md).toContain('**Audit complete: 3 brokers audited.**');
    expect(md).not.toContain('## Suppressed');
    expect(md).not.toContain('## Fixed since');
    expect(md).not.toContain('## Warnings');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('renders a huge report with one row per failing finding and one remediation per check', () => {
    // Prepare
    const many = Array.from({ length: 5000 }, (_, i) =>
      finding(`b${String(i).padStart(4, '0')}`, i % 2 ? 'chk-public' : 'chk-logs', {
        severity: i % 2 ? 'HIGH' : 'MEDIUM',
      }),
    );

    // Act
    const md = renderMarkdown(makeReport(many), { lookup });

    // Assess
    const rows = md.split('\n').filter((l) => /^\| b\d{4} \|/.test(l));
    expect(rows).toHaveLength(5000);
    expect(section(md, '## Remediation').filter((l) => l.startsWith('### '))).toHaveLength(2);
  });
});
