import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { reviewDedupeKey, ReviewStore } from '../../src/review/store.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';
import { addItem, basic, CANARY_BODY, CANARY_SUBJECT, REVIEWER, sampleContent, startReviewFixture, type ReviewFixture } from './fixture.js';

const AUTH = basic(REVIEWER.user, REVIEWER.password);

describe('review store', () => {
  let prefix: string;
  let redis: Redis;
  let store: ReviewStore;
  beforeEach(() => {
    prefix = uniquePrefix('review-store');
    redis = new Redis(TEST_REDIS_URL);
    store = new ReviewStore({ redis, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 86_400_000, logger: silentLogger });
  });
  afterEach(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it('keeps one item for a message delivered twice (same bytes and envelope)', async () => {
    const envelope = { mailFrom: 'cllr.hadley@greyfordvale.gov.uk', rcptTo: ['imran.shah@greyfordvale.gov.uk'] };
    const raw = Buffer.from('Message-ID: <a@b>\r\n\r\nbody\r\n');
    const key = reviewDedupeKey(envelope, raw);
    const first = await store.add({ status: 'held', receivedAt: new Date(), dedupeKey: key, content: sampleContent(), raw });
    const second = await store.add({ status: 'held', receivedAt: new Date(), dedupeKey: key, content: sampleContent(), raw });
    expect(second).toEqual({ id: first.id, duplicate: true });
    expect((await store.counts()).held).toBe(1);
    // a different envelope is a different delivery
    expect(reviewDedupeKey({ ...envelope, rcptTo: ['other@greyfordvale.gov.uk'] }, raw)).not.toBe(key);
  });

  it('keeps both of two different letters that carry the same Message-ID to the same envelope', async () => {
    const envelope = { mailFrom: 'cllr.hadley@greyfordvale.gov.uk', rcptTo: ['imran.shah@greyfordvale.gov.uk'] };
    const firstLetter = Buffer.from('Message-ID: <same@b>\r\n\r\nThe Council will pay for the fence.\r\n');
    const secondLetter = Buffer.from('Message-ID: <same@b>\r\n\r\nThe Council will also pay for the wall.\r\n');
    const first = await store.add({ status: 'held', receivedAt: new Date(), dedupeKey: reviewDedupeKey(envelope, firstLetter), content: sampleContent(), raw: firstLetter });
    const second = await store.add({ status: 'held', receivedAt: new Date(), dedupeKey: reviewDedupeKey(envelope, secondLetter), content: sampleContent(), raw: secondLetter });
    expect(second.duplicate).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect((await store.counts()).held).toBe(2);
  });

  it('finishes an item under the claimed id when the first attempt stopped after claiming it', async () => {
    await redis.set(store.key('dedupe', 'crashed'), 'AbCdEfGhIjKl');
    const result = await store.add({ status: 'held', receivedAt: new Date(), dedupeKey: 'crashed', content: sampleContent(), raw: Buffer.from('x') });
    expect(result).toEqual({ id: 'AbCdEfGhIjKl', duplicate: false });
    expect((await store.get('AbCdEfGhIjKl'))?.status).toBe('held');
  });

  it('keeps the raw bytes of held items only', async () => {
    const raw = Buffer.from([0x53, 0x75, 0x62, 0x6a, 0xe9, 0x0d, 0x0a, 0x00, 0xff]);
    const held = await addItem(store, 'held', {}, raw);
    const flagged = await addItem(store, 'flagged', {}, raw);
    expect((await store.raw(held))?.equals(raw)).toBe(true);
    expect(await store.raw(flagged)).toBeNull();
    expect((await store.get(flagged))?.rawSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('allows each decision only from the statuses it applies to', async () => {
    const flagged = await addItem(store, 'flagged');
    expect(await store.decide(flagged, { decision: 'release', note: '', by: 'nadia' })).toEqual({ kind: 'conflict', status: 'flagged' });
    const confirmed = await store.decide(flagged, { decision: 'confirm', note: 'n', by: 'nadia' });
    expect(confirmed.kind).toBe('ok');
    expect(await store.decide(flagged, { decision: 'dismiss', note: '', by: 'nadia' })).toEqual({ kind: 'conflict', status: 'confirmed' });
    expect(await store.decide('NoSuchItem00', { decision: 'dismiss', note: '', by: 'nadia' })).toEqual({ kind: 'missing' });
    const held = await addItem(store, 'held');
    expect(await store.claimRelease(held, 'nadia')).toBe(true);
    expect(await store.claimRelease(held, 'deputy')).toBe(false);
    // a release under way keeps another reviewer from confirming the same message
    expect(await store.decide(held, { decision: 'confirm', note: '', by: 'deputy' })).toEqual({ kind: 'busy' });
    expect((await store.decide(held, { decision: 'release', note: '', by: 'nadia' })).kind).toBe('ok');
    expect(await store.counts()).toEqual({ flagged: 0, held: 0, dismissed: 0, confirmed: 1, released: 1 });
  });

  it('chains the audit trail so an edited line shows', async () => {
    await store.audit({ who: 'nadia', role: 'reviewer', via: 'form', action: 'login', result: 'ok', ip: '127.0.0.1' });
    await store.audit({ who: 'nadia', role: 'reviewer', via: 'session', action: 'list', result: 'ok' });
    await store.audit({ who: 'nadia', role: 'reviewer', via: 'session', action: 'view', item: 'AbCdEfGhIjKl', result: 'ok' });
    expect(await store.verifyAudit()).toEqual({ ok: true, entries: 3 });
    const [, second] = await store.auditEntries();
    const forged = JSON.stringify({ who: 'someone-else', role: 'reviewer', via: 'session', action: 'list', result: 'ok', at: second?.at });
    // an insider rewriting a line keeps its hash fields but cannot make them fit the new text
    await redis.xdel(store.key('audit'), second!.streamId);
    await redis.xadd(store.key('audit'), '*', 'entry', forged, 'prev', second!.previousHash, 'hash', second!.hash);
    const verdict = await store.verifyAudit();
    expect(verdict.ok).toBe(false);
  });
});

describe('review retention', () => {
  let fixture: ReviewFixture;
  beforeEach(async () => {
    fixture = await startReviewFixture({ retentionMs: 3_000 });
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('purges the content after the retention period while the decision and the audit trail stay; an undecided hold keeps its letter until it is decided', async () => {
    const raw = Buffer.from(`Subject: ${CANARY_SUBJECT}\r\n\r\n${CANARY_BODY}\r\n`);
    const id = await addItem(fixture.store, 'held', {}, raw);
    const flagged = await addItem(fixture.store, 'flagged');
    const decide = (item: string, decision: string, note: string): Promise<Response> =>
      fetch(`${fixture.baseUrl}/api/flags/${item}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision, note }) });
    expect((await decide(flagged, 'confirm', 'Breach recorded.')).status).toBe(200);
    expect((await fixture.store.get(id))?.contentExpiresAt).toBe('');

    const expiresAt = Date.parse((await fixture.store.get(flagged))?.contentExpiresAt ?? '');
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 500));

    // the flagged item's content is gone; the held letter, undecided, is all there
    expect(await fixture.redis.exists(fixture.store.key('content', flagged))).toBe(0);
    for (const kind of ['content', 'summary', 'raw']) expect({ kind, kept: await fixture.redis.exists(fixture.store.key(kind, id)) }).toEqual({ kind, kept: 1 });
    const waiting = (await (await fetch(`${fixture.baseUrl}/api/flags/${id}`, { headers: { authorization: AUTH } })).json()) as Record<string, unknown>;
    expect(waiting).toMatchObject({ id, status: 'held', subject: CANARY_SUBJECT });
    const decision = (await (await fetch(`${fixture.baseUrl}/api/flags/${flagged}`, { headers: { authorization: AUTH } })).json()) as Record<string, unknown>;
    expect(decision).toMatchObject({ status: 'confirmed', decision: { decision: 'confirm', by: 'nadia', note: 'Breach recorded.' } });
    expect(decision.findings).toEqual([{ filter: 'obligation', rule: 'INSTRUCTION', severity: 'high', score: 0.82, protocolRef: '10.1.3' }]);

    // decided after its retention period, the held letter's content goes at once
    expect((await decide(id, 'confirm', 'Not to be sent.')).status).toBe(200);
    const heldExpiresAt = Date.parse((await fixture.store.get(id))?.contentExpiresAt ?? '');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, heldExpiresAt - Date.now()) + 500));
    for (const kind of ['content', 'summary', 'raw']) {
      const keys = await scanKeys(fixture.redis, `${fixture.store.key(kind)}:*`);
      expect({ kind, keys }).toEqual({ kind, keys: [] });
    }
    const after = (await (await fetch(`${fixture.baseUrl}/api/flags/${id}`, { headers: { authorization: AUTH } })).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ id, status: 'confirmed', subject: null, text: null, contentExpired: true, decision: { decision: 'confirm', note: 'Not to be sent.' } });

    const audit = await fixture.store.auditEntries();
    expect(audit.filter((entry) => entry.item === flagged).map((entry) => entry.action)).toEqual(['stored', 'decision', 'view']);
    expect(audit.filter((entry) => entry.item === id).map((entry) => entry.action)).toEqual(['stored', 'view', 'decision', 'view']);
    // nothing a message said is in the trail
    const everything = JSON.stringify(await fixture.redis.xrange(fixture.store.key('audit'), '-', '+'));
    expect(everything).not.toContain('Canary-subject');
    expect(everything).not.toContain('canary-body');
    expect(everything).not.toContain('hadley');
    expect((await fixture.store.verifyAudit()).ok).toBe(true);
  });
});

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
