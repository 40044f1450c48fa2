import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { Filter, FilterContext } from '../../src/finding.js';
import { parseMessage } from '../../src/message/parse.js';
import { withAttachment } from '../helpers/messages.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import { screeningHeaderValue } from '../../src/policy.js';
import { filters } from '../../filters/index.js';
import { configWith, exampleConfig } from '../helpers/config.js';
import { sendThrough, startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { fixtureFiles, loadFixture } from '../filters/protocol-fixtures.js';

// the parser's body stage is watched: the body's text is split into new and quoted text, and each
// attachment's text is extracted, only when the body is read; "not parsed" is seen, not inferred
const calls = vi.hoisted(() => ({ bodies: 0, attachments: 0 }));
vi.mock('../../src/message/text.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/message/text.js')>();
  return {
    ...original,
    splitText: (...args: Parameters<typeof original.splitText>) => {
      calls.bodies += 1;
      return original.splitText(...args);
    },
  };
});
vi.mock('../../src/message/attachments.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/message/attachments.js')>();
  return {
    ...original,
    extractAttachmentText: (...args: Parameters<typeof original.extractAttachmentText>) => {
      calls.attachments += 1;
      return original.extractAttachmentText(...args);
    },
  };
});

const MEMBER = 'cllr.hadley@greyfordvale.gov.uk';
/** Cllr Gareth Pryce's personal address, listed in the example policy */
const MEMBER_PERSONAL = 'gareth.pryce@example.org';
const OFFICER = 'imran.shah@greyfordvale.gov.uk';
const RESIDENT = 'jo.bloggs@example.org';

function letter(from: string, to: string, body: string, extra: readonly string[] = []): string {
  return [`From: ${from}`, `To: ${to}`, 'Subject: Bins on Castle Street', 'Message-ID: <scope-1@example.org>', 'Date: Mon, 23 Nov 2026 10:00:00 +0000', ...extra, '', body, ''].join('\r\n');
}

async function screenRaw(raw: string, mailFrom: string, rcptTo: readonly string[], config: Config = exampleConfig()): Promise<ScreeningResult> {
  return screen({ raw: Buffer.from(raw), envelope: { mailFrom, rcptTo }, receivedAt: new Date('2026-11-23T10:00:00Z') }, { config, directory: new Directory(config), filters });
}

beforeEach(() => {
  calls.bodies = 0;
  calls.attachments = 0;
});

describe('scope check, through the relay', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address);
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
  });

  it("relays a resident's message to an officer byte-exact, marked scope=out, without parsing its body or attachment", async () => {
    const message = withAttachment(`Jo Bloggs <${RESIDENT}>`, `Imran Shah <${OFFICER}>`, { filename: 'complaint.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 The bins were not collected.') });
    const result = await sendThrough(relay.port, { from: RESIDENT, to: [OFFICER] }, message);
    expect(result.ok, result.response).toBe(true);
    const { added, rest } = withoutAddedHeaders(sink.messages.at(-1)!.raw);
    expect(rest.toString('latin1')).toBe(message);
    expect(added).toMatch(/\r\nX-Member-Officer-Screening: action=deliver; findings=none; scope=out\r\n$/);
    expect(calls).toEqual({ bodies: 0, attachments: 0 });
  });

  it("parses and screens a member's message to an officer in full, attachment included", async () => {
    const message = withAttachment(`Cllr Tom Hadley <${MEMBER}>`, `Imran Shah <${OFFICER}>`, { filename: 'notes.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 Notes from the Castle Street walkabout.') });
    const result = await sendThrough(relay.port, { from: MEMBER, to: [OFFICER] }, message);
    expect(result.ok, result.response).toBe(true);
    const { added } = withoutAddedHeaders(sink.messages.at(-1)!.raw);
    // screened in full: the unreadable PDF is named, which only reading the attachment can do
    expect(added).toMatch(/\r\nX-Member-Officer-Screening: action=flag; findings=screening-incomplete\r\n$/);
    expect(calls.bodies).toBeGreaterThan(0);
    expect(calls.attachments).toBe(1);
  });
});

