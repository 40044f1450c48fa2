import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../src/config/load.js';
import { Directory } from '../../src/directory.js';
import { silentLogger } from '../../src/log.js';
import type { Mailer } from '../../src/notify/mailer.js';
import { screen } from '../../src/pipeline.js';
import type { RedisHandle } from '../../src/redis.js';
import { runEnquiriesCommand } from '../../src/sla/cli.js';
import { EnquiryService } from '../../src/sla/service.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'sla');
const prefix = uniquePrefix('slacli');
const directory = mkdtempSync(join(tmpdir(), 'mog-sla-cli-'));
const configPath = join(directory, 'council.yaml');
const handle: RedisHandle = { url: TEST_REDIS_URL, embedded: false, connect: (options) => new Redis(TEST_REDIS_URL, options ?? {}), close: async () => {} };
const quietMailer: Mailer = { send: async () => ({ messageId: '', response: '' }), close: () => {} };

beforeAll(async () => {
  const yaml = readFileSync(defaultConfigPath(), 'utf8').replace(/^  url: .*$/m, `  url: ${TEST_REDIS_URL}`).replace(/^  prefix: mog$/m, `  prefix: ${prefix}`);
  writeFileSync(configPath, yaml);
  const config = loadConfig(configPath);
  const service = new EnquiryService(config, handle, silentLogger, quietMailer, { runWorkers: false, scheduleDigest: false });
  // received Thursday 1 October 2026 10:00 BST: overdue by now
  const receivedAt = new Date('2026-10-01T09:00:00Z');
  for (const fixture of ['opens-member-asks-officer.eml', 'opens-member-writes-to-enquiries-mailbox.eml']) {
    const raw = readFileSync(join(FIXTURES, fixture));
    const rcptTo = fixture.includes('mailbox') ? ['member.enquiries@greyfordvale.gov.uk'] : ['imran.shah@greyfordvale.gov.uk'];
    const result = await screen({ raw, envelope: { mailFrom: null, rcptTo }, receivedAt }, { config, directory: new Directory(config), filters: [] });
    await service.record(result, receivedAt);
  }
  const reply = readFileSync(join(FIXTURES, 'reply-substantive.eml'));
  const replyResult = await screen(
    { raw: reply, envelope: { mailFrom: null, rcptTo: ['cllr.amber@greyfordvale.gov.uk'] }, receivedAt: new Date('2026-10-05T13:00:00Z') },
    { config, directory: new Directory(config), filters: [] },
  );
  await service.record(replyResult, new Date('2026-10-05T13:00:00Z'));
  await service.close();
});

afterAll(async () => {
  await deleteKeys(prefix);
  rmSync(directory, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const status = await runEnquiriesCommand(args, configPath);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('enquiries command', () => {
  it('lists enquiries still needing an answer, with status and due dates', async () => {
    const { status, stdout } = await run([]);
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+RECEIVED\s+ACKNOWLEDGE BY\s+REPLY BY\s+MEMBER\s+OFFICER\s+SUBJECT\s+ID$/);
    expect(stdout).toMatch(/overdue\s+Thu 01 Oct, 10:00\s+Tue 06 Oct, 17:00\s+Thu 15 Oct, 17:00\s+Cllr Tom Hadley\s+member\.enquiries@greyfordvale\.gov\.uk\s+Casework: green bins in Castle ward/);
    expect(stdout).not.toContain('Pothole on Mill Lane');
    expect(stdout).toContain('1 enquiry, 1 overdue');
  });

  it('with --all and --json, gives the API shape, closed enquiries included', async () => {
    const { status, stdout } = await run(['--all', '--json']);
    expect(status).toBe(0);
    const items = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(items).toHaveLength(2);
    expect(items.find((item) => item.subject === 'Pothole on Mill Lane')).toMatchObject({
      member: 'cllr.amber@greyfordvale.gov.uk',
      officer: 'imran.shah@greyfordvale.gov.uk',
      receivedAt: '2026-10-01T09:00:00.000Z',
      acknowledgeBy: '2026-10-06T16:00:00.000Z',
      respondBy: '2026-10-15T16:00:00.000Z',
      status: 'closed',
      closedAt: '2026-10-05T13:00:00.000Z',
    });
  });

  it('filters by status', async () => {
    const { stdout } = await run(['--status', 'closed', '--json']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toContain('"status":"closed"');
  });

  it('refuses an unknown status with exit status 2', async () => {
    const { status, stderr } = await run(['--status', 'lost']);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown status "lost"');
  });

  it('reports a bad policy file with exit status 2', async () => {
    const { status, stderr } = await run(['--config', join(directory, 'missing.yaml')]);
    expect(status).toBe(2);
    expect(stderr).toContain('missing.yaml');
  });
});
