import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/check';
import { escapeHtml, renderHtml } from '../../src/report/html';
import { findingBuilder, makeDiff, makeReport } from '../helpers/report';

const finding = findingBuilder({ engine: 'RABBITMQ' });

const CHECK: Check = {
  id: 'chk-public',
  title: 'Broker is private',
  severity: 'HIGH',
  rationale: 'Public brokers are reachable by anyone.',
  remediation: 'Create a private broker with `--no-publicly-accessible`.',
  controls: { securityHub: 'MQ.9', awsConfig: 'mq-no-public-access' },
  evaluate: () => ({ status: 'PASS', message: '' }),
};
const lookup = (id: string) => (id === CHECK.id ? CHECK : undefined);

/** The HTML of the element with this id (sections do not nest in the report). */
function sectionById(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('Function: renderHtml', () => {
  const report = makeReport(
    [
      finding('zeta', 'chk-public'),
      finding('alpha', 'chk-public'),
      finding('alpha', 'chk-logs', { severity: 'MEDIUM' }),
      finding('beta', 'chk-logs', { severity: 'MEDIUM', status: 'PASS', message: 'Broker beta logs.' }),
      finding('gamma', 'chk-logs', {
        severity: 'LOW',
        status: 'UNKNOWN',
        message: 'Broker gamma could not be checked: configuration unavailable (AccessDenied).',
      }),
    ],
    { errors: [{ target: '210987654321/eu-west-1', message: 'AccessDenied: mq:ListBrokers' }] },
  );

  it('is one self-contained document: inline CSS, no scripts, no external assets', () => {
    // Act
    const html = renderHtml(report, { lookup });

    // Assess
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(count(html, '<style>')).toBe(1);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import|https?:\/\//i);
  });

  it('opens with the headline and the counts of failing, suppressed, unknown, passed and unaudited', () => {
    // Act
    const html = renderHtml(report, { lookup });

    // Assess
    expect(html).toContain('<h1>3 findings (2 HIGH, 1 MEDIUM) on 2 of 4 brokers</h1>');
    const cards = [...html.matchAll(/<div class="card (\w+)[^"]*"><b>(\d+)<\/b><span>([^<]+)<\/span>/g)].map(
      (m) => [m[1], m[2], m[3]],
    );
    expect(cards).toEqual([
      ['fail', '3', 'failing'],
      ['suppressed', '0', 'suppressed'],
      ['unknown', '1', 'not checked'],
      ['pass', '1', 'passed'],
      ['error', '1', 'not audited'],
    ]);
    expect(html).toContain('<a class="chip HIGH" href="#sev-HIGH">');
    expect(html).not.toContain('href="#sev-LOW"');
  });

  it('has one section per severity with failures, most severe first, brokers in order', () => {
    // Act
    const html = renderHtml(report, { lookup });

    // Assess
    expect(html.indexOf('id="sev-HIGH"')).toBeLessThan(html.indexOf('id="sev-MEDIUM"'));
    expect(html).not.toContain('id="sev-LOW"');
    const high = sectionById(html, 'sev-HIGH');
    expect(high).toContain('2 failing findings');
    expect(count(high, '<article class="finding HIGH">')).toBe(2);
    expect(high.indexOf('>alpha<')).toBeLessThan(high.indexOf('>zeta<'));
  });

  it('shows each finding with broker, check, message and a collapsible remediation from the catalog', () => {
    // Act
    const high = sectionById(renderHtml(report, { lookup }), 'sev-HIGH');
    const card = high.slice(high.indexOf('<article'), high.indexOf('</article>'));

    // Assess
    expect(card).toContain(
      '<span class="broker">alpha</span><span class="facts">RABBITMQ · us-east-1 · 123456789012</span>',
    );
    expect(card).toContain('<code>chk-public</code> <span>expects: Broker is private</span>');
    expect(card).toContain('<p class="msg">Broker alpha fails chk-public.</p>');
    expect(card).toMatch(/<details class="fix"><summary>How to fix<\/summary>[\s\S]*<\/details>/);
    expect(card).toContain('<b>Why it matters.</b> Public brokers are reachable by anyone.');
    expect(card).toContain('<b>Fix.</b> Create a private broker with <code>--no-publicly-accessible</code>.');
    expect(card).toContain('Security Hub MQ.9 · AWS Config <code>mq-no-public-access</code>');
  });

  it('shows XML in catalog code spans as text', () => {
    // Prepare
    const xml: Check = { ...CHECK, remediation: 'Remove `<statisticsBrokerPlugin/>` from <plugins>.' };

    // Act
    const html = renderHtml(makeReport([finding('a', 'chk-public')]), { lookup: () => xml });

    // Assess
    expect(html).toContain(
      '<b>Fix.</b> Remove <code>&lt;statisticsBrokerPlugin/&gt;</code> from &lt;plugins&gt;.',
    );
  });

  it('falls back to the finding remediation for a check outside the catalog', () => {
    // Act
    const medium = sectionById(renderHtml(report, { lookup }), 'sev-MEDIUM');

    // Assess
    expect(medium).toContain('<b>Fix.</b> finding remediation of chk-logs');
    expect(medium).not.toContain('Why it matters');
    expect(medium).toContain('expects: title of chk-logs');
  });

  it('lists UNKNOWN results with the reason, inventory errors, and passing checks collapsed', () => {
    // Act
    const html = renderHtml(report, { lookup });

    // Assess
    expect(sectionById(html, 'unknown')).toContain(
      '<td>Broker gamma could not be checked: configuration unavailable (AccessDenied).</td>',
    );
    expect(sectionById(html, 'not-audited')).toContain(
      '<li>210987654321/eu-west-1: AccessDenied: mq:ListBrokers</li>',
    );
    expect(html).toContain('<p class="outcome partial">');
    const passed = sectionById(html, 'passed');
    expect(passed).toContain('<details class="passed"><summary>Passed checks (1)</summary>');
    expect(passed).toContain('Broker beta logs.');
  });

  it('escapes broker names, messages and every other report field', () => {
    // Prepare
    const evil = '<script>alert("x")</script>';
    const nasty = finding(`evil${evil}`, 'chk-public', {
      message: `Broker ${evil} & 'quoted' "double"`,
      broker: {
        id: 'b-1',
        name: `evil${evil}`,
        arn: 'arn:aws:mq:us-east-1:123456789012:broker:x:b-1',
        region: `<i>r</i>`,
        accountId: '123456789012',
        engine: 'ACTIVEMQ',
      },
    });
    const unknown = finding('u', 'chk-public', { status: 'UNKNOWN', message: `reason ${evil}` });

    // Act
    const html = renderHtml(
      makeReport([nasty, unknown], {
        trigger: 'cli',
        errors: [{ target: 'self/us-east-1', brokerId: `id${evil}`, message: `msg${evil}` }],
      }),
      { lookup, title: `T${evil}` },
    );

    // Assess
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<i>r</i>');
    expect(html).toContain(
      '<span class="broker">evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span>',
    );
    expect(html).toContain(
      'Broker &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;double&quot;',
    );
    expect(html).toContain('<title>T&lt;script&gt;');
    // Message, broker name, region-free title, the error's broker and message, and the UNKNOWN reason in both the
    // not-audited list and the not-checked table.
    expect(count(html, '&lt;script&gt;')).toBe(7);
  });

  it('shows suppressed failures apart with reason and expiry, not as failing', () => {
    // Prepare
    const suppressed = finding('delta', 'chk-public', {
      suppressed: { reason: 'dev <broker>', expires: '2027-03-31', source: 'config' },
    });

    // Act
    const html = renderHtml(makeReport([suppressed]), { lookup });

    // Assess
    const section = sectionById(html, 'suppressed');
    expect(section).toContain('1 failing check accepted for now');
    expect(section).toContain(
      '<td>dev &lt;broker&gt;<br><span class="facts">until 2027-03-31, from config</span></td>',
    );
    expect(html).not.toContain('id="sev-HIGH"');
    expect(html).toContain('<b>No failing checks.</b> 0 checks passed on 1 broker; 1 suppressed (below).');
  });

  it('marks new findings and lists fixed ones when the report carries a diff', () => {
    // Prepare
    const fresh = finding('alpha', 'chk-public');
    const old = finding('zeta', 'chk-public');
    const fixed = {
      fingerprint: 'f1',
      checkId: 'chk-logs',
      severity: 'MEDIUM',
      brokerArn: 'arn:1',
      brokerName: 'omega<x>',
      message: 'm',
      firstSeen: '2026-10-01T00:00:00.000Z',
      lastSeen: '2026-11-24T00:00:00.000Z',
    };

    // Act
    const html = renderHtml(
      makeReport([fresh, old], {
        diff: makeDiff({
          new: [fresh],
          stillOpen: [old],
          gone: [{ ...fixed, reason: 'broker-gone' }],
          fixed: [{ ...fixed, brokerName: 'sigma', reason: 'passed' }],
        }),
      }),
      {
        lookup,
      },
    );

    // Assess
    expect(html).toContain(
      '<p class="diff">Since the last run: 1 new, 1 fixed, 1 still open, 1 resolved (broker deleted).</p>',
    );
    const cards = sectionById(html, 'sev-HIGH').split('</article>');
    expect(cards[0]).toContain('alpha');
    expect(cards[0]).toContain('<span class="new">NEW</span>');
    expect(cards[1]).toContain('zeta');
    expect(cards[1]).not.toContain('class="new"');
    const section = sectionById(html, 'fixed');
    expect(section).toContain('1 finding evaluated and passing since the last run');
    expect(section).toContain('<td class="nowrap">sigma</td>');
    expect(section).toContain('<td>Passes now.</td>');
    const gone = sectionById(html, 'gone');
    expect(gone).toContain('<td class="nowrap">omega&lt;x&gt;</td>');
    expect(gone).toContain('<td>The broker was deleted.</td>');
  });

  it('lists configuration warnings, escaped', () => {
    // Act
    const html = renderHtml(makeReport([], { warnings: ['tag <b>x</b> does not parse'] }), { lookup });

    // Assess
    expect(sectionById(html, 'warnings')).toContain('<li>tag &lt;b&gt;x&lt;/b&gt; does not parse</li>');
  });

  it.each([
    ['<>&"\'', '&lt;&gt;&amp;&quot;&#39;'],
    ['plain', 'plain'],
    ['&amp;', '&amp;amp;'],
  ])('escapeHtml(%j) is %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });

  it('says all is well when nothing failed, with no severity sections', () => {
    // Prepare
    const passing = [
      finding('a', 'chk-public', { status: 'PASS' }),
      finding('b', 'chk-public', { status: 'PASS' }),
    ];

    // Act
    const html = renderHtml(makeReport(passing), { lookup });

    // Assess
    expect(html).toContain('<h1>No findings on 2 brokers</h1>');
    expect(html).toContain('<b>No failing checks.</b> 2 checks passed on 2 brokers.');
    expect(html).not.toContain('id="sev-');
    expect(html).not.toContain('<nav');
  });

  it('renders an empty report', () => {
    // Act
    const html = renderHtml(makeReport([]));

    // Assess
    expect(html).toContain('No failing checks.');
    expect(html).not.toContain('id="passed"');
  });

  it('keeps its elements balanced for a huge report', () => {
    // Prepare
    const many = Array.from({ length: 3000 }, (_, i) =>
      finding(`b${i}`, 'chk-public', {
        severity: (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const)[i % 5],
      }),
    );

    // Act
    const html = renderHtml(makeReport(many), { lookup });

    // Assess
    expect(count(html, '<article ')).toBe(3000);
    for (const tag of ['article', 'section', 'details', 'table', 'div', 'p'])
      expect(count(html, `<${tag}>`) + count(html, `<${tag} `), tag).toBe(count(html, `</${tag}>`));
    expect(count(html, '<section id="sev-')).toBe(5);
  });
});
