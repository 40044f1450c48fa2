import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import { silentLogger } from '../../src/log.js';
import { createMailer, type Mailer } from '../../src/notify/mailer.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import type { RedisHandle } from '../../src/redis.js';
import { WorkingCalendar } from '../../src/sla/calendar.js';
import { decideReminder, EnquiryService, type EnquiryServiceOptions } from '../../src/sla/service.js';
import { EnquiryTimers, timerJobId } from '../../src/sla/timers.js';
import { configWith } from '../helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';
import { waitingHoldsIn } from '../../src/review/notices.js';
import { ReviewStore } from '../../src/review/store.js';
import { CANARY_BODY, CANARY_SUBJECT, sampleContent } from '../review/fixture.js';
import { startSink, type Sink } from '../helpers/sink.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures', 'sla');
const OFFICER = 'imran.shah@greyfordvale.gov.uk';
const MANAGER = 'david.osei@greyfordvale.gov.uk';
const MONITORING_OFFICER = 'nadia.kowalski@greyfordvale.gov.uk';

const handle: RedisHandle = { url: TEST_REDIS_URL, embedded: false, connect: (options) => new Redis(TEST_REDIS_URL, options ?? {}), close: async () => {} };

interface Harness {
  readonly prefix: string;
  readonly sink: Sink;
  readonly config: Config;
  readonly services: EnquiryService[];
  readonly mailers: Mailer[];
}

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    for (const service of harness.services) await service.close();
    for (const mailer of harness.mailers) mailer.close();
    await harness.sink.close();
    await deleteKeys(harness.prefix);
  }
});

/** A council with wall-clock deadlines of seconds, its own Redis prefix and a sink catching notices. */
async function harness(sla: { acknowledge: string; respond?: string; remindBefore: string }): Promise<Harness> {
  const prefix = uniquePrefix('sla');
  const sink = await startSink();
  const config = configWith({
    redis: { url: TEST_REDIS_URL, prefix },
    notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp: sink.address },
    sla: { respond: 'P30D', ...sla },
  });
  const created: Harness = { prefix, sink, config, services: [], mailers: [] };
  harnesses.push(created);
  return created;
}

async function startService(h: Harness, options: EnquiryServiceOptions = {}): Promise<EnquiryService> {
  const mailer = createMailer(h.config);
  const service = new EnquiryService(h.config, handle, silentLogger, mailer, { scheduleDigest: false, retryDelayMs: 200, ...options });
  h.mailers.push(mailer);
  h.services.push(service);
  await service.start();
  return service;
}

async function screenFixture(config: Config, name: string, receivedAt = new Date()): Promise<ScreeningResult> {
  const raw = readFileSync(join(FIXTURES, name));
  const parsed = await simpleParser(raw);
  const addresses = [parsed.to, parsed.cc].flatMap((field) => (field ? (Array.isArray(field) ? field : [field]) : [])).flatMap((field) => field.value);
  const rcptTo = addresses.map((address) => address.address ?? '').filter(Boolean);
  const mailFrom = parsed.from?.value[0]?.address ?? null;
  return screen({ raw, envelope: { mailFrom, rcptTo }, receivedAt }, { config, directory: new Directory(config), filters: [] });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Subjects and envelope recipients of what reached the sink. */
async function received(sink: Sink): Promise<Array<{ rcptTo: readonly string[]; subject: string; to: string }>> {
  return Promise.all(
    sink.messages.map(async (message) => {
      const parsed = await simpleParser(message.raw);
      return { rcptTo: message.rcptTo, subject: parsed.subject ?? '', to: parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '' };
    }),
  );
}

describe('an unanswered enquiry', () => {
  it('gets exactly one reminder to the officer and one escalation to the manager', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const service = await startService(h);
    const result = await screenFixture(h.config, 'opens-member-asks-officer.eml');
    expect(await service.record(result, new Date())).toMatchObject({ kind: 'opened' });

    await h.sink.waitFor(2, 10_000);
    await sleep(1_500);
    const notices = await received(h.sink);
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatchObject({ rcptTo: [OFFICER], subject: expect.stringMatching(/^Reminder: member enquiry from Cllr Priya Amber: acknowledgement due /) });
    expect(notices[1]).toMatchObject({ rcptTo: [MANAGER], subject: 'Missed deadline: member enquiry from Cllr Priya Amber to Imran Shah' });
    expect(h.sink.messages.every((message) => message.mailFrom === 'member-officer-gateway@greyfordvale.gov.uk')).toBe(true);

    const [listed] = await service.list();
    expect(listed).toMatchObject({ member: 'cllr.amber@greyfordvale.gov.uk', officer: OFFICER, subject: 'Pothole on Mill Lane', status: 'overdue', missed: ['acknowledge'] });
    // the full-reply timer is still waiting, thirty days out
    expect(await service.timerCounts()).toMatchObject({ delayed: 1 });
  });

  it('with no manager set, escalates to the Monitoring Officer', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-writes-to-enquiries-mailbox.eml'), new Date());
    await h.sink.waitFor(2, 10_000);
    const notices = await received(h.sink);
    expect(notices.map((notice) => notice.rcptTo)).toEqual([['member.enquiries@greyfordvale.gov.uk'], [MONITORING_OFFICER]]);
  });
});

