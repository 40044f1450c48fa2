/**
 * A gateway instance that dies (SIGKILL) at its first notice: the moment it has been handed to the
 * SMTP server, before it can be marked sent (`after-send`), or right after it was claimed, before
 * it was sent (`before-send`). Run by tests/sla/timers.test.ts as a child process.
 *
 * argv: <redis prefix> <notify smtp host:port> <eml file> <acknowledge duration> [after-send|before-send] [remind-before duration]
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Directory } from '../../../src/directory.js';
import { silentLogger } from '../../../src/log.js';
import { createMailer, type Mailer } from '../../../src/notify/mailer.js';
import { screen } from '../../../src/pipeline.js';
import type { RedisHandle } from '../../../src/redis.js';
import { EnquiryService } from '../../../src/sla/service.js';
import { configWith } from '../../helpers/config.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';

const [prefix = '', smtp = '', emlPath = '', acknowledge = 'PT1S', when = 'after-send', remindBefore = 'PT1S'] = process.argv.slice(2);
const config = configWith({
  redis: { url: TEST_REDIS_URL, prefix },
  notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp },
  sla: { acknowledge, respond: 'P30D', remindBefore },
});
const handle: RedisHandle = { url: TEST_REDIS_URL, embedded: false, connect: (options) => new Redis(TEST_REDIS_URL, options ?? {}), close: async () => {} };
const realMailer = createMailer(config);
const dyingMailer: Mailer = {
  async send(notice) {
    if (when === 'before-send') process.kill(process.pid, 'SIGKILL');
    const sent = await realMailer.send(notice);
    process.kill(process.pid, 'SIGKILL');
    return sent;
  },
  close: () => realMailer.close(),
};
const service = new EnquiryService(config, handle, silentLogger, dyingMailer, { scheduleDigest: false, lockDurationMs: 1_500, stalledIntervalMs: 500 });
const directory = new Directory(config);
const raw = readFileSync(emlPath);
const result = await screen(
  { raw, envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: ['imran.shah@greyfordvale.gov.uk'] }, receivedAt: new Date() },
  { config, directory, filters: [] },
);
await service.start();
await service.record(result, new Date());
process.stdout.write('recorded\n');
