import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import { classifyOfficerReply, normaliseSubject, requestIn } from '../../src/sla/enquiries.js';
import { configWith, exampleConfig } from '../helpers/config.js';
import { hasSharedData, sharedDataPath } from '../helpers/shared-data.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'sla');
/** Thursday 1 October 2026, 10:00 BST */
const THURSDAY_10AM = new Date('2026-10-01T09:00:00Z');

/** Screens a fixture the way the relay would, with the envelope taken from its To and Cc. */
async function screenFixture(name: string, config: Config = exampleConfig(), receivedAt = THURSDAY_10AM): Promise<ScreeningResult> {
  const raw = readFileSync(join(FIXTURES, name));
  const header = raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const field = (key: string): string => new RegExp(`^${key}:(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(header)?.[1] ?? '';
  const addresses = (value: string): string[] => [...value.matchAll(/<([^>]+)>/g)].map((match) => match[1] ?? '');
  const rcptTo = [...addresses(field('To')), ...addresses(field('Cc'))];
  const mailFrom = addresses(field('From'))[0] ?? null;
  return screen({ raw, envelope: { mailFrom, rcptTo }, receivedAt }, { config, directory: new Directory(config), filters: [] });
}

describe('a member enquiry opens', () => {
  it('when a member asks an officer to do something, with deadlines from the working calendar', async () => {
    const result = await screenFixture('opens-member-asks-officer.eml');
    expect(result.enquiry).toMatchObject({
      member: 'cllr.amber@greyfordvale.gov.uk',
      officer: 'imran.shah@greyfordvale.gov.uk',
      // 3 working days from Thursday 10:00 is Tuesday 17:00 BST; 10 is the Thursday after
      acknowledgeBy: '2026-10-06T16:00:00.000Z',
      respondBy: '2026-10-15T16:00:00.000Z',
      countedFrom: '2026-10-01T09:00:00.000Z',
      evidence: { location: 'body' },
    });
    expect(result.enquiry?.evidence.text).toContain('Could you arrange for it to be inspected');
  });

  it('when a member writes to the enquiries mailbox and the subject names it casework', async () => {
    const result = await screenFixture('opens-member-writes-to-enquiries-mailbox.eml');
    expect(result.enquiry).toMatchObject({
      member: 'cllr.hadley@greyfordvale.gov.uk',
      officer: 'member.enquiries@greyfordvale.gov.uk',
      evidence: { location: 'subject', text: 'Casework: green bins in Castle ward' },
    });
  });

  it('when a member forwards a resident’s email with a question of their own', async () => {
    const result = await screenFixture('opens-forwarded-resident-email.eml');
    expect(result.enquiry).toMatchObject({ member: 'cllr.okafor@greyfordvale.gov.uk', officer: 'rachel.finch@greyfordvale.gov.uk' });
    expect(result.enquiry?.evidence.text).toBe('Rachel, please see below from a resident in Riverside.');
  });

  it('counting from Monday 09:00 when the enquiry arrives on a Saturday', async () => {
    const saturday = new Date('2026-10-03T11:00:00Z');
    const result = await screenFixture('opens-member-asks-officer.eml', exampleConfig(), saturday);
    expect(result.enquiry).toMatchObject({ countedFrom: '2026-10-05T08:00:00.000Z', acknowledgeBy: '2026-10-08T16:00:00.000Z' });
  });

  it('with wall-clock deadlines when the council counts calendar time', async () => {
    const config = configWith({ sla: { acknowledge: 'PT30S', respond: 'P2D', remindBefore: 'PT10S' } });
    const result = await screenFixture('opens-member-asks-officer.eml', config);
    expect(result.enquiry).toMatchObject({ acknowledgeBy: '2026-10-01T09:00:30.000Z', respondBy: '2026-10-03T09:00:00.000Z' });
  });
});

describe('no enquiry opens', () => {
  it.each([
    ['an out-of-office reply marked Auto-Submitted', 'ignores-out-of-office.eml'],
    ['an out-of-office reply known only by its subject', 'ignores-out-of-office-without-header.eml'],
    ['a member’s reply in an officer’s thread, even with a question', 'ignores-reply-in-officer-thread.eml'],
    ['bare thanks', 'ignores-bare-thanks.eml'],
    ['a newsletter (List-Id, List-Unsubscribe, Precedence: bulk)', 'ignores-newsletter.eml'],
    ['a member’s message that asks for nothing', 'ignores-statement-without-request.eml'],
    ['a member writing to another member', 'ignores-member-to-member.eml'],
    ['an officer asking a member', 'ignores-officer-asks-member.eml'],
  ])('for %s', async (_what, fixture) => {
    const result = await screenFixture(fixture);
    expect(result.action).toBe('deliver');
    expect(result.enquiry).toBeNull();
  });

  it('when the officer named in To is not a recipient of this delivery', async () => {
    const config = exampleConfig();
    const raw = readFileSync(join(FIXTURES, 'opens-member-asks-officer.eml'));
    const result = await screen(
      { raw, envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: ['someone@example.org'] }, receivedAt: THURSDAY_10AM },
      { config, directory: new Directory(config), filters: [] },
    );
    expect(result.enquiry).toBeNull();
  });
});

describe('officer replies', () => {
  it('a holding reply in the thread acknowledges only', async () => {
    const reply = classifyOfficerReply((await screenFixture('reply-holding.eml')).message);
    expect(reply).toEqual({
      officer: 'imran.shah@greyfordvale.gov.uk',
      members: ['cllr.amber@greyfordvale.gov.uk'],
      kind: 'holding',
      answers: ['pothole-mill-lane-1@greyfordvale.gov.uk'],
      subjectKey: 'pothole on mill lane',
    });
  });

  it('a substantive reply in the thread closes, and names every message it answers', async () => {
    const reply = classifyOfficerReply((await screenFixture('reply-substantive.eml')).message);
    expect(reply?.kind).toBe('substantive');
    expect(reply?.answers).toEqual(['shah-holding-11@greyfordvale.gov.uk', 'pothole-mill-lane-1@greyfordvale.gov.uk']);
  });

  it('a reply without thread headers still carries the subject for the fallback match', async () => {
    const reply = classifyOfficerReply((await screenFixture('reply-subject-only.eml')).message);
    expect(reply).toMatchObject({ kind: 'substantive', answers: [], subjectKey: 'pothole on mill lane' });
  });

  it('an officer’s out-of-office reply neither acknowledges nor closes', async () => {
    expect(classifyOfficerReply((await screenFixture('reply-officer-out-of-office.eml')).message)).toBeNull();
  });

  it('a member’s message is not an officer reply', async () => {
    expect(classifyOfficerReply((await screenFixture('opens-member-asks-officer.eml')).message)).toBeNull();
  });
});

describe('request wording', () => {
  it.each([
    'Could you let me know when the road will reopen?',
    'Please can someone look into the flooding on Abbey Road.',
    'I would be grateful for an update on the planning application.',
    'Thanks for this - can you also check the drains?',
  ])('"%s" asks for something', (text) => {
    expect(requestIn('', text)).toBeDefined();
  });

  it.each([
    'Thank you, that is very helpful.',
    'Many thanks for sorting this out!',
    'Thanks. I appreciate your help.',
    'Hope you are well?',
    'If you have any questions, please let me know.',
    'Please find attached the minutes.',
  ])('"%s" does not', (text) => {
    expect(requestIn('', text)).toBeUndefined();
  });

  it('reply and forward prefixes and [EXTERNAL] tags are not part of the subject', () => {
    expect(normaliseSubject('RE: Fwd: [EXTERNAL]  Pothole on  Mill Lane')).toBe('pothole on mill lane');
  });

  it.runIf(hasSharedData('enron-intent'))('finds requests in labelled business email sentences well above chance', () => {
    const lines = (file: string): string[] => readFileSync(sharedDataPath('enron-intent', file), 'utf8').split('\n').filter(Boolean);
    const positives = lines('intent_pos.txt');
    const negatives = lines('intent_neg.txt');
    const asks = (sentence: string): boolean => requestIn('', sentence)?.location === 'body';
    const truePositives = positives.filter(asks).length;
    const falsePositives = negatives.filter(asks).length;
    const recall = truePositives / positives.length;
    const precision = truePositives / (truePositives + falsePositives);
    // measured 0.62 recall and 0.61 precision; the base rate of requests in the set is 0.34
    expect(recall).toBeGreaterThanOrEqual(0.6);
    expect(precision).toBeGreaterThanOrEqual(0.58);
  });
});
