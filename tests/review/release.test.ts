import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { filters as registry } from '../../filters/index.js';
import { silentLogger } from '../../src/log.js';
import { createMailer, type Mailer } from '../../src/notify/mailer.js';
import { NextHopClient } from '../../src/relay/forward.js';
import { createReviewEffects, type ReviewEffects } from '../../src/review/effects.js';
import { ReviewStore } from '../../src/review/store.js';
import { configWith } from '../helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';
import { REDIS_SERVER, startScratchRedis, type ScratchRedis } from '../helpers/redis-server.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { basic, Client, REVIEWER, startReviewFixture, type ReviewFixture } from './fixture.js';

// the real pipeline and policy, with stand-in filters added so a subject marker holds or flags a message
vi.mock('../../filters/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../filters/index.js')>();
  return { filters: [...actual.filters, ...(await import('./test-filters.js')).testFilters] };
});

const AUTH = basic(REVIEWER.user, REVIEWER.password);
/** only the stand-ins run, so what the real filters think of these messages cannot change the outcome */
const FILTERS: Record<string, { enabled?: boolean; action?: 'hold' | 'flag' }> = {
  ...Object.fromEntries(registry.filter((filter) => !filter.id.startsWith('test-')).map((filter) => [filter.id, { enabled: false }])),
  'test-hold': { action: 'hold' },
  'test-flag': { action: 'flag' },
};
const MONITORING_OFFICER = 'nadia.kowalski@greyfordvale.gov.uk';

