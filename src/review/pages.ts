import type { Evidence } from '../finding.js';
import type { TextSpan } from '../message/model.js';
import { html, type HtmlValue, type SafeHtml } from './html.js';
import { formatTime } from './notices.js';
import { decisionsFor, REVIEW_STATUSES, type ListedItem, type PartyView, type ReviewContent, type ReviewDecision, type ReviewRecord, type ReviewStatus } from './store.js';

/** Who is looking, for the page frame. */
export interface PageContext {
  readonly user?: string;
  readonly csrfToken?: string;
  readonly timeZone: string;
}

/** The list filters as typed in the form, echoed back into it. */
export interface ListFilters {
  readonly status: ReviewStatus | 'open' | 'all';
  readonly filter: string;
  readonly from: string;
  readonly to: string;
  readonly sender: string;
}

export interface FilterInfo {
  readonly id: string;
  readonly title: string;
  /** what each rule code means */
  readonly rules: ReadonlyMap<string, string>;
}

export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

const STATUS_LABEL: Record<ReviewStatus, string> = {
  flagged: 'Flagged (delivered)',
  held: 'Held (not delivered)',
  dismissed: 'Dismissed',
  confirmed: 'Confirmed breach',
  released: 'Released',
};

const DECISION_BUTTON: Record<ReviewStatus, Partial<Record<ReviewDecision, { label: string; className: string }>>> = {
  held: {
    release: { label: 'Release: deliver to its recipients', className: 'release' },
    confirm: { label: 'Confirm breach: do not deliver', className: 'danger' },
    dismiss: { label: 'Dismiss: do not deliver', className: 'secondary' },
  },
  flagged: {
    dismiss: { label: 'Dismiss: no breach', className: 'secondary' },
    confirm: { label: 'Confirm breach', className: 'danger' },
  },
  dismissed: {},
  confirmed: {},
  released: {},
};

