/** The review page's only style sheet, served from /assets/review.css (the CSP allows no inline styles). */
export const REVIEW_CSS = `
:root {
  --ink: #1b1f24; --muted: #505a64; --line: #c9d0d6; --paper: #ffffff; --wash: #f3f5f7;
  --accent: #1d4f91; --held: #8a1c1c; --flagged: #8a5300; --ok: #1e5e2f; --mark: #ffe58a;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); background: var(--wash); line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid #ffbf47; outline-offset: 2px;
}
.skip { position: absolute; left: -999px; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--paper); padding: 0.5rem; z-index: 2; }
header.site { background: var(--accent); color: #fff; padding: 0.6rem 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between; }
header.site a { color: #fff; font-weight: 600; text-decoration: none; }
header.site form { margin: 0; display: flex; gap: 0.5rem; align-items: center; }
header.site button { background: transparent; color: #fff; border: 1px solid #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0.75rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
section.panel { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin: 0 0 1rem; }
section.panel > h2:first-child { margin-top: 0.25rem; }
.muted { color: var(--muted); }
.notice { border-left: 5px solid var(--accent); background: var(--paper); padding: 0.6rem 0.9rem; margin: 0 0 1rem; }
.notice.error { border-color: var(--held); }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 1rem; font-size: 0.85rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.held { color: var(--held); } .badge.flagged { color: var(--flagged); }
.badge.dismissed, .badge.released { color: var(--ok); } .badge.confirmed { color: var(--held); background: #fbeaea; }
nav.tabs ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: 0.4rem; }
nav.tabs a { display: inline-block; padding: 0.35rem 0.7rem; border: 1px solid var(--line); border-radius: 4px; background: var(--paper); text-decoration: none; }
nav.tabs a[aria-current="page"] { background: var(--accent); color: #fff; border-color: var(--accent); }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.6rem 1rem; align-items: end; }
label { display: block; font-weight: 600; font-size: 0.9rem; margin-bottom: 0.2rem; }
input, select, textarea { width: 100%; font: inherit; padding: 0.4rem 0.5rem; border: 1px solid #8a949e; border-radius: 4px; background: #fff; }
textarea { min-height: 5rem; }
button, .button { font: inherit; font-weight: 600; padding: 0.5rem 0.9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: var(--paper); color: var(--accent); }
button.danger { background: var(--held); border-color: var(--held); }
button.release { background: var(--ok); border-color: var(--ok); }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 0.6rem; }
table.items { width: 100%; border-collapse: collapse; background: var(--paper); }
table.items caption { text-align: left; padding: 0.4rem 0; color: var(--muted); }
table.items th, table.items td { text-align: left; padding: 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
table.items th { background: var(--wash); font-size: 0.9rem; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, 12rem) 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.recipients { margin: 0; padding-left: 1.1rem; }
.hidden-recipient { color: var(--held); font-weight: 600; }
.finding { border-top: 1px solid var(--line); padding-top: 0.6rem; margin-top: 0.6rem; }
.finding:first-of-type { border-top: 0; margin-top: 0; padding-top: 0; }
.finding h3 { font-size: 1rem; margin: 0 0 0.25rem; }
.paragraph { font-weight: 600; }
mark { background: var(--mark); color: inherit; padding: 0 0.1rem; border-bottom: 2px solid #b98900; }
pre.message-text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9rem; background: var(--paper); border: 1px solid var(--line); padding: 0.75rem; margin: 0; max-height: 70vh; overflow: auto; }
pre.message-text .quoted { color: #6b737b; }
iframe.message-html { width: 100%; min-height: 28rem; border: 1px solid var(--line); background: #fff; }
details summary { cursor: pointer; font-weight: 600; }
table.headers { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
table.headers th, table.headers td { text-align: left; vertical-align: top; padding: 0.2rem 0.4rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.login { max-width: 24rem; margin: 3rem auto; }
.login form > div { margin-bottom: 0.8rem; }
footer { text-align: center; color: var(--muted); font-size: 0.8rem; padding: 1rem; }
@media (max-width: 40rem) {
  main { padding: 0.6rem; }
  table.items thead { position: absolute; left: -999px; }
  table.items, table.items tbody, table.items tr, table.items td { display: block; width: 100%; }
  table.items tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 0.6rem; padding: 0.3rem 0; background: var(--paper); }
  table.items td { border: 0; padding: 0.2rem 0.6rem; }
  table.items td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  table.items caption { display: block; }
  form.filters { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  form.filters .actions { grid-column: 1 / -1; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.4rem; }
}
`;
