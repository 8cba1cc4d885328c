import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit';
import { SLACK_LIMITS, slackMessage } from '../../src/report/slack';
import { SNS_LIMITS, snsMessage } from '../../src/report/sns';
import { headline } from '../../src/report/summary';
import { renderTable } from '../../src/report/table';
import { makeReport } from '../helpers/report';

function finding(i: number, overrides: Partial<Finding> = {}): Finding {
  return {
    fingerprint: `mq-public-access/b-${i}`,
    checkId: 'mq-public-access',
    title: 't',
    severity: 'HIGH',
    status: 'FAIL',
    message: `Broker broker-${i} is publicly accessible from the internet.`,
    remediation: 'r',
    broker: {
      id: `b-${i}`,
      name: `broker-${i}`,
      arn: `arn:aws:mq:us-east-1:1:broker:broker-${i}:b-${i}`,
      region: 'us-east-1',
      accountId: '1',
      engine: 'ACTIVEMQ',
    },
    ...overrides,
  };
}

describe('Function: headline', () => {
  it('counts findings by severity and brokers', () => {
    const r = makeReport(
      [finding(1), finding(1, { severity: 'MEDIUM', checkId: 'x' }), finding(2, { status: 'PASS' })],
      { brokersAudited: 3 },
    );
    expect(headline(r)).toBe('2 findings (1 HIGH, 1 MEDIUM) on 1 of 3 brokers');
  });
});

describe('Function: slackMessage', () => {
  it('groups findings by broker in one section each', () => {
    const msg = slackMessage(
      makeReport([finding(1), finding(1, { checkId: 'mq-audit-logs', severity: 'MEDIUM' }), finding(2)]),
    );
    const sections = msg.blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(2);
    expect(JSON.stringify(sections[0])).toContain('mq-audit-logs');
    expect(msg.text).toContain('3 findings');
  });

  it('stays within Slack limits for a huge fleet and says how many were left out', () => {
    const many = Array.from({ length: 500 }, (_, i) => finding(i));
    const msg = slackMessage(makeReport(many));
    expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of msg.blocks) {
      const text = ('text' in block ? (block.text as { text?: string } | undefined)?.text : undefined) ?? '';
      expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    const last = JSON.stringify(msg.blocks.at(-2));
    expect(last).toMatch(/and \d+ more findings/);
  });

  it("keeps all its blocks under Slack's total text bound, counting every finding left out (issue 12)", () => {
    // Prepare: 40 brokers with 30 long findings each: every section would be full (old: 48 × ~2,900 characters).
    const many = Array.from({ length: 1200 }, (_, i) =>
      finding(i % 40, { checkId: `mq-check-${i}`, message: `${'A long finding message. '.repeat(4)}(${i})` }),
    );

    // Act
    const msg = slackMessage(makeReport(many));

    // Assess
    const texts = msg.blocks.flatMap((b) =>
      b.type === 'context'
        ? b.elements.map((e) => ('text' in e ? e.text : ''))
        : (b.type === 'section' || b.type === 'header') && b.text
          ? [b.text.text]
          : [],
    );
    expect(texts.join('').length).toBeLessThanOrEqual(SLACK_LIMITS.totalBlocksText);
    expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const shown = texts
      .join('\n')
      .split('\n')
      .filter((l) => l.includes('`mq-check-')).length;
    const hidden = Number(/…and (\d+) more findings/.exec(texts.join('\n'))?.[1]);
    expect(shown).toBeGreaterThan(0);
    expect(shown + hidden).toBe(1200);
  });

  it('escapes mrkdwn control characters from broker data', () => {
    const msg = slackMessage(makeReport([finding(1, { message: 'Broker <a> & <b>' })]));
    expect(JSON.stringify(msg.blocks)).toContain('Broker &lt;a&gt; &amp; &lt;b&gt;');
  });
});

