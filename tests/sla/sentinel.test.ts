import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory.js';
import { silentLogger } from '../../src/log.js';
import type { Mailer } from '../../src/notify/mailer.js';
import { screen } from '../../src/pipeline.js';
import { freePort, openRedis, type RedisHandle } from '../../src/redis.js';
import { EnquiryService } from '../../src/sla/service.js';
import { configWith } from '../helpers/config.js';
import { REDIS_SERVER, startScratchRedis, startScratchSentinel, type ScratchRedis, type ScratchSentinel } from '../helpers/redis-server.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'sla');
const MASTER = 'mog-test-master';
const quietMailer: Mailer = { send: async () => ({ messageId: '', response: '' }), close: () => {} };
if (!REDIS_SERVER) console.log('skipping the Sentinel test: redis-server is not installed (it also runs as a Sentinel)');

describe.skipIf(!REDIS_SERVER)('Redis through Sentinel', () => {
  let master: ScratchRedis;
  let sentinel: ScratchSentinel;

  beforeAll(async () => {
    master = await startScratchRedis(['--appendonly', 'no']);
    sentinel = await startScratchSentinel(Number(master.redis.options.port), MASTER);
  }, 30_000);

  afterAll(async () => {
    await sentinel?.close();
    await master?.close();
  });

  it('finds the master through the Sentinel and keeps member enquiries there, as with a URL', async () => {
    const config = configWith({ redis: { sentinels: [`127.0.0.1:${sentinel.port}`], name: MASTER, embedded: 'never', prefix: 'mogsentinel' } });
    const handle: RedisHandle = await openRedis(config, silentLogger);
    expect(handle.embedded).toBe(false);
    expect(handle.url).toContain(`Sentinels 127.0.0.1:${sentinel.port}`);
    const service = new EnquiryService(config, handle, silentLogger, quietMailer, { runWorkers: false, scheduleDigest: false });
    try {
      const receivedAt = new Date('2026-12-01T10:00:00Z');
      const raw = readFileSync(join(FIXTURES, 'opens-member-asks-officer.eml'));
      const result = await screen({ raw, envelope: { mailFrom: null, rcptTo: ['imran.shah@greyfordvale.gov.uk'] }, receivedAt }, { config, directory: new Directory(config), filters: [] });
      expect(await service.record(result, receivedAt)).toMatchObject({ kind: 'opened' });
      expect(await service.list()).toHaveLength(1);
    } finally {
      await service.close();
      await handle.close();
    }
    // the enquiry and its timers live in the Redis the Sentinel names, under the policy's prefix
    expect((await master.redis.keys('mogsentinel*')).length).toBeGreaterThan(0);
  }, 30_000);

  it('refuses to start when no Sentinel answers and no embedded Redis is allowed, naming what it asked', async () => {
    const config = configWith({ redis: { sentinels: [`127.0.0.1:${await freePort()}`], name: MASTER, embedded: 'never', prefix: 'mogsentinel' } });
    await expect(openRedis(config, silentLogger)).rejects.toThrow(new RegExp(`Redis \\(master "${MASTER}" of Sentinels 127\\.0\\.0\\.1:\\d+\\) does not answer`));
  }, 30_000);
});
