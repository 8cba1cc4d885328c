import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { type Check, SEVERITY_ORDER, type Severity } from '../check';
import { checkById } from '../checks';
import {
  diffLine,
  goneWhy,
  headline,
  lifecycleLabel,
  lifecycleReader,
  notAuditedLines,
  outcomeSentence,
} from './summary';

/** Options of {@link renderHtml}. */
export interface HtmlOptions {
  /** The page title; default "mqops audit report". */
  title?: string;
  /** Looks up a check's metadata (rationale, controls); default the built-in catalog (`checkById`). */
  lookup?: (checkId: string) => Check | undefined;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escaped text with `code spans` (as the check catalog writes CLI flags and properties) shown as code. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Upper-cases the first letter (the headline starts lower-case for use mid-sentence). */
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const byBrokerThenCheck = (a: Finding, b: Finding) =>
  a.broker.name.localeCompare(b.broker.name) || a.checkId.localeCompare(b.checkId);

const CSS = `
:root{--bg:#f4f5f7;--panel:#fff;--text:#1d2330;--muted:#5d6575;--line:#e2e5ea;--code:#eef0f3;
--critical:#9b1c1c;--high:#dc2626;--medium:#ea580c;--low:#ca8a04;--info:#2563eb;--pass:#15803d;--unknown:#6b7280}
@media (prefers-color-scheme:dark){:root{--bg:#14161b;--panel:#1d2027;--text:#e7e9ee;--muted:#9aa1ad;
--line:#2e323b;--code:#2a2e37;--critical:#f87171;--high:#fb7185;--medium:#fb923c;--low:#facc15;--info:#60a5fa;
--pass:#4ade80;--unknown:#9ca3af}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1080px;margin:0 auto;padding:0 24px}
header.top{background:var(--panel);border-bottom:1px solid var(--line);padding:28px 0 20px}
.brand{font-size:13px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;color:var(--muted)}
h1{font-size:26px;line-height:1.25;margin:6px 0 4px}
.meta{color:var(--muted);margin:0 0 18px;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:10px;padding:12px 16px;background:var(--panel)}
.card b{display:block;font-size:28px;line-height:1.1}
.card span{color:var(--muted);font-size:13px}
.card.fail b{color:var(--high)}.card.unknown b{color:var(--unknown)}.card.pass b{color:var(--pass)}
.card.error b{color:var(--medium)}.card.suppressed b{color:var(--info)}.card.zero b{color:var(--muted)}
.diff{margin:-10px 0 18px;font-size:14px}.diff b{font-weight:650}
.outcome{margin:0 0 12px;font-size:15px}.outcome.partial b,.outcome.failed b{color:var(--high)}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-top:16px}
.chip{display:inline-flex;align-items:center;gap:6px;padding:3px 10px 3px 8px;border-radius:999px;
border:1px solid var(--line);font-size:13px;color:var(--text);text-decoration:none;background:var(--panel)}
.chip:hover{border-color:var(--muted)}
.dot{width:9px;height:9px;border-radius:50%;background:var(--c)}
main{padding:24px 0 40px}
section{margin:0 0 28px}
h2{font-size:18px;margin:0 0 12px;display:flex;align-items:center;gap:10px}
h2 .count{color:var(--muted);font-weight:400;font-size:15px}
.badge{display:inline-block;padding:2px 9px;border-radius:6px;font-size:12px;font-weight:700;letter-spacing:.04em;
color:#fff;background:var(--c)}
.CRITICAL{--c:var(--critical)}.HIGH{--c:var(--high)}.MEDIUM{--c:var(--medium)}.LOW{--c:var(--low)}
.INFO{--c:var(--info)}.badge.muted{background:var(--code);color:var(--muted)}.UNKNOWN{--c:var(--unknown)}.PASS{--c:var(--pass)}
.finding{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--c);border-radius:10px;
padding:14px 18px;margin:0 0 10px}
.where{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}
.broker{font-weight:650;font-size:16px;overflow-wrap:anywhere}
.facts{color:var(--muted);font-size:13px}
.msg{margin:6px 0 4px;font-size:15.5px;overflow-wrap:anywhere}
.check{font-size:13px;color:var(--muted);margin-bottom:6px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:1px 5px;
border-radius:4px;overflow-wrap:anywhere}
details.fix summary{cursor:pointer;color:var(--info);font-size:14px;font-weight:600;width:max-content}
details.fix[open] summary{margin-bottom:6px}
details.fix p{margin:6px 0;font-size:14px}
.controls{color:var(--muted)}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow:hidden}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
td.nowrap,th{white-space:nowrap}
th{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
tr:last-child td{border-bottom:0}
.note{color:var(--muted);margin:-4px 0 12px;font-size:14px}
.allclear{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--pass);border-radius:10px;
padding:18px 20px;font-size:16px}
details.passed>summary{cursor:pointer;font-size:18px;font-weight:700;margin-bottom:12px}
footer{color:var(--muted);font-size:13px;padding:0 0 32px}
.new{display:inline-block;padding:0 7px;border-radius:6px;font-size:11px;font-weight:700;letter-spacing:.05em;
color:var(--info);border:1px solid var(--info)}
ul.plain{margin:0;padding-left:20px}.panel.pad{padding:10px 14px}
@media print{body{background:#fff}.finding,.panel,.card{break-inside:avoid}}
`;

function controlsLine(check: Check | undefined): string {
  const parts = [
    check?.controls?.securityHub && `Security Hub ${escapeHtml(check.controls.securityHub)}`,
    check?.controls?.awsConfig && `AWS Config <code>${escapeHtml(check.controls.awsConfig)}</code>`,
  ].filter(Boolean);
  return parts.length > 0 ? `<p class="controls">Related controls: ${parts.join(' · ')}</p>` : '';
}

function brokerFacts(f: Finding): string {
  return escapeHtml([f.broker.engine, f.broker.region, f.broker.accountId].filter(Boolean).join(' · '));
}

function findingCard(f: Finding, lookup: HtmlOptions['lookup'], state: string | undefined): string {
  const check = lookup?.(f.checkId);
  return `<article class="finding ${f.severity}">
<div class="where"><span class="broker">${escapeHtml(f.broker.name)}</span><span class="facts">${brokerFacts(f)}</span>${state ? `<span class="new">${escapeHtml(state.toUpperCase())}</span>` : ''}</div>
<p class="msg">${escapeHtml(f.message)}</p>
<div class="check"><code>${escapeHtml(f.checkId)}</code> <span>expects: ${escapeHtml(check?.title ?? f.title)}</span></div>
<details class="fix"><summary>How to fix</summary>
${check?.rationale ? `<p><b>Why it matters.</b> ${prose(check.rationale)}</p>\n` : ''}<p><b>Fix.</b> ${prose(check?.remediation ?? f.remediation)}</p>
${controlsLine(check)}</details>
</article>`;
}

function severitySection(
  severity: Severity,
  findings: readonly Finding[],
  lookup: HtmlOptions['lookup'],
  stateOf: (f: Finding) => string | undefined,
) {
  return `<section id="sev-${severity}" class="${severity}">
<h2><span class="badge">${severity}</span><span class="count">${plural(findings.length, 'failing finding')}</span></h2>
${[...findings]
  .sort(byBrokerThenCheck)
  .map((f) => findingCard(f, lookup, stateOf(f)))
  .join('\n')}
</section>`;
}

function resultTable(findings: readonly Finding[], last: string, muted = false): string {
  const rows = [...findings]
    .sort(byBrokerThenCheck)
    .map(
      (f) =>
        `<tr><td class="nowrap">${escapeHtml(f.broker.name)}</td><td class="nowrap"><code>${escapeHtml(f.checkId)}</code></td>` +
        `<td class="nowrap"><span class="badge ${muted ? 'muted' : f.severity}">${f.severity}</span></td><td>${escapeHtml(f.message)}</td></tr>`,
    )
    .join('\n');
  return `<div class="panel"><table><thead><tr><th>Broker</th><th>Check</th><th>Severity</th><th>${last}</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

function card(kind: string, n: number, label: string): string {
  return `<div class="card ${kind}${n === 0 ? ' zero' : ''}"><b>${n}</b><span>${label}</span></div>`;
}

/** A table panel: a header row and escaped rows (cells already HTML). */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.join('')}</tr>`).join('\n');
  return `<div class="panel"><table><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

const td = (html: string, nowrap = false) => `<td${nowrap ? ' class="nowrap"' : ''}>${html}</td>`;

/**
 * The audit as one self-contained HTML page to open in a browser or attach to a ticket: a header with the counts
 * (and what changed since the last run, when the report carries a diff), one section per severity listing each
 * failing finding (broker, check, message; new ones marked) with its remediation in a collapsible block, then what
 * was fixed, suppressed findings, checks that could not run, inventory errors, warnings and (collapsed) the passing
 * checks. Inline CSS only: no scripts, fonts or other assets; light and dark schemes; printable. Every piece of
 * report data is HTML-escaped.
 *
 * @example
 * await writeFile('audit.html', renderHtml(report));
 */
export function renderHtml(report: AuditReport, options: HtmlOptions = {}): string {
  const lookup = options.lookup ?? checkById;
  const title = options.title ?? 'mqops audit report';
  const fails = failing(report);
  const suppressed = report.results.filter((f) => f.status === 'FAIL' && f.suppressed);
  const unknown = report.results.filter((f) => f.status === 'UNKNOWN');
  const passed = report.results.filter((f) => f.status === 'PASS');
  // Marked: new, suppression expired/removed (a still-open finding needs no mark).
  const lifecycle = lifecycleReader(report);
  const stateOf = (f: Finding) => {
    const state = lifecycle(f);
    return state === 'open' ? undefined : lifecycleLabel(f, state);
  };
  const groups = SEVERITY_ORDER.map((s) => [s, fails.filter((f) => f.severity === s)] as const).filter(
    ([, g]) => g.length > 0,
  );
  const chips = groups
    .map(
      ([s, g]) =>
        `<a class="chip ${s}" href="#sev-${s}"><span class="dot"></span>${g.length} ${s.toLowerCase()}</a>`,
    )
    .join('');
  const diff = report.diff ? `<p class="diff">${escapeHtml(diffLine(report.diff))}</p>` : '';
  const outcome = `<p class="outcome ${report.outcome.status}"><b>${escapeHtml(outcomeSentence(report))}</b></p>`;
  const body: string[] = [];
  if (fails.length === 0 && report.outcome.status === 'complete') {
    const notes = [
      unknown.length > 0 ? `${unknown.length} could not run` : '',
      suppressed.length > 0 ? `${suppressed.length} suppressed` : '',
    ].filter(Boolean);
    body.push(
      `<section><div class="allclear"><b>No failing checks.</b> ${plural(passed.length, 'check')} passed on ` +
        `${plural(report.brokersAudited, 'broker')}${notes.length > 0 ? `; ${notes.join(', ')} (below)` : ''}.</div></section>`,
    );
  }
  const gaps = notAuditedLines(report);
  if (gaps.length > 0) {
    body.unshift(`<section id="not-audited" class="UNKNOWN">
<h2><span class="badge">NOT AUDITED</span><span class="count">${plural(report.outcome.gaps.length, 'target, broker or check')} not covered</span></h2>
<p class="note">This run could not cover these; nothing here passed. Fix the cause and audit again.</p>
<div class="panel pad"><ul class="plain">${gaps.map((g) => `<li>${escapeHtml(g)}</li>`).join('')}</ul></div>
</section>`);
  }
  for (const [severity, group] of groups) body.push(severitySection(severity, group, lookup, stateOf));
  const remembered = (
    id: string,
    badge: string,
    count: string,
    list: readonly { brokerName: string; checkId: string; firstSeen: string }[],
    why: (i: number) => string,
  ) => {
    if (list.length === 0) return;
    const rows = list.map((f, i) => [
      td(escapeHtml(f.brokerName), true),
      td(`<code>${escapeHtml(f.checkId)}</code>`, true),
      td(escapeHtml(why(i))),
      td(escapeHtml(f.firstSeen), true),
    ]);
    body.push(`<section id="${id}"${id === 'fixed' ? ' class="PASS"' : ''}>
<h2><span class="badge">${badge}</span><span class="count">${count}</span></h2>
${table(['Broker', 'Check', 'Why', 'Failing since'], rows)}
</section>`);
  };
  const d = report.diff;
  if (d) {
    remembered(
      'fixed',
      'FIXED',
      `${plural(d.fixed.length, 'finding')} evaluated and passing since the last run`,
      d.fixed,
      () => 'Passes now.',
    );
    remembered(
      'gone',
      'RESOLVED',
      `${plural(d.gone.length, 'finding')} resolved without a check: deleted brokers, retired checks`,
      d.gone,
      (i) => `${sentence(goneWhy(d.gone[i]!))}.`,
    );
    remembered(
      'not-evaluated',
      'NOT EVALUATED',
      `${plural(d.notEvaluated.length, 'remembered finding')} not evaluated this run (kept as they were, not fixed)`,
      d.notEvaluated,
      (i) => d.notEvaluated[i]?.reason ?? '',
    );
  }
  if (suppressed.length > 0) {
    const rows = [...suppressed]
      .sort(byBrokerThenCheck)
      .map((f) => [
        td(escapeHtml(f.broker.name), true),
        td(`<code>${escapeHtml(f.checkId)}</code>`, true),
        td(`<span class="badge ${f.severity}">${f.severity}</span>`, true),
        td(escapeHtml(f.message)),
        td(
          `${escapeHtml(f.suppressed!.reason)}<br><span class="facts">until ${escapeHtml(f.suppressed!.expires)}, from ${escapeHtml(f.suppressed!.source)}</span>`,
        ),
      ]);
    body.push(`<section id="suppressed">
<h2>Suppressed<span class="count">${plural(suppressed.length, 'failing check')} accepted for now</span></h2>
${table(['Broker', 'Check', 'Severity', 'Finding', 'Suppressed because'], rows)}
<p class="note">A suppressed finding still fails: it is hidden, not fixed.</p>
</section>`);
  }
  if (unknown.length > 0) {
    body.push(`<section id="unknown" class="UNKNOWN">
<h2><span class="badge">NOT CHECKED</span><span class="count">${plural(unknown.length, 'check')} could not run</span></h2>
<p class="note">Data these checks need could not be collected (often a missing IAM permission); fix the cause and audit again.</p>
${resultTable(unknown, 'Reason')}
</section>`);
  }
  const warnings = report.warnings ?? [];
  if (warnings.length > 0) {
    body.push(`<section id="warnings">
<h2>Warnings<span class="count">${plural(warnings.length, 'configuration problem')}</span></h2>
<div class="panel pad"><ul class="plain">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>
</section>`);
  }
  if (passed.length > 0) {
    body.push(`<section id="passed"><details class="passed"><summary>Passed checks (${passed.length})</summary>
${resultTable(passed, 'Result', true)}
</details></section>`);
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mqops">
<title>${escapeHtml(title)}: ${escapeHtml(headline(report))}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="wrap">
<div class="brand">mqops · Amazon MQ audit</div>
<h1>${escapeHtml(sentence(headline(report)))}</h1>
${outcome}
<p class="meta">Trigger ${escapeHtml(report.trigger)} · started ${escapeHtml(report.startedAt)} · finished ${escapeHtml(report.finishedAt)}</p>
${diff}
<div class="cards">
${card('fail', fails.length, 'failing')}
${card('suppressed', suppressed.length, 'suppressed')}
${card('unknown', unknown.length, 'not checked')}
${card('pass', passed.length, 'passed')}
${card('error', report.outcome.gaps.filter((g) => !g.check).length, 'not audited')}
</div>
${chips ? `<nav class="chips" aria-label="Failing findings by severity">${chips}</nav>` : ''}
</div></header>
<main><div class="wrap">
${body.join('\n')}
</div></main>
<footer><div class="wrap">Generated by mqops from an audit of ${plural(report.brokersAudited, 'broker')} finished ${escapeHtml(report.finishedAt)}.</div></footer>
</body>
</html>
`;
}