function layout(context: PageContext, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Member/Officer review</title>
<link rel="stylesheet" href="/assets/review.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a href="/">Member/Officer review</a>
  ${
    context.user
      ? html`<form method="post" action="/logout">
    <span>Signed in as ${context.user}</span>
    <input type="hidden" name="csrf" value="${context.csrfToken ?? ''}">
    <button type="submit">Sign out</button>
  </form>`
      : ''
  }
</header>
<main id="main">
${body}
</main>
<footer>Every view and decision on this page is recorded in the audit trail.</footer>
</body>
</html>`;
}

export function loginPage(context: PageContext, options: { csrfToken: string; message?: Flash; user?: string }): SafeHtml {
  return layout(
    context,
    'Sign in',
    html`<div class="login">
  <h1>Sign in</h1>
  <p class="muted">For the Monitoring Officer and deputies only.</p>
  ${options.message ? html`<p class="notice ${options.message.kind === 'error' ? 'error' : ''}" role="alert">${options.message.text}</p>` : ''}
  <section class="panel">
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="${options.csrfToken}">
    <div><label for="user">User name</label><input id="user" name="user" autocomplete="username" required value="${options.user ?? ''}"></div>
    <div><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
    <button type="submit">Sign in</button>
  </form>
  </section>
</div>`,
  );
}

function listLink(filters: ListFilters, changes: Partial<ListFilters>): string {
  const merged = { ...filters, ...changes };
  const query = new URLSearchParams();
  if (merged.status !== 'open') query.set('status', merged.status);
  if (merged.filter) query.set('filter', merged.filter);
  if (merged.from) query.set('from', merged.from);
  if (merged.to) query.set('to', merged.to);
  if (merged.sender) query.set('sender', merged.sender);
  const text = query.toString();
  return text ? `/?${text}` : '/';
}

export function listPage(
  context: PageContext,
  data: { counts: Record<ReviewStatus, number>; items: readonly ListedItem[]; total: number; filters: ListFilters; filterInfo: readonly FilterInfo[]; retentionDays: number },
): SafeHtml {
  const { counts, filters } = data;
  const all = REVIEW_STATUSES.reduce((sum, status) => sum + counts[status], 0);
  const tabs: Array<{ status: ListFilters['status']; label: string; count: number }> = [
    { status: 'open', label: 'Open', count: counts.flagged + counts.held },
    ...REVIEW_STATUSES.map((status) => ({ status, label: STATUS_LABEL[status], count: counts[status] })),
    { status: 'all', label: 'All', count: all },
  ];
  const rows = data.items.map(({ record, summary }) => {
    const link = `/flags/${encodeURIComponent(record.id)}`;
    return html`<tr>
  <td data-label="Received">${formatTime(new Date(record.receivedAt), context.timeZone)}</td>
  <td data-label="Status"><span class="badge ${record.status}">${STATUS_LABEL[record.status]}</span></td>
  <td data-label="From">${summary ? summary.from || '(none)' : html`<span class="muted">deleted</span>`}</td>
  <td data-label="Subject"><a href="${link}">${summary ? summary.subject || '(no subject)' : `Item ${record.id} (content deleted after ${data.retentionDays} days)`}</a></td>
  <td data-label="Why">${findingsLine(record)}</td>
</tr>`;
  });
  return layout(
    context,
    'Flagged and held mail',
    html`<h1>Flagged and held mail</h1>
<nav class="tabs" aria-label="Status">
  <ul>
  ${tabs.map((tab) => html`<li><a href="${listLink(filters, { status: tab.status })}"${tab.status === filters.status ? html` aria-current="page"` : ''}>${tab.label} <span class="count">(${tab.count})</span></a></li>`)}
  </ul>
</nav>
<section class="panel" aria-labelledby="filters-heading">
  <h2 id="filters-heading" class="muted">Filter</h2>
  <form class="filters" method="get" action="/">
    <div><label for="status">Status</label><select id="status" name="status">
      ${tabs.map((tab) => html`<option value="${tab.status}"${tab.status === filters.status ? html` selected` : ''}>${tab.label}</option>`)}
    </select></div>
    <div><label for="filter">Filter</label><select id="filter" name="filter">
      <option value="">Any filter</option>
      ${data.filterInfo.map((info) => html`<option value="${info.id}"${info.id === filters.filter ? html` selected` : ''}>${info.title}</option>`)}
    </select></div>
    <div><label for="from">Received from</label><input id="from" name="from" type="date" value="${filters.from}"></div>
    <div><label for="to">Received to</label><input id="to" name="to" type="date" value="${filters.to}"></div>
    <div><label for="sender">Sender contains</label><input id="sender" name="sender" type="search" value="${filters.sender}" autocomplete="off"></div>
    <div class="actions"><button type="submit">Apply</button><a class="button secondary" href="/">Clear</a></div>
  </form>
</section>
<table class="items">
  <caption>${data.total === data.items.length ? `${data.total} item${data.total === 1 ? '' : 's'}` : `Newest ${data.items.length} of ${data.total} items`}</caption>
  <thead><tr><th scope="col">Received</th><th scope="col">Status</th><th scope="col">From</th><th scope="col">Subject</th><th scope="col">Why</th></tr></thead>
  <tbody>
  ${rows.length > 0 ? rows : html`<tr><td colspan="5">Nothing matches.</td></tr>`}
  </tbody>
</table>`,
  );
}

function findingsLine(record: ReviewRecord): SafeHtml {
  const seen = new Set<string>();
  const parts: SafeHtml[] = [];
  for (const finding of record.findings) {
    const key = `${finding.filter}|${finding.protocolRef}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parts.push(html`<span>${finding.filter} <span class="muted">(para ${finding.protocolRef})</span></span>`);
  }
  return html`${parts.map((part, index) => html`${index > 0 ? ', ' : ''}${part}`)}`;
}

interface Range {
  readonly start: number;
  readonly end: number;
}

/** Where each piece of evidence for `location` stands in `text`: its offsets if they fit, else every occurrence. */
function evidenceRanges(text: string, evidence: readonly Evidence[], location: string): Range[] {
  const ranges: Range[] = [];
  for (const item of evidence) {
    if (item.location !== location || !item.text) continue;
    if (item.start !== undefined && item.end !== undefined && text.slice(item.start, item.end) === item.text) {
      ranges.push({ start: item.start, end: item.end });
      continue;
    }
    let from = 0;
    for (let found = 0; found < 50; found += 1) {
      const index = text.indexOf(item.text, from);
      if (index < 0) break;
      ranges.push({ start: index, end: index + item.text.length });
      from = index + item.text.length;
    }
  }
  return ranges;
}

/** The text, escaped, with evidence in <mark> and quoted parts dimmed. */
export function highlightText(text: string, marks: readonly Range[], dimmed: readonly Range[] = []): SafeHtml {
  const points = new Set<number>([0, text.length]);
  for (const range of [...marks, ...dimmed]) {
    points.add(Math.max(0, Math.min(text.length, range.start)));
    points.add(Math.max(0, Math.min(text.length, range.end)));
  }
  const sorted = [...points].sort((a, b) => a - b);
  const pieces: SafeHtml[] = [];
  for (let index = 0; index + 1 < sorted.length; index += 1) {
    const start = sorted[index] as number;
    const end = sorted[index + 1] as number;
    if (end <= start) continue;
    const inside = (range: Range): boolean => range.start <= start && end <= range.end;
    let piece: SafeHtml = html`${text.slice(start, end)}`;
    if (marks.some(inside)) piece = html`<mark>${piece}</mark>`;
    if (dimmed.some(inside)) piece = html`<span class="quoted">${piece}</span>`;
    pieces.push(piece);
  }
  return html`${pieces}`;
}

