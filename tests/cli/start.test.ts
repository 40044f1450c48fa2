import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfigPath } from '../../src/config/load.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { sendThrough } from '../helpers/relay.js';
import { startSink } from '../helpers/sink.js';
import { freePort } from '../../src/redis.js';


describe('start', () => {
  it('comes up on an embedded Redis when the configured one does not answer, relays, and stops cleanly on SIGTERM', async () => {
    const sink = await startSink();
    const dir = mkdtempSync(join(tmpdir(), 'mog-start-'));
    const relayPort = await freePort();
    const deadRedisPort = await freePort();
    const policy = parse(readFileSync(defaultConfigPath(), 'utf8')) as Record<string, unknown>;
    policy.relay = { ...(policy.relay as object), listen: `127.0.0.1:${relayPort}`, nextHop: sink.address };
    policy.redis = { url: `redis://127.0.0.1:${deadRedisPort}`, prefix: 'mogtest-start', embeddedDir: join(dir, 'redis') };
    policy.review = { ...(policy.review as object), listen: `127.0.0.1:${await freePort()}` };
    policy.notify = { from: 'gateway@greyfordvale.gov.uk', smtp: sink.address };
    const metricsPort = await freePort();
    policy.metrics = { listen: `127.0.0.1:${metricsPort}` };
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify(policy));

    const child = spawnCli(['start', '--config', file], { env: { LOG_LEVEL: 'info' } });
    let log = '';
    child.stdout?.on('data', (data: Buffer) => (log += data.toString()));
    child.stderr?.on('data', (data: Buffer) => (log += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!log.includes('gateway started') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(log).toContain('started an embedded redis-server');
      expect(log).toContain('gateway started');

      const result = await sendThrough(relayPort, { from: 'a@example.org', to: ['imran.shah@greyfordvale.gov.uk'] }, 'Subject: hello\r\n\r\nhello\r\n');
      expect(result.ok, result.response).toBe(true);
      expect(sink.messages).toHaveLength(1);
      // screening really ran in its worker thread (no screening-error in the verdict), and found an
      // outsider's mail to an officer outside every filter's scope
      expect(sink.messages[0]!.raw.toString()).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=none; scope=out\r$/m);
      // the operator's view: the message is counted, the process is healthy and ready
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^mog_messages_total\{action="deliver"\} 1$/m);
      expect(metrics).toMatch(/^mog_screening_seconds_count 1$/m);
      expect(metrics).toMatch(/^mog_screening_scope_total\{scope="out"\} 1$/m);
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toContain('stopped');
    } finally {
      child.kill('SIGKILL');
      await sink.close();
    }
  }, 40_000);

  it.each([
    ['a spool directory that is a file', (dir: string) => (writeFileSync(join(dir, 'spool'), 'x'), `relay: { listen: "127.0.0.1:0", spool: { directory: "${join(dir, 'spool')}" } }`), 'relay.spool.directory', /is not a directory|cannot create/],
    ['a TLS key that cannot be read', (dir: string) => `relay: { listen: "127.0.0.1:0", tls: { key: "${join(dir, 'missing.key')}", cert: "${join(dir, 'missing.pem')}" } }`, 'relay.tls.key', /cannot read .*missing\.key: ENOENT/],
  ])('stops with file: key: reason and exit status 2 before starting anything, given %s', async (_case, relaySettings, key, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'mog-start-'));
    const file = join(dir, 'policy.yaml');
    // a Redis nobody answers on and no embedded fallback: start-up must fail on the setting, not on Redis
    writeFileSync(file, `council: { name: Test DC, domains: [test.gov.uk] }\n${relaySettings(dir)}\nredis: { embedded: never, url: "redis://127.0.0.1:${await freePort()}" }\n`);
    const result = await runCli(['start', '--config', file]);
    expect(result.status).toBe(2);
    const line = result.stderr.split('\n').find((entry) => entry.startsWith(`${file}: ${key}: `));
    expect(line, result.stderr).toMatch(reason);
  }, 30_000);
});