describe('officer replies', () => {
  it('an in-thread holding reply stops the acknowledgement reminder but not the full-reply timer', async () => {
    const h = await harness({ acknowledge: 'PT4S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    const outcome = await service.record(await screenFixture(h.config, 'reply-holding.eml'), new Date());
    expect(outcome).toMatchObject({ kind: 'acknowledged', matchedBy: 'thread' });

    await sleep(5_000);
    expect(h.sink.messages).toHaveLength(0);
    const [listed] = await service.list();
    expect(listed?.status).toBe('acknowledged');
    expect(listed?.acknowledgedAt).toBeDefined();
    expect(await service.timerCounts()).toMatchObject({ delayed: 1 });
  });

  it('a substantive reply closes the enquiry and leaves no timer', async () => {
    const h = await harness({ acknowledge: 'PT3S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    expect(await service.record(await screenFixture(h.config, 'reply-holding.eml'), new Date())).toMatchObject({ kind: 'acknowledged' });
    // answers the holding reply, not the original: matched through the thread all the same
    expect(await service.record(await screenFixture(h.config, 'reply-substantive.eml'), new Date())).toMatchObject({ kind: 'closed', matchedBy: 'thread' });

    await sleep(3_500);
    expect(h.sink.messages).toHaveLength(0);
    expect((await service.list())[0]?.status).toBe('closed');
    expect(await service.timerCounts()).toMatchObject({ delayed: 0, waiting: 0, active: 0 });
  });

  it('a reply without thread headers is matched by subject and parties (the stated fallback)', async () => {
    const h = await harness({ acknowledge: 'PT3S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    expect(await service.record(await screenFixture(h.config, 'reply-subject-only.eml'), new Date())).toMatchObject({ kind: 'closed', matchedBy: 'subject' });
    await sleep(3_500);
    expect(h.sink.messages).toHaveLength(0);
  });

  it('an officer’s out-of-office reply changes nothing', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    expect(await service.record(await screenFixture(h.config, 'reply-officer-out-of-office.eml'), new Date())).toEqual({ kind: 'ignored' });
    await h.sink.waitFor(2, 10_000);
    expect((await service.list())[0]?.status).toBe('overdue');
  });
});

describe('duplicates, restarts and several instances', () => {
  it('a duplicate delivery opens one enquiry with one timer', async () => {
    const h = await harness({ acknowledge: 'PT30S', remindBefore: 'PT10S' });
    const service = await startService(h);
    const result = await screenFixture(h.config, 'opens-member-asks-officer.eml');
    expect(await service.record(result, new Date())).toMatchObject({ kind: 'opened' });
    const again = await service.record(result, new Date());
    expect(again).toMatchObject({ kind: 'duplicate' });
    expect(await service.list()).toHaveLength(1);
    expect(await service.timerCounts()).toMatchObject({ delayed: 1 });
  });

  it('a restart before the reminder is due neither loses nor doubles a notice', async () => {
    const h = await harness({ acknowledge: 'PT3S', remindBefore: 'PT1.5S' });
    const first = await startService(h);
    await first.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    await first.close();
    // down past the reminder's due time
    await sleep(2_000);
    expect(h.sink.messages).toHaveLength(0);
    await startService(h);
    await h.sink.waitFor(2, 10_000);
    await sleep(1_500);
    expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  it('a restart between reminder and escalation sends each once', async () => {
    const h = await harness({ acknowledge: 'PT3S', remindBefore: 'PT2S' });
    const first = await startService(h);
    await first.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    await h.sink.waitFor(1, 10_000);
    await first.close();
    await startService(h);
    await h.sink.waitFor(2, 10_000);
    await sleep(1_500);
    expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  it('timers lost by Redis are put back from the open enquiries on start', async () => {
    const h = await harness({ acknowledge: 'PT3S', remindBefore: 'PT1S' });
    const first = await startService(h);
    await first.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    await first.close();
    // what a Redis restart without persistence does to the queue, while the enquiry survives elsewhere
    const timers = new EnquiryTimers(handle, { prefix: h.prefix, logger: silentLogger });
    await timers.ready();
    await timers.obliterate();
    expect(await timers.counts()).toMatchObject({ delayed: 0 });
    await timers.close();

    await startService(h);
    await h.sink.waitFor(2, 10_000);
    await sleep(1_000);
    expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  it('two instances on one Redis, both given the message, send one reminder and one escalation', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const a = await startService(h);
    const b = await startService(h);
    const result = await screenFixture(h.config, 'opens-member-asks-officer.eml');
    const outcomes = await Promise.all([a.record(result, new Date()), b.record(result, new Date())]);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['duplicate', 'opened']);
    await h.sink.waitFor(2, 10_000);
    await sleep(2_000);
    expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  /** runs an instance that is killed at its first notice, then a second instance that recovers its work */
  async function crashThenRecover(when: 'after-send' | 'before-send'): Promise<{ h: Harness; sentBeforeCrash: number }> {
    // the reminder comes due 2 s in, and its deadline 6 s after: time for a second instance to find it
    const h = await harness({ acknowledge: 'PT8S', remindBefore: 'PT6S' });
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'crash-after-send.ts'), h.prefix, h.sink.address, join(FIXTURES, 'opens-member-asks-officer.eml'), 'PT8S', when, 'PT6S'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childErrors = '';
    child.stderr.on('data', (chunk: Buffer) => (childErrors += chunk.toString()));
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    expect(exit, childErrors).toBe('SIGKILL');
    const sentBeforeCrash = h.sink.messages.length;
    // another instance finds the dead worker's job once its lock lapses and reruns it
    // (every instance checks for stalled jobs at the same interval, as a real deployment would)
    await startService(h, { stalledIntervalMs: 500, lockDurationMs: 1_500, noticeSendLimitMs: 1_500 });
    return { h, sentBeforeCrash };
  }

  it('a worker killed after claiming a reminder, before sending it: the reminder is sent after recovery, then the escalation', async () => {
    const started = Date.now();
    const { h, sentBeforeCrash } = await crashThenRecover('before-send');
    expect(sentBeforeCrash).toBe(0);
    await h.sink.waitFor(1, 5_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    await h.sink.waitFor(2, 15_000);
    await sleep(1_500);
    expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  it('a worker killed right after sending a reminder: at worst a second copy, with the same Message-ID, and one escalation', async () => {
    const { h, sentBeforeCrash } = await crashThenRecover('after-send');
    expect(sentBeforeCrash).toBe(1);
    await h.sink.waitFor(3, 15_000);
    await sleep(1_500);
    const notices = await received(h.sink);
    expect(notices.map((notice) => notice.rcptTo[0])).toEqual([OFFICER, OFFICER, MANAGER]);
    const ids = await Promise.all(h.sink.messages.slice(0, 2).map(async (message) => (await simpleParser(message.raw)).messageId));
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });
});

/** A TCP proxy in front of the test Redis that can be cut and restored, standing in for a Redis outage. */
async function startRedisProxy(): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    server = createServer((client) => {
      const upstream = connectTcp(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const cut = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  await listen();
  return { url: `redis://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}

describe('when Redis is down', () => {
  it('during an outage records fail fast, and the reminder already scheduled still goes once Redis is back', async () => {
    // reminder 3 s in, deadline 6 s in: room for a worker that comes back from a reconnect a little late
    const h = await harness({ acknowledge: 'PT6S', remindBefore: 'PT3S' });
    const proxy = await startRedisProxy();
    try {
      const viaProxy: RedisHandle = { url: proxy.url, embedded: false, connect: (options) => new Redis(proxy.url, { ...options, retryStrategy: () => 200 }), close: async () => {} };
      const service = await startService(h, { stalledIntervalMs: 1_000 });
      await service.close();
      h.services.pop();
      const mailer = createMailer(h.config);
      h.mailers.push(mailer);
      const throughProxy = new EnquiryService(h.config, viaProxy, silentLogger, mailer, { scheduleDigest: false, retryDelayMs: 500 });
      h.services.push(throughProxy);
      await throughProxy.start();
      expect(await throughProxy.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date())).toMatchObject({ kind: 'opened' });

      await proxy.cut();
      const another = Buffer.from(readFileSync(join(FIXTURES, 'opens-member-asks-officer.eml'), 'utf8').replace('pothole-mill-lane-1@', 'pothole-mill-lane-2@'));
      const second = await screen(
        { raw: another, envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: [OFFICER] }, receivedAt: new Date() },
        { config: h.config, directory: new Directory(h.config), filters: [] },
      );
      const started = performance.now();
      await expect(throughProxy.record(second, new Date())).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1_000);

      await sleep(1_000);
      await proxy.restore();
      await h.sink.waitFor(2, 15_000);
      await sleep(1_000);
      expect((await received(h.sink)).map((notice) => notice.rcptTo[0])).toEqual([OFFICER, MANAGER]);
      // and recording works again without a restart
      await sleep(500);
      expect(await throughProxy.record(second, new Date())).toMatchObject({ kind: 'opened' });
    } finally {
      await proxy.close();
    }
  });

  it('record fails within a second instead of holding up delivery', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    // nothing listens on port 1
    const unreachable: RedisHandle = { url: 'redis://127.0.0.1:1', embedded: false, connect: (options) => new Redis('redis://127.0.0.1:1', { ...options, retryStrategy: () => 1_000 }), close: async () => {} };
    const mailer = createMailer(h.config);
    h.mailers.push(mailer);
    const service = new EnquiryService(h.config, unreachable, silentLogger, mailer, { scheduleDigest: false });
    h.services.push(service);
    const result = await screenFixture(h.config, 'opens-member-asks-officer.eml');
    const started = performance.now();
    await expect(service.record(result, new Date())).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('notices', () => {
  it('a hostile subject copied from the member’s mail adds no header line and no recipient', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const service = await startService(h);
    const raw = readFileSync(join(FIXTURES, 'opens-member-asks-officer.eml'), 'utf8').replace(
      'Subject: Pothole on Mill Lane',
      'Subject: =?utf-8?Q?Pothole=0D=0ABcc:_attacker@evil.example=0D=0AX-Injected:_yes?=',
    );
    const result = await screen(
      { raw: Buffer.from(raw), envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: [OFFICER] }, receivedAt: new Date() },
      { config: h.config, directory: new Directory(h.config), filters: [] },
    );
    expect(result.message.subject).toContain('\r\nBcc:');
    await service.record(result, new Date());
    await h.sink.waitFor(2, 10_000);
    for (const message of h.sink.messages) {
      expect(message.rcptTo).toHaveLength(1);
      const header = message.raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
      expect(header).not.toMatch(/^(bcc|x-injected):/im);
      expect(header).not.toMatch(/attacker@evil\.example/);
    }
    expect(h.sink.messages.map((message) => message.rcptTo[0])).toEqual([OFFICER, MANAGER]);
  });

  it('the Monitoring Officer gets one daily digest of breaches, however often it is asked for', async () => {
    const h = await harness({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const service = await startService(h);
    await service.record(await screenFixture(h.config, 'opens-member-asks-officer.eml'), new Date());
    await h.sink.waitFor(2, 10_000);
    expect(await service.sendBreachDigest('2026-11-24')).toBe(1);
    expect(await service.sendBreachDigest('2026-11-24')).toBe(0);
    const digests = (await received(h.sink)).slice(2);
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ rcptTo: [MONITORING_OFFICER], subject: 'Member enquiries: 1 missed deadline, 1 still overdue (2026-11-24)' });
    const body = (await simpleParser(h.sink.messages[2]?.raw ?? Buffer.alloc(0))).text ?? '';
    expect(body).toContain('Cllr Priya Amber to Imran Shah, "Pothole on Mill Lane"');
  });
});

describe('held letters in the daily digest', () => {
  it('names the held letters waiting over a working day, with links and without their content, and only those', async () => {
    const h = await harness({ acknowledge: 'P3D', remindBefore: 'P1D' });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const store = new ReviewStore({ redis, prefix: h.prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 90 * 86_400_000, logger: silentLogger });
      const add = async (status: 'held' | 'flagged', daysAgo: number): Promise<string> =>
        (await store.add({ status, receivedAt: new Date(Date.now() - daysAgo * 86_400_000), dedupeKey: `digest-${status}-${daysAgo}`, content: sampleContent(), raw: Buffer.from('Subject: x\r\n\r\nbody\r\n') })).id;
      const waiting = await add('held', 10);
      const fresh = await add('held', 0);
      const flagged = await add('flagged', 10);
      const decided = await add('held', 12);
      expect((await store.decide(decided, { decision: 'release', note: 'fine', by: 'nadia', nextHopResponse: '250 ok' })).kind).toBe('ok');

      const service = await startService(h, { waitingHolds: waitingHoldsIn(store, h.config) });
      expect(await service.sendBreachDigest('2026-11-24')).toBe(1);
      const [digest] = await received(h.sink);
      expect(digest).toMatchObject({ rcptTo: [MONITORING_OFFICER], subject: 'Gateway digest: 1 held message waiting for a decision, member enquiries: 0 missed deadlines, 0 still overdue (2026-11-24)' });
      const body = (await simpleParser(h.sink.messages[0]?.raw ?? Buffer.alloc(0))).text ?? '';
      expect(body).toContain('Held messages waiting for your decision for more than a working day');
      expect(body).toContain(`/flags/${waiting}`);
      for (const other of [fresh, flagged, decided]) expect(body).not.toContain(other);
      expect(body).not.toContain(CANARY_SUBJECT);
      expect(body).not.toContain(CANARY_BODY);
    } finally {
      redis.disconnect();
    }
  });
});

describe('reminders keep to working hours', () => {
  const calendar = new WorkingCalendar({
    timezone: 'Europe/London',
    nation: 'england-and-wales',
    closureDays: [],
    extraHolidays: [],
    workingHours: { start: '09:00', end: '17:00' },
  });
  // due Friday 16:00 GMT, deadline Monday 17:00
  const planned = { at: new Date('2026-11-20T16:00:00Z'), deadline: new Date('2026-11-23T17:00:00Z') };

  it('a reminder that comes due on time goes at once', () => {
    expect(decideReminder(new Date('2026-11-20T16:00:00.200Z'), planned, calendar, false)).toEqual({ action: 'send' });
  });

  it('a late reminder found on a Saturday waits for Monday 09:00', () => {
    expect(decideReminder(new Date('2026-11-21T10:00:00Z'), planned, calendar, false)).toEqual({ action: 'defer', until: new Date('2026-11-23T09:00:00Z') });
  });

  it('a late reminder of a wall-clock deadline goes at once, weekend or not', () => {
    expect(decideReminder(new Date('2026-11-21T10:00:00Z'), planned, calendar, true)).toEqual({ action: 'send' });
  });

  it('a reminder whose deadline has passed is dropped (the escalation follows)', () => {
    expect(decideReminder(new Date('2026-11-23T17:00:01Z'), planned, calendar, false)).toEqual({ action: 'skip' });
  });

  it('job ids are deterministic, contain no colon and are not all digits', () => {
    const id = timerJobId({ kind: 'stage', enquiryId: 'e0123456789abcd', stage: 'ack-reminder' });
    expect(id).toBe('e0123456789abcd-ack-reminder');
    expect(timerJobId({ kind: 'digest', date: '2026-11-24' })).toBe('digest-2026-11-24');
  });
});
