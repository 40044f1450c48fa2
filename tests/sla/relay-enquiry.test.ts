import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMailer, type Mailer } from '../../src/notify/mailer.js';
import type { RedisHandle } from '../../src/redis.js';
import type { RelayEffects } from '../../src/relay/server.js';
import { EnquiryService } from '../../src/sla/service.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

/**
 * An enquiry through the running relay: a real SMTP client sends to the relay, the sink is both
 * the next hop and notify.smtp, and the enquiry service is wired to the relay's `delivered`
 * effect as the gateway wires it.
 */

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'sla');
const MEMBER = 'cllr.amber@greyfordvale.gov.uk';
const OFFICER = 'imran.shah@greyfordvale.gov.uk';
const MANAGER = 'david.osei@greyfordvale.gov.uk';
const NOTIFY_FROM = 'member-officer-gateway@greyfordvale.gov.uk';

const handle: RedisHandle = { url: TEST_REDIS_URL, embedded: false, connect: (options) => new Redis(TEST_REDIS_URL, options ?? {}), close: async () => {} };

interface Stack {
  readonly sink: Sink;
  readonly relay: TestRelay;
  readonly service: EnquiryService;
  readonly mailer: Mailer;
  readonly prefix: string;
}

const stacks: Stack[] = [];

afterEach(async () => {
  for (const stack of stacks.splice(0)) {
    await stack.relay.close();
    await stack.service.close();
    stack.mailer.close();
    await stack.sink.close();
    await deleteKeys(stack.prefix);
  }
});

async function startStack(sla: { acknowledge: string; remindBefore: string }): Promise<Stack> {
  const prefix = uniquePrefix('slarelay');
  const sink = await startSink();
  let service: EnquiryService | undefined;
  const effects: RelayEffects = {
    async delivered(result, _envelope, receivedAt) {
      await service?.record(result, receivedAt);
    },
  };
  const relay = await startRelay(
    sink.address,
    { redis: { url: TEST_REDIS_URL, prefix }, notify: { from: NOTIFY_FROM, smtp: sink.address }, sla: { respond: 'P30D', ...sla } },
    effects,
  );
  const mailer = createMailer(relay.config);
  service = new EnquiryService(relay.config, handle, silentLogger, mailer, { scheduleDigest: false });
  await service.start();
  const stack = { sink, relay, service, mailer, prefix };
  stacks.push(stack);
  return stack;
}

const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Which of the sink's messages are relayed mail and which are the gateway's own notices. */
async function sorted(sink: Sink): Promise<{ relayed: string[]; notices: Array<{ to: string; subject: string }> }> {
  const relayed: string[] = [];
  const notices: Array<{ to: string; subject: string }> = [];
  for (const message of sink.messages) {
    const subject = (await simpleParser(message.raw)).subject ?? '';
    if (message.mailFrom === NOTIFY_FROM) notices.push({ to: message.rcptTo.join(','), subject });
    else relayed.push(subject);
  }
  return { relayed, notices };
}

describe('a member enquiry through the relay', () => {
  it('is delivered, then its officer gets exactly one reminder and the manager one escalation', async () => {
    const { sink, relay, service } = await startStack({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    const sent = await sendThrough(relay.port, { from: MEMBER, to: [OFFICER] }, fixture('opens-member-asks-officer.eml'));
    expect(sent.ok).toBe(true);

    await sink.waitFor(3, 10_000);
    await sleep(1_500);
    const { relayed, notices } = await sorted(sink);
    expect(relayed).toEqual(['Pothole on Mill Lane']);
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatchObject({ to: OFFICER, subject: expect.stringMatching(/^Reminder: member enquiry from Cllr Priya Amber/) });
    expect(notices[1]).toEqual({ to: MANAGER, subject: 'Missed deadline: member enquiry from Cllr Priya Amber to Imran Shah' });
    expect((await service.list())[0]).toMatchObject({ member: MEMBER, officer: OFFICER, status: 'overdue' });
  });

  it('an officer’s holding reply through the relay, in the thread, stops the reminder', async () => {
    const { sink, relay, service } = await startStack({ acknowledge: 'PT4S', remindBefore: 'PT1S' });
    expect((await sendThrough(relay.port, { from: MEMBER, to: [OFFICER] }, fixture('opens-member-asks-officer.eml'))).ok).toBe(true);
    expect((await sendThrough(relay.port, { from: OFFICER, to: [MEMBER] }, fixture('reply-holding.eml'))).ok).toBe(true);
    await sink.waitFor(2, 5_000);
    // the relay records after delivery, off the reply path: give it a moment before reading the status
    await sleep(300);
    expect((await service.list())[0]?.status).toBe('acknowledged');

    await sleep(5_000);
    const { relayed, notices } = await sorted(sink);
    expect(relayed).toHaveLength(2);
    expect(notices).toEqual([]);
  });

  it('a sender’s retry of the same message (delivered twice) still gets one reminder and one escalation', async () => {
    const { sink, relay, service } = await startStack({ acknowledge: 'PT2S', remindBefore: 'PT1S' });
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await sendThrough(relay.port, { from: MEMBER, to: [OFFICER] }, fixture('opens-member-asks-officer.eml'))).ok).toBe(true);
    }
    await sink.waitFor(4, 10_000);
    await sleep(2_000);
    const { relayed, notices } = await sorted(sink);
    expect(relayed).toHaveLength(2);
    expect(notices.map((notice) => notice.to)).toEqual([OFFICER, MANAGER]);
    expect(await service.list()).toHaveLength(1);
  });
});
