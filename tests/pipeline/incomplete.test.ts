import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import { filters } from '../../filters/index.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import { screeningHeaderValue } from '../../src/policy.js';
import { storedZip } from '../../scripts/fixtures/office-documents.js';
import { configWith, exampleConfig } from '../helpers/config.js';
import { withAttachment } from '../helpers/messages.js';

const MEMBER = 'cllr.amber@greyfordvale.gov.uk';
const OFFICER = 'helen.marsh@greyfordvale.gov.uk';
const RESIDENT = 'j.bloggs@example.org';

function message(from: string, to: string, contentType: string, body: string, extraHeaders: readonly string[] = []): Buffer {
  return Buffer.from([`From: ${from}`, `To: ${to}`, 'Subject: Depot roof', 'MIME-Version: 1.0', `Content-Type: ${contentType}`, ...extraHeaders, '', body, ''].join('\r\n'), 'utf8');
}

/** a message forwarded inside a message, `depth` times */
function forwarded(depth: number, from: string, to: string): Buffer {
  let inner = 'From: someone@example.org\r\nSubject: original\r\n\r\nThe original text.\r\n';
  for (let level = 0; level < depth; level += 1) {
    inner = `From: ${from}\r\nSubject: fwd ${level}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f${level}"\r\n\r\n--f${level}\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n--f${level}\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--f${level}--\r\n`;
  }
  return Buffer.from(inner.replace(/^From: [^\r]*\r\n/, `From: ${from}\r\nTo: ${to}\r\n`));
}

const deepHtml = `<html><body>${'<div>'.repeat(300)}We accept your quote for the works.${'</div>'.repeat(300)}</body></html>`;
const hugeHtml = `<html><body>${'<p>Minutes of the meeting.</p>'.repeat(40_000)}</body></html>`;
/** a .docx whose one part declares more than the limit: not opened */
function mis_sizedDocx(): Buffer {
  const docx = storedZip([{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }]);
  const central = docx.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  docx.writeUInt32LE(0xffff_ff00, central + 24);
  return docx;
}

async function screenRaw(raw: Buffer, from: string, to: string, config: Config = exampleConfig()): Promise<ScreeningResult> {
  return screen({ raw, envelope: { mailFrom: from, rcptTo: [to] }, receivedAt: new Date('2026-11-23T10:00:00Z') }, { config, directory: new Directory(config), filters });
}

/** Each way text can go unread, and the words that must name it. */
const CASES: Array<[string, (from: string, to: string) => Buffer, RegExp, Config?]> = [
  ['HTML nested 300 levels deep', (from, to) => message(from, to, 'text/html; charset=utf-8', deepHtml), /HTML nested deeper than 200 levels/],
  ['an HTML body over a million characters', (from, to) => message(from, to, 'text/html; charset=utf-8', hugeHtml), /an HTML body of \d+ characters \(over 1000000\)/],
  ['text after maxParseBytes', (from, to) => message(from, to, 'text/plain', 'x'.repeat(5_000)), /everything after the first 2048 bytes/, configWith({ relay: { ...exampleConfig().relay, screening: { ...exampleConfig().relay.screening, maxParseBytes: 2_048 } } })],
  ['a .docx that declares more than it may inflate to', (from, to) => Buffer.from(withAttachment(from, to, { filename: 'letter.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: mis_sizedDocx() })), /attachment letter\.docx: docx could not be read: parts would inflate to 4294967040 bytes/],
  ['a message forwarded four levels deep', (from, to) => forwarded(5, from, to), /(in message\.eml, )+attachment message\.eml: nested too deep/],
];

describe('text no filter could read', () => {
  it.each(CASES)('%s: named in a screening-incomplete finding, which flags a member’s correspondence', async (_name, build, words, config) => {
    const result = await screenRaw(build(MEMBER, OFFICER), MEMBER, OFFICER, config);
    const finding = result.findings.find((candidate) => candidate.filter === 'screening-incomplete');
    expect(finding, JSON.stringify(result.findings.map((f) => f.filter))).toMatchObject({ rule: 'MEMBER_TEXT_NOT_READ' });
    expect(finding?.evidence[0]?.text).toMatch(words);
    expect(finding?.explanation).toMatch(words);
    expect(['flag', 'hold']).toContain(result.action);
  });

  it.each(CASES)('%s: on an officer’s mail to a resident, named in the header only', async (_name, build, words, config) => {
    const result = await screenRaw(build(OFFICER, RESIDENT), OFFICER, RESIDENT, config);
    const finding = result.findings.find((candidate) => candidate.filter === 'screening-incomplete');
    expect(finding).toMatchObject({ rule: 'TEXT_NOT_READ' });
    expect(finding?.evidence[0]?.text).toMatch(words);
    expect(result.action).toBe('deliver');
    expect(screeningHeaderValue(result)).toMatch(/findings=.*screening-incomplete/);
  });

  it.each(CASES)('%s: on a resident’s mail to an officer, which no filter covers, the body is not read at all', async (_name, build, _words, config) => {
    const result = await screenRaw(build(RESIDENT, OFFICER), RESIDENT, OFFICER, config);
    expect(result.scope).toBe('out');
    expect(result.findings).toEqual([]);
    expect(screeningHeaderValue(result)).toBe('action=deliver; findings=none; scope=out');
  });

  it('takes the action the policy sets, and raises nothing when everything was read', async () => {
    const base = exampleConfig();
    const holding = configWith({ relay: { ...base.relay, screening: { ...base.relay.screening, incomplete: 'hold' } } });
    expect((await screenRaw(message(MEMBER, OFFICER, 'text/html', deepHtml), MEMBER, OFFICER, holding)).action).toBe('hold');
    const read = await screenRaw(message(MEMBER, OFFICER, 'text/html', '<p>The depot roof survey is attached.</p>'), MEMBER, OFFICER);
    expect(read.findings.map((finding) => finding.filter)).not.toContain('screening-incomplete');
  });
});