function partyList(parties: readonly PartyView[]): HtmlValue {
  if (parties.length === 0) return html`<span class="muted">none</span>`;
  return parties.map((party, index) => html`${index > 0 ? ', ' : ''}${partyLabel(party)}`);
}

function partyLabel(party: PartyView): SafeHtml {
  const who = party.person ?? party.displayName;
  const roles = party.roles.filter((role) => role !== 'external');
  return html`${who ? html`${who} &lt;${party.address}&gt;` : party.address}${roles.length > 0 ? html` <span class="muted">(${roles.join(', ')})</span>` : ''}`;
}

export function itemPage(
  context: PageContext,
  data: { record: ReviewRecord; content: ReviewContent | null; view: 'text' | 'html'; flash?: Flash; filterInfo: readonly FilterInfo[]; retentionDays: number },
): SafeHtml {
  const { record, content } = data;
  const link = `/flags/${encodeURIComponent(record.id)}`;
  const allEvidence = content?.findings.flatMap((finding) => finding.evidence) ?? [];
  const subject = content ? content.subject || '(no subject)' : `Item ${record.id}`;
  const subjectMarks = content ? evidenceRanges(content.subject, allEvidence, 'subject') : [];
  const info = (filter: string): FilterInfo | undefined => data.filterInfo.find((entry) => entry.id === filter);
  const decisions = decisionsFor(record.status);

  const decisionPanel =
    decisions.length > 0
      ? html`<section class="panel" aria-labelledby="decide-heading">
  <h2 id="decide-heading">Your decision</h2>
  <form method="post" action="${link}/decision">
    <input type="hidden" name="csrf" value="${context.csrfToken ?? ''}">
    <label for="note">Note for the record <span class="muted">(kept with the decision)</span></label>
    <textarea id="note" name="note" maxlength="2000"></textarea>
    <div class="actions">
    ${Object.entries(DECISION_BUTTON[record.status])
      .filter(([decision]) => decisions.includes(decision as ReviewDecision))
      .map(([decision, button]) => html`<button type="submit" name="decision" value="${decision}" class="${button.className}">${button.label}</button>`)}
    </div>
  </form>
</section>`
      : '';

  const decisionRecord = record.decision
    ? html`<section class="panel" aria-labelledby="decision-heading">
  <h2 id="decision-heading">Decision</h2>
  <dl class="facts">
    <dt>Decision</dt><dd>${record.decision.decision}</dd>
    <dt>By</dt><dd>${record.decision.by}</dd>
    <dt>When</dt><dd>${formatTime(new Date(record.decision.at), context.timeZone)}</dd>
    <dt>Note</dt><dd>${record.decision.note || html`<span class="muted">none</span>`}</dd>
    ${record.decision.nextHopResponse ? html`<dt>Next hop replied</dt><dd>${record.decision.nextHopResponse}</dd>` : ''}
  </dl>
</section>`
    : '';

  const findings = (content?.findings ?? record.findings.map((summary) => ({ ...summary, evidence: [] as Evidence[], explanation: '' }))).map((finding) => {
    const filter = info(finding.filter);
    const ruleText = filter?.rules.get(finding.rule);
    return html`<div class="finding">
  <h3>${filter?.title ?? finding.filter} <span class="muted">· ${finding.rule}</span></h3>
  <p><span class="paragraph">Member/Officer Protocol paragraph ${finding.protocolRef}</span> · severity ${finding.severity} · score ${finding.score.toFixed(2)}</p>
  ${ruleText ? html`<p class="muted">${ruleText}</p>` : ''}
  ${finding.explanation ? html`<p>${finding.explanation}</p>` : ''}
  ${
    finding.evidence.length > 0
      ? html`<ul>${finding.evidence.map((item) => html`<li><span class="muted">${item.location}${item.forwarded ? ' (forwarded)' : ''}:</span> <mark>${item.text}</mark></li>`)}</ul>`
      : ''
  }
</div>`;
  });

  let body: SafeHtml;
  if (!content) {
    body = html`<section class="panel"><p>The message content was deleted ${data.retentionDays} days after it was received. The decision record and audit trail remain.</p></section>`;
  } else {
    const hidden = new Set(content.hiddenRecipients);
    const bodyMarks = evidenceRanges(content.text.body, allEvidence, 'body');
    const dimmed: Range[] = [...content.text.quoted, ...(content.text.signature ? [content.text.signature] : [])].map((span: TextSpan) => ({ start: span.start, end: span.end }));
    const messageView =
      data.view === 'html' && content.html !== undefined
        ? html`<p><a href="${link}">Show as plain text</a></p>
<iframe class="message-html" sandbox="" src="${link}/html" title="Formatted message, sanitised: scripts, links and remote images removed" referrerpolicy="no-referrer"></iframe>`
        : html`${content.html !== undefined ? html`<p><a href="${link}?view=html">Show the formatted version</a> <span class="muted">(sanitised: scripts, links and remote images removed)</span></p>` : ''}
<pre class="message-text" tabindex="0" aria-label="Message text">${highlightText(content.text.body, bodyMarks, dimmed)}</pre>
<p class="muted">Highlighted: the evidence. Greyed: quoted earlier mail and the signature.${content.text.truncated ? ' The text was cut at the screening limit.' : ''}</p>`;
    body = html`<section class="panel" aria-labelledby="envelope-heading">
  <h2 id="envelope-heading">Envelope and addresses</h2>
  <dl class="facts">
    <dt>Envelope sender</dt><dd>${content.envelope.mailFrom || '<> (null sender)'}</dd>
    <dt>Envelope recipients</dt><dd><ul class="recipients">${content.envelope.rcptTo.map((rcpt) =>
      hidden.has(rcpt) ? html`<li class="hidden-recipient">${rcpt} (hidden: not in To or Cc)</li>` : html`<li>${rcpt}</li>`,
    )}</ul></dd>
    <dt>From</dt><dd>${partyList(content.from)}</dd>
    <dt>To</dt><dd>${partyList(content.to)}</dd>
    <dt>Cc</dt><dd>${partyList(content.cc)}</dd>
    ${content.bcc.length > 0 ? html`<dt>Bcc header</dt><dd>${partyList(content.bcc)}</dd>` : ''}
    ${content.replyTo.length > 0 ? html`<dt>Reply-To</dt><dd>${partyList(content.replyTo)}</dd>` : ''}
    <dt>Date</dt><dd>${content.date ? formatTime(new Date(content.date), context.timeZone) : html`<span class="muted">none</span>`}</dd>
    <dt>Message-ID</dt><dd>${content.messageId ?? html`<span class="muted">none</span>`}</dd>
  </dl>
</section>
<section class="panel" aria-labelledby="message-heading">
  <h2 id="message-heading">Message</h2>
  ${messageView}
  ${
    content.attachments.length > 0
      ? html`<h3>Attachments</h3><ul>${content.attachments.map((attachment) => html`<li>${attachment.filename} <span class="muted">(${attachment.contentType}, ${attachment.size} bytes)</span></li>`)}</ul>`
      : ''
  }
</section>
<section class="panel">
  <details>
    <summary>All headers (${content.headers.length})</summary>
    <table class="headers"><tbody>${content.headers.map((line) => html`<tr><th scope="row">${line.key}</th><td>${line.value}</td></tr>`)}</tbody></table>
  </details>
</section>`;
  }

  return layout(
    context,
    subject,
    html`<p><a href="/">← All items</a></p>
<h1>${content ? highlightText(subject, subjectMarks) : subject}</h1>
<p><span class="badge ${record.status}">${STATUS_LABEL[record.status]}</span>
  <span class="muted">Received ${formatTime(new Date(record.receivedAt), context.timeZone)} · review ${record.id} · ${record.contentExpiresAt ? `content kept until ${formatTime(new Date(record.contentExpiresAt), context.timeZone)}` : 'content kept until a decision is made'}</span></p>
${data.flash ? html`<p class="notice ${data.flash.kind === 'error' ? 'error' : ''}" role="${data.flash.kind === 'error' ? 'alert' : 'status'}">${data.flash.text}</p>` : ''}
<section class="panel" aria-labelledby="findings-heading">
  <h2 id="findings-heading">Why it was ${record.action === 'hold' ? 'held' : 'flagged'}</h2>
  ${findings}
</section>
${decisionPanel}
${decisionRecord}
${body}`,
  );
}

/** The sanitised HTML as its own document, for the sandboxed frame. */
export function htmlFrame(sanitised: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Formatted message</title>
<style>body{font-family:system-ui,Arial,sans-serif;margin:0.75rem;color:#1b1f24;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>
</head><body>${sanitised}</body></html>`;
}

/** The page for an error that has no better page, e.g. 404. */
export function messagePage(context: PageContext, title: string, text: string): SafeHtml {
  return layout(context, title, html`<h1>${title}</h1><p>${text}</p><p><a href="/">Back to the list</a></p>`);
}

/** What an unauthenticated page request gets with its 401: the way to sign in, and nothing else. */
export function signInRequiredPage(): SafeHtml {
  return html`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/login"><title>Sign in required</title></head>
<body><p><a href="/login">Sign in</a> to see this page.</p></body></html>`;
}