/** Bytes that a careless relay would change: dot-led lines, 8-bit text, a long line, trailing spaces. */
function heldMessage(marker = '[hold-me]', messageId = '<held-1@greyfordvale.gov.uk>'): Buffer {
  const lines = [
    'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
    'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
    `Subject: Depot roof ${marker} secret-subject-5d1e`,
    `Message-ID: ${messageId}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Imran, please proceed with the works on the depot roof.   ',
    '.a line that starts with a dot',
    '..and one with two',
    `Café £12 — ${'x'.repeat(1200)}`,
    'secret-body-c0ffee',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

describe('held and flagged mail through the relay', () => {
  let nextHop: Sink;
  let notifySink: Sink;
  let prefix: string;
  let redis: Redis;
  let store: ReviewStore;
  let effects: ReviewEffects;
  let relay: TestRelay;
  let review: ReviewFixture;
  let releaseClient: NextHopClient;
  let mailers: Mailer[];

  beforeEach(async () => {
    nextHop = await startSink();
    notifySink = await startSink();
    prefix = uniquePrefix('review-relay');
    const config = configWith({
      filters: FILTERS,
      monitoringOfficers: [MONITORING_OFFICER],
      notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp: notifySink.address },
      review: { listen: '127.0.0.1:8025', accounts: [], retentionDays: 90, publicUrl: 'https://review.greyfordvale.gov.uk', notifySender: 'council' },
    });
    redis = new Redis(TEST_REDIS_URL);
    store = new ReviewStore({ redis, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 90 * 86_400_000, logger: silentLogger });
    // one mailer for the relay side, one for the review page, as the gateway has them
    mailers = [createMailer(config), createMailer(config)];
    effects = createReviewEffects(store, { config, logger: silentLogger, mailer: mailers[0]! });
    relay = await startRelay(nextHop.address, { filters: FILTERS }, { review: effects.review });
    releaseClient = new NextHopClient({ address: nextHop.address, hostname: 'gateway.test', poolSize: 1, timeoutMs: 5_000, logger: silentLogger });
    review = await startReviewFixture({
      prefix,
      nextHop: releaseClient,
      mailer: mailers[1]!,
      review: { notifySender: 'council' },
      overrides: { notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp: notifySink.address } },
    });
  });
  afterEach(async () => {
    await relay.close();
    await review.close();
    await releaseClient.close();
    await effects.settle();
    // the mailer pools its connections: the sink cannot close while they are open
    for (const mailer of mailers) mailer.close();
    redis.disconnect();
    await nextHop.close();
    await notifySink.close();
    await deleteKeys(prefix);
  });

  it('holds a message, tells the Monitoring Officer without content, and releases it byte-exact with its envelope', async () => {
    const original = heldMessage();
    const envelope = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk', 'cllr.pryce@greyfordvale.gov.uk'], use8BitMime: true };
    const sent = await sendThrough(relay.port, envelope, original);
    expect(sent.ok).toBe(true);
    const id = /Held for review by the Monitoring Officer \(review ([A-Za-z0-9_-]{12})\)/.exec(sent.response)?.[1];
    expect(id).toBeDefined();
    expect(nextHop.messages).toHaveLength(0);
    expect((await store.get(id!))?.status).toBe('held');
    expect((await store.raw(id!))?.equals(original)).toBe(true);

    // the Monitoring Officer's notice: a link, the paragraph, nothing from the message
    await effects.settle();
    const toOfficer = notifySink.messages.filter((message) => message.rcptTo.includes(MONITORING_OFFICER));
    expect(toOfficer).toHaveLength(1);
    const notice = (await simpleParser(toOfficer[0]!.raw)).text ?? '';
    expect(notice).toContain(`https://review.greyfordvale.gov.uk/flags/${id}`);
    expect(notice).toContain('paragraph 10.1.3');
    expect(notice).not.toMatch(/secret-subject|secret-body|depot roof|Depot roof/);
    // policy notifySender: council → the sender hears it is held, and why
    const toSender = notifySink.messages.filter((message) => message.rcptTo.includes('cllr.hadley@greyfordvale.gov.uk'));
    expect(toSender).toHaveLength(1);
    expect((await simpleParser(toSender[0]!.raw)).text).toContain('paragraph 10.1.3');

    const client = new Client(review.baseUrl);
    await client.signIn();
    const page = await (await client.request(`/flags/${id}`)).text();
    expect(page).toContain('cllr.pryce@greyfordvale.gov.uk (hidden: not in To or Cc)');
    expect(page).toContain('<mark>[hold-me]</mark>');
    expect(page).toContain('<mark>please proceed with the works</mark>');

    const released = await client.request(`/flags/${id}/decision`, { method: 'POST', form: { csrf: client.csrf, decision: 'release', note: 'Not an instruction after all.' } });
    expect(released.status).toBe(303);
    await nextHop.waitFor(1);
    const delivered = nextHop.messages[0]!;
    expect(delivered.mailFrom).toBe('cllr.hadley@greyfordvale.gov.uk');
    expect(delivered.rcptTo).toEqual(['imran.shah@greyfordvale.gov.uk', 'cllr.pryce@greyfordvale.gov.uk']);
    // the gateway's Received line from when the letter arrived, then its verdict, then the letter as it came
    const text = delivered.raw.toString('latin1');
    expect(text).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby gateway\.test \(member-officer-gateway\) with ESMTP id \S+;\r\n\t[^\r\n]+\r\nX-Member-Officer-Screening: /);
    const added = Buffer.from(`X-Member-Officer-Screening: action=hold; findings=test-hold; review=${id}\r\n`, 'latin1');
    const trace = text.slice(0, text.indexOf('X-Member-Officer-Screening: '));
    expect(delivered.raw.equals(Buffer.concat([Buffer.from(trace, 'latin1'), added, original]))).toBe(true);
    expect(delivered.mailParams.BODY).toBe('8BITMIME');

    const record = await store.get(id!);
    expect(record).toMatchObject({ status: 'released', decision: { decision: 'release', by: 'nadia', note: 'Not an instruction after all.' } });
    expect(record?.decision?.nextHopResponse).toMatch(/^250/);
    // a second release does not send a second copy
    const again = await fetch(`${review.baseUrl}/api/flags/${id}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'release' }) });
    expect(again.status).toBe(409);
    expect(nextHop.messages).toHaveLength(1);
  });

  it('keeps the message held and says so when the next hop refuses the release', async () => {
    const sent = await sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, heldMessage());
    const id = /review ([A-Za-z0-9_-]{12})/.exec(sent.response)?.[1] ?? '';
    nextHop.faults.rejectData = { code: 451, message: '4.3.0 Try later' };
    const refused = await fetch(`${review.baseUrl}/api/flags/${id}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'release', note: '' }) });
    expect(refused.status).toBe(502);
    expect((await store.get(id))?.status).toBe('held');
    nextHop.faults.rejectData = undefined;
    const retried = await fetch(`${review.baseUrl}/api/flags/${id}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'release', note: '' }) });
    expect(retried.status).toBe(200);
    expect(nextHop.messages).toHaveLength(1);
    const actions = (await store.auditEntries({ item: id })).map((entry) => `${entry.action}:${entry.result}`);
    expect(actions).toEqual(['stored:ok', 'release-failed:failed', 'decision:ok']);
  });

  it('stores one item when the same held message is delivered twice', async () => {
    const envelope = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] };
    const first = await sendThrough(relay.port, envelope, heldMessage());
    const second = await sendThrough(relay.port, envelope, heldMessage());
    const idOf = (response: string): string | undefined => /review ([A-Za-z0-9_-]{12})/.exec(response)?.[1];
    expect(idOf(second.response)).toBe(idOf(first.response));
    expect((await store.counts()).held).toBe(1);
    await effects.settle();
    expect(notifySink.messages.filter((message) => message.rcptTo.includes(MONITORING_OFFICER))).toHaveLength(1);
  });

  it('tells the sender, by policy, when a held message will not be delivered', async () => {
    const sent = await sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, heldMessage());
    const id = /review ([a-z0-9]{12})/.exec(sent.response)?.[1] ?? '';
    const confirmed = await fetch(`${review.baseUrl}/api/flags/${id}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'confirm', note: 'Breach.' }) });
    expect(confirmed.status).toBe(200);
    await notifySink.waitFor(3);
    const texts = await Promise.all(notifySink.messages.filter((message) => message.rcptTo.includes('cllr.hadley@greyfordvale.gov.uk')).map(async (message) => (await simpleParser(message.raw)).text ?? ''));
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('will not be delivered');
    expect(texts[1]).toContain('paragraph 10.1.3');
    expect(texts.join('\n')).not.toMatch(/secret-subject|secret-body/);
    expect(nextHop.messages).toHaveLength(0);
  });

  it('delivers a flagged message at once with its review id in the header', async () => {
    const message = heldMessage('[flag-me]', '<flag-1@greyfordvale.gov.uk>');
    const sent = await sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, message);
    expect(sent.ok).toBe(true);
    await nextHop.waitFor(1);
    const header = /X-Member-Officer-Screening: action=flag; findings=test-flag; review=([A-Za-z0-9_-]{12})\r\n/.exec(nextHop.messages[0]!.raw.toString('latin1'));
    expect(header).not.toBeNull();
    const record = await store.get(header![1]!);
    expect(record).toMatchObject({ status: 'flagged', action: 'flag' });
    expect(await store.raw(header![1]!)).toBeNull();
    await effects.settle();
    expect(notifySink.messages).toHaveLength(0);
  });

  it('never sends a letter twice when a crash came between the next hop accepting it and the decision being recorded', async () => {
    const envelope = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] };
    const holdOne = async (messageId: string): Promise<string> => {
      const sent = await sendThrough(relay.port, envelope, heldMessage('[hold-me]', messageId));
      const id = /review ([A-Za-z0-9_-]{12})\)/.exec(sent.response)?.[1];
      expect(id, sent.response).toBeDefined();
      return id as string;
    };
    // what such a crash leaves: the release recorded as accepted, the item still held
    const crashed = { state: 'accepted' as const, by: 'nadia', at: new Date().toISOString(), response: '250 2.0.0 Ok: queued as 4XyZ' };

    // a reviewer who tries again finds it released, and nothing more goes out
    const retried = await holdOne('<crash-1@greyfordvale.gov.uk>');
    await store.recordRelease(retried, crashed);
    const again = await fetch(`${review.baseUrl}/api/flags/${retried}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'release', note: 'Trying again.' }) });
    expect(again.status).toBe(200);
    expect(await store.get(retried)).toMatchObject({ status: 'released', decision: { decision: 'release', nextHopResponse: '250 2.0.0 Ok: queued as 4XyZ' } });
    expect(await store.releaseRecord(retried)).toBeNull();

    // a review page starting after the crash records the decision itself
    const recovered = await holdOne('<crash-2@greyfordvale.gov.uk>');
    await store.recordRelease(recovered, crashed);
    const restarted = await startReviewFixture({ prefix, nextHop: releaseClient });
    try {
      expect(await store.get(recovered)).toMatchObject({ status: 'released', decision: { decision: 'release', by: 'nadia', nextHopResponse: '250 2.0.0 Ok: queued as 4XyZ' } });
      expect((await store.get(recovered))?.decision?.note).toMatch(/completed on restart/);
      expect((await store.auditEntries({ item: recovered })).map((entry) => entry.action)).toContain('release-recovered');
    } finally {
      await restarted.close();
    }
    expect(nextHop.messages).toHaveLength(0);

    // a release that ends normally leaves no record behind
    const normal = await holdOne('<crash-3@greyfordvale.gov.uk>');
    const released = await fetch(`${review.baseUrl}/api/flags/${normal}/decision`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'release', note: '' }) });
    expect(released.status).toBe(200);
    await nextHop.waitFor(1);
    expect(await store.releaseRecord(normal)).toBeNull();
    expect(await store.interruptedReleases()).toEqual([]);
  });

  it.skipIf(!REDIS_SERVER)('refuses with 451 a hold its Redis could lose, saying why, unless the policy accepts volatile holds', async () => {
    const volatile = await startScratchRedis(['--appendonly', 'no']);
    const evicting = await startScratchRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const relays: TestRelay[] = [];
    const relayOver = async (server: ScratchRedis, acceptVolatileHolds: boolean): Promise<TestRelay> => {
      const scratchStore = new ReviewStore({ redis: server.redis, prefix, acceptVolatileHolds, retentionMs: 86_400_000, logger: silentLogger });
      const scratchEffects = createReviewEffects(scratchStore, { config: relay.config, logger: silentLogger });
      const started = await startRelay(nextHop.address, { filters: FILTERS }, { review: scratchEffects.review });
      relays.push(started);
      return started;
    };
    const envelope = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] };
    try {
      for (const [server, reason] of [
        [volatile, /Redis has no append-only file/],
        [evicting, /maxmemory-policy allkeys-lru can evict held messages/],
      ] as const) {
        const refusing = await relayOver(server, false);
        const held = await sendThrough(refusing.port, envelope, heldMessage());
        expect(held.responseCode, held.response).toBe(451);
        expect(held.response).toMatch(/must be held for review but the review store cannot keep it safely/);
        expect(held.response).toMatch(reason);
        expect(await server.redis.keys(`${prefix}:*`)).toEqual([]);
      }
      expect(nextHop.messages).toHaveLength(0);
      const accepting = await relayOver(volatile, true);
      const held = await sendThrough(accepting.port, envelope, heldMessage());
      expect(held.response).toMatch(/^250 2\.0\.0 Held for review/);
      expect(nextHop.messages).toHaveLength(0);
    } finally {
      for (const started of relays) await started.close();
      await volatile.close();
      await evicting.close();
    }
  });

  it('answers 4xx for a message to be held or flagged when the review store cannot take it, and delivers nothing', async () => {
    // nothing listens on port 1: every command fails at once
    const broken = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    broken.on('error', () => {});
    const brokenStore = new ReviewStore({ redis: broken, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 86_400_000, logger: silentLogger });
    const brokenEffects = createReviewEffects(brokenStore, { config: relay.config, logger: silentLogger });
    const brokenRelay = await startRelay(nextHop.address, { filters: FILTERS }, { review: brokenEffects.review });
    try {
      const sent = await sendThrough(brokenRelay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, heldMessage());
      expect(sent.ok).toBe(false);
      expect(sent.responseCode).toBe(451);
      // a flagged message delivered without its review record would never reach the Monitoring Officer
      const flagged = await sendThrough(brokenRelay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, heldMessage('[flag-me]', '<flag-2@greyfordvale.gov.uk>'));
      expect(flagged.ok).toBe(false);
      expect(flagged.responseCode).toBe(451);
      expect(flagged.response).toMatch(/flagged for review but the review record could not be stored/);
      // mail the policy neither holds nor flags still goes
      const plain = await sendThrough(brokenRelay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, heldMessage('[nothing]', '<plain-1@greyfordvale.gov.uk>'));
      expect(plain.ok, plain.response).toBe(true);
      await nextHop.waitFor(1);
      expect(nextHop.messages).toHaveLength(1);
      expect(nextHop.messages[0]!.raw.toString('latin1')).toContain('<plain-1@greyfordvale.gov.uk>');
    } finally {
      await brokenRelay.close();
      broken.disconnect();
    }
  });
});