describe('scope check, in the pipeline', () => {
  it("keeps a member's mail from a personal address the directory lists in scope", async () => {
    const result = await screenRaw(letter(`Gareth <${MEMBER_PERSONAL}>`, OFFICER, 'Please go ahead and order six new litter bins; the Council will pay for them.'), MEMBER_PERSONAL, [OFFICER]);
    expect(result.scope).toBe('in');
    expect(result.findings.map((finding) => finding.filter)).toContain('obligation');
  });

  it('keeps a message whose From names a member in scope, whatever the envelope sender', async () => {
    const result = await screenRaw(letter(`Cllr Tom Hadley <${MEMBER}>`, OFFICER, 'Please go ahead and order six new litter bins; the Council will pay for them.'), 'bounces@mailer.example', [OFFICER]);
    expect(result.scope).toBe('in');
    expect(result.findings.map((finding) => finding.filter)).toContain('obligation');
  });

  it("keeps an unlisted address in scope for obligations when its name may be a member's", async () => {
    const body = 'Go ahead and order six new litter bins for Castle Street. The Council will cover the cost.\r\n\r\nThanks,\r\nCllr Tom Hadley';
    const byAddress = await screenRaw(letter('Tom H <t.hadley.ward@mail.example>', OFFICER, body), 't.hadley.ward@mail.example', [OFFICER]);
    expect(byAddress.scope).toBe('in');
    expect(byAddress.findings.map((finding) => finding.filter)).toContain('obligation');
    // "Tom H" from an address that says nothing more: a member's first name and initial
    const byName = await screenRaw(letter('Tom H <th1961@mail.example>', OFFICER, body), 'th1961@mail.example', [OFFICER]);
    expect(byName.scope).toBe('in');
    expect(byName.findings.map((finding) => finding.filter)).toContain('obligation');
    // a stranger's name says nothing: the body, signature and all, is not read
    const stranger = await screenRaw(letter(`Jo Bloggs <${RESIDENT}>`, OFFICER, body), RESIDENT, [OFFICER]);
    expect(stranger.scope).toBe('out');
  });

  it('keeps an officer’s reply to a member in scope with every filter off, so that it can acknowledge an enquiry', async () => {
    const base = exampleConfig();
    const filtersOff = configWith({ filters: Object.fromEntries(Object.keys(base.filters).map((id) => [id, { enabled: false }])) });
    const reply = await screenRaw(letter(`Imran Shah <${OFFICER}>`, `Cllr Tom Hadley <${MEMBER}>`, 'Thank you, I will look into this and reply within ten days.', ['In-Reply-To: <enquiry-1@greyfordvale.gov.uk>']), OFFICER, [MEMBER], filtersOff);
    expect(reply.scope).toBe('in');
    const enquiry = await screenRaw(letter(`Cllr Tom Hadley <${MEMBER}>`, `Imran Shah <${OFFICER}>`, 'Could you tell me when the bins on Castle Street will be collected?'), MEMBER, [OFFICER], filtersOff);
    expect(enquiry.scope).toBe('in');
    expect(enquiry.enquiry).toMatchObject({ member: MEMBER, officer: OFFICER });
    const officerToOfficer = await screenRaw(letter(`Imran Shah <${OFFICER}>`, 'rachel.finch@greyfordvale.gov.uk', 'The depot roof survey is attached.'), OFFICER, ['rachel.finch@greyfordvale.gov.uk'], filtersOff);
    expect(officerToOfficer.scope).toBe('out');
  });

  it("reads a resident's mail to a member whole, so that text no filter could read is named as the policy says", async () => {
    const message = withAttachment(`Jo Bloggs <${RESIDENT}>`, 'Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk>', { filename: 'letter.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 not really a PDF') });
    const result = await screenRaw(message, RESIDENT, ['cllr.amber@greyfordvale.gov.uk']);
    expect(result.scope).toBe('in');
    expect(result.findings).toEqual([expect.objectContaining({ filter: 'screening-incomplete', rule: 'MEMBER_TEXT_NOT_READ' })]);
    expect(result.action).toBe('flag');
  });

  it('screens everything in full with relay.screening.scopeCheck off', async () => {
    const base = exampleConfig();
    const config = configWith({ relay: { ...base.relay, screening: { ...base.relay.screening, scopeCheck: false } } });
    const result = await screenRaw(letter(RESIDENT, OFFICER, 'The bins were not collected.'), RESIDENT, [OFFICER], config);
    expect(result.scope).toBe('in');
    expect(screeningHeaderValue(result)).toBe('action=deliver; findings=none');
    expect(calls.bodies).toBe(1);
  });
});

describe("each filter's scope", () => {
  const FOLDERS = ['blind-copy', 'obligation', 'pre-election', 'abusive-language'] as const;
  const config = exampleConfig();
  const directory = new Directory(config);
  const byId = new Map<string, Filter>(filters.map((filter) => [filter.id, filter]));
  const cases = FOLDERS.flatMap((folder) => fixtureFiles(folder).filter((file) => file.startsWith('flags-')).map((file) => [folder, file] as const));

  it.each(cases)('%s admits its own fixture %s on its envelope and header section', async (folder, file) => {
    const fixture = await loadFixture(folder, file);
    // the scope reads only what the header section gives: the parties of the parsed message
    const message = await parseMessage(fixture.raw, fixture.envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes });
    const { text: _text, attachments: _attachments, problems: _problems, unread: _unread, ...parties } = message;
    const filter = byId.get(folder) as Filter;
    const context: FilterContext = { config, directory, options: config.filters[folder] as FilterContext['options'], now: fixture.receivedAt };
    expect(filter.scope(parties, context)).toBe(true);
  });

  it('gives every fixture of every folder the same findings with the scope check on and off', async () => {
    const off = configWith({ relay: { ...config.relay, screening: { ...config.relay.screening, scopeCheck: false } } });
    const differences: string[] = [];
    let outOfScope = 0;
    for (const folder of [...FOLDERS, 'sla']) {
      for (const file of fixtureFiles(folder)) {
        const fixture = await loadFixture(folder, file);
        const input = { raw: fixture.raw, envelope: fixture.envelope, receivedAt: fixture.receivedAt };
        const on = await screen(input, { config, directory, filters });
        const full = await screen(input, { config: off, directory: new Directory(off), filters });
        if (on.scope === 'out') outOfScope += 1;
        const summary = (result: ScreeningResult): string => JSON.stringify({ action: result.action, findings: result.findings, enquiry: result.enquiry });
        if (summary(on) !== summary(full)) differences.push(`${folder}/${file}`);
      }
    }
    expect(differences).toEqual([]);
    // the comparison means something only if some fixtures are out of scope
    expect(outOfScope).toBeGreaterThan(0);
  });
});