describe('Function: snsMessage', () => {
  it('has an ASCII subject within 100 characters and a JSON body', () => {
    const { subject, message } = snsMessage(makeReport([finding(1)]));
    expect(subject).toBe('mqops audit: 1 HIGH');
    expect(JSON.parse(message).findings[0]).toMatchObject({ brokerId: 'b-1', checkId: 'mq-public-access' });
  });

  it('cuts the body to 256 KiB and counts what it cut', () => {
    const big = Array.from({ length: 3000 }, (_, i) => finding(i, { message: 'x'.repeat(200) }));
    const { message } = snsMessage(makeReport(big));
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_LIMITS.messageBytes);
    const body = JSON.parse(message);
    expect(body.truncated).toBeGreaterThan(0);
    expect(body.findings.length + body.truncated).toBe(3000);
  });

  it('stays under 256 KiB when thousands of brokers could not be audited, and says the audit is partial', () => {
    const errors = Array.from({ length: 5000 }, (_, i) => ({
      target: '123456789012/us-east-1',
      brokerId: `b-${i}`,
      message: `AccessDenied: ${'y'.repeat(100)}`,
    }));
    const { subject, message } = snsMessage(makeReport([finding(1)], { errors }));
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_LIMITS.messageBytes);
    expect(subject).toMatch(/^mqops audit PARTIAL: 1 HIGH/);
    const body = JSON.parse(message);
    expect(body.outcome).toBe('partial');
    expect(body.notAudited).toHaveLength(100);
    expect(body.truncated).toBeGreaterThanOrEqual(4900);
  });
});

describe('Function: renderTable', () => {
  it('lists failing findings, not passing ones, with a summary', () => {
    const text = renderTable(makeReport([finding(1), finding(2, { status: 'PASS' })]));
    expect(text).toContain('broker-1');
    expect(text).not.toMatch(/broker-2\s/);
    expect(text).toContain('1 finding (1 HIGH) on 1 of 2 brokers; 1 checks passed.');
  });

  it('keeps every column in place whether a line is marked new or not', () => {
    const fresh = finding(1, { lifecycle: 'new' });
    const old = finding(22, { lifecycle: 'open', checkId: 'mq-audit-logs', fingerprint: 'x' });
    const lines = renderTable(makeReport([fresh, old]), { width: 120 }).split('\n');
    const header = lines[0]!;
    const rows = lines.filter((l) => /broker-(1|22) /.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.startsWith('+')).toBe(true);
    expect(rows[1]!.startsWith(' ')).toBe(true);
    for (const column of ['SEVERITY', 'BROKER', 'CHECK', 'FINDING']) {
      const at = header.indexOf(column);
      // Every row's cell starts where its header does.
      for (const row of rows) expect(row[at - 1]).toBe(' ');
      for (const row of rows) expect(row[at]).not.toBe(' ');
    }
    expect(lines).toContain('(+ new since the last run)');
  });

  it('keeps broker names and check ids whole in a narrow terminal, cutting the finding instead', () => {
    const long = finding(1, {
      checkId: 'mq-activemq-producer-flow-control',
      message: `Broker notifications-prod-eu-west-1 turns producer flow control off on queue=">", so producers are never slowed.`,
      broker: { ...finding(1).broker, name: 'notifications-prod-eu-west-1' },
    });
    const text = renderTable(makeReport([long]), { width: 100 });
    const row = text.split('\n').find((l) => l.includes('notifications-prod-eu-west-1'))!;
    expect(row).toContain('mq-activemq-producer-flow-control');
    expect(row.length).toBeLessThanOrEqual(100);
    expect(row.endsWith('…')).toBe(true);
    const wide = renderTable(makeReport([long]), { width: 100, wide: true });
    expect(wide).toContain(long.message);
  });

  it('opens with what could not be audited, so a partial audit never reads as clean', () => {
    const text = renderTable(
      makeReport([], {
        errors: [{ target: 'self/eu-west-1', message: 'Could not load credentials from any providers' }],
      }),
    );
    expect(text.split('\n')[0]).toBe('NOT AUDITED (failed): nothing below passed on these');
    expect(text).toContain('  self/eu-west-1: Could not load credentials from any providers');
    expect(text).toContain('no findings on the 0 brokers that could be audited (failed)');
    expect(text).toMatch(/Audit FAILED: 0 brokers audited; 1 not covered, listed under Not audited\.$/);
  });
});
