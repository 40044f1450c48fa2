import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

/**
 * The gateway behind a real Postfix, configured with the README's own before-queue block: a
 * private Postfix instance (its own configuration and queue directories, loopback ports only,
 * never the system's) proxies port "25" to the gateway, which forwards to the reinjection port,
 * from where Postfix queues the message and delivers it to a sink. `.ci/run` installs Postfix;
 * where it cannot be run (not installed, not root), the test says so and is skipped.
 */
const POSTFIX = '/usr/sbin/postfix';
const README = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'));
const runnable = existsSync(POSTFIX) && process.getuid?.() === 0;
if (!runnable) console.log(`skipping the real-Postfix tests: ${existsSync(POSTFIX) ? 'they need root to start a private Postfix instance' : `${POSTFIX} is not installed (apt-get install postfix)`}`);

/** The configuration block of a README section, with the test's ports. */
function readmeBlock(heading: string, ports: { front: number; gateway: number; reinjection: number }): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README: no configuration block under "${heading}"`);
  return block
    .replace(/^smtp(\s+)inet/m, `127.0.0.1:${ports.front}$1inet`)
    .replace(/(127\.0\.0\.1\]?):10025\b/g, `$1:${ports.gateway}`)
    .replace(/(127\.0\.0\.1\]?):10026\b/g, `$1:${ports.reinjection}`);
}

/** The lines of a README block meant for one file: those after its "# /etc/postfix/<file>" comment. */
function linesFor(block: string, file: 'main.cf' | 'master.cf'): string {
  const out: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    const heading = /^# \/etc\/postfix\/([\w.]+)/.exec(line);
    if (heading) current = heading[1] ?? '';
    else if (current === file && !line.startsWith('#')) out.push(line);
  }
  return out.join('\n');
}

function postfix(directory: string, command: 'start' | 'stop'): void {
  try {
    execFileSync(POSTFIX, ['-c', join(directory, 'etc'), command], { stdio: 'ignore', timeout: 30_000 });
  } catch (error) {
    // Postfix writes why to its log, not to the terminal it was started from
    const log = join(directory, 'maillog');
    throw new Error(`postfix ${command} failed: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-1_500) : String(error)}`);
  }
}

async function listening(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => done(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

const MESSAGE = [
  'From: Jo Bloggs <jo.bloggs@example.org>',
  'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
  'Subject: Bins on Castle Street',
  'Message-ID: <postfix-e2e-1@example.org>',
  'Date: Mon, 07 Dec 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The bins on Castle Street were not collected this week.',
  '',
].join('\r\n');

interface Ports {
  readonly front: number;
  readonly gateway: number;
  readonly reinjection: number;
}

async function freePorts(): Promise<Ports> {
  return { front: await freePort(), gateway: await freePort(), reinjection: await freePort() };
}

/**
 * A private Postfix instance in a new directory: the package's master.cf without its port-25
 * listener, then `master`; a loopback-only main.cf delivering everything to the sink, then `main`.
 */
async function startPostfix(sinkPort: number, front: number, master: string, main: string): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'mog-postfix-'));
  // Postfix's daemons run as the postfix user and must be able to reach their directories
  chmodSync(directory, 0o755);
  for (const sub of ['etc', 'spool', 'data']) mkdirSync(join(directory, sub), { mode: 0o755 });
  // the master process keeps its lock in the data directory, as the postfix user
  chownSync(join(directory, 'data'), Number(execFileSync('id', ['-u', 'postfix']).toString().trim()), 0);
  const packaged = readFileSync('/etc/postfix/master.cf', 'utf8').replace(/^smtp\s+inet.*(\n[ \t]+.*)*/m, '');
  writeFileSync(join(directory, 'etc', 'master.cf'), `${packaged}\n${master}\n`);
  writeFileSync(
    join(directory, 'etc', 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${join(directory, 'spool')}`,
      `data_directory = ${join(directory, 'data')}`,
      `maillog_file_prefixes = ${directory}`,
      `maillog_file = ${join(directory, 'maillog')}`,
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = mx.greyfordvale.test',
      'mydestination =',
      'relay_domains = greyfordvale.gov.uk',
      `relayhost = [127.0.0.1]:${sinkPort}`,
      'mynetworks = 127.0.0.0/8',
      'smtputf8_enable = no',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      // a deferred message is tried again within seconds, not minutes
      'minimal_backoff_time = 1s',
      'maximal_backoff_time = 2s',
      'queue_run_delay = 1s',
      main,
      '',
    ].join('\n'),
  );
  postfix(directory, 'start');
  await listening(front);
  return directory;
}

function stopPostfix(directory: string | undefined): void {
  if (!directory) return;
  try {
    postfix(directory, 'stop');
  } catch {
    // already stopped, or never started: the directory goes either way
  }
  rmSync(directory, { recursive: true, force: true });
}

function logOf(directory: string): string {
  const log = join(directory, 'maillog');
  return existsSync(log) ? readFileSync(log, 'utf8').slice(-2_000) : '(no log)';
}

const ENVELOPE = { from: 'jo.bloggs@example.org', to: ['imran.shah@greyfordvale.gov.uk'] };

/** the lines the message gained on its way: everything before what the sender wrote, which must arrive unchanged */
function addedTo(delivered: Buffer, message: string): string {
  const text = delivered.toString('latin1');
  expect(text.endsWith(message)).toBe(true);
  return text.slice(0, text.length - message.length);
}

describe.skipIf(!runnable)('behind a real Postfix, configured as the README says (before-queue)', () => {
  let directory: string | undefined;
  let sink: Sink;
  let relay: TestRelay;
  let ports: Ports;

  beforeAll(async () => {
    // the final MTA offers DSN, as most do, so that a sender's request can be seen to arrive
    sink = await startSink({ dsn: true });
    ports = await freePorts();
    relay = await startRelay(`127.0.0.1:${ports.reinjection}`, { relay: { listen: `127.0.0.1:${ports.gateway}`, xforwardHosts: ['127.0.0.1'] } });
    directory = await startPostfix(sink.port, ports.front, linesFor(readmeBlock('### Postfix, before-queue', ports), 'master.cf'), '');
    // as `start` does: the gateway greets its next hop (Postfix's reinjection port) and so learns it offers DSN
    await relay.nextHop.probe();
  }, 60_000);

  afterAll(async () => {
    stopPostfix(directory);
    await relay?.close();
    await sink?.close();
  });

  it('delivers through Postfix and the gateway, byte for byte, with the screening header, the original client and the DSN request', async () => {
    // the sender connects from 127.0.0.2, so that it can be told apart from Postfix and the gateway
    const result = await sendThrough(ports.front, { ...ENVELOPE, dsn: { ret: 'HDRS', envid: 'e2e-envelope-1', notify: 'SUCCESS,FAILURE', orcpt: 'rfc822;imran.shah@greyfordvale.gov.uk' } }, MESSAGE, { localAddress: '127.0.0.2' });
    expect(result.ok, `${result.response}\n${logOf(directory as string)}`).toBe(true);
    await sink.waitFor(1, 20_000);
    const added = addedTo(sink.messages[0]!.raw, MESSAGE);
    expect(added).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=none; scope=out\r$/m);
    // Postfix passed its client on with XFORWARD: the gateway's Received line names that client,
    // not Postfix's own proxy (which would say "from mx.greyfordvale.test")
    const ours = /^Received: from (\S+) \(([^)]*)\)\r\n\tby gateway\.test \(member-officer-gateway\)/m.exec(added);
    expect(ours, added).not.toBeNull();
    expect(ours?.[1]).not.toBe('mx.greyfordvale.test');
    expect(ours?.[2]).toMatch(/\[127\.0\.0\.2\]$/);
    // and the gateway passed that client on with XFORWARD: Postfix's reinjection port logs it as
    // the original client of the message it queued from the gateway
    await new Promise((wait) => setTimeout(wait, 1_000));
    const queued = /postfix\/smtpd\[\d+\]: [0-9A-F]+: client=\S+\[127\.0\.0\.1\](.*)/.exec(readFileSync(join(directory as string, 'maillog'), 'utf8'));
    expect(queued?.[1]).toMatch(/orig_client=\S*\[127\.0\.0\.2\]/);
    expect(queued?.[1]).not.toMatch(/false/);
    expect(sink.messages[0]!.rcptTo).toEqual(ENVELOPE.to);
    // the sender's delivery-notification request went through the gateway into Postfix's queue and on
    expect(sink.messages[0]!.mailParams).toMatchObject({ RET: 'HDRS', ENVID: 'e2e-envelope-1' });
    expect(sink.messages[0]!.rcptParams[0]).toMatchObject({ NOTIFY: 'SUCCESS,FAILURE', ORCPT: 'rfc822;imran.shah@greyfordvale.gov.uk' });
  }, 40_000);

  it('answers the sender with a 4xx while the gateway is down, and keeps nothing', async () => {
    await relay.close();
    try {
      const result = await sendThrough(ports.front, ENVELOPE, MESSAGE.replace('postfix-e2e-1', 'postfix-e2e-2'));
      expect(result.ok).toBe(false);
      expect(String(result.responseCode ?? result.response)).toMatch(/^4/);
      await new Promise((wait) => setTimeout(wait, 2_000));
      expect(sink.messages.some((message) => message.raw.includes('postfix-e2e-2'))).toBe(false);
    } finally {
      relay = await startRelay(`127.0.0.1:${ports.reinjection}`, { relay: { listen: `127.0.0.1:${ports.gateway}`, xforwardHosts: ['127.0.0.1'] } });
    }
  }, 40_000);
});

describe.skipIf(!runnable)('behind a real Postfix, configured as the README says (after-queue)', () => {
  let directory: string | undefined;
  let sink: Sink;
  let relay: TestRelay | undefined;
  let ports: Ports;

  beforeAll(async () => {
    sink = await startSink();
    ports = await freePorts();
    const block = readmeBlock('### Postfix, after-queue', ports);
    // mail enters on a plain smtpd, as on port 25; main.cf's content_filter sends it to the gateway
    directory = await startPostfix(sink.port, ports.front, `127.0.0.1:${ports.front} inet n - n - - smtpd\n${linesFor(block, 'master.cf')}`, linesFor(block, 'main.cf'));
  }, 60_000);

  afterAll(async () => {
    stopPostfix(directory);
    await relay?.close();
    await sink?.close();
  });

  it('keeps a message queued while the gateway is down, then delivers it once, screened, when it is back', async () => {
    // the gateway is not running yet: Postfix accepts the message and defers it
    const result = await sendThrough(ports.front, ENVELOPE, MESSAGE);
    expect(result.ok, result.response).toBe(true);
    await new Promise((wait) => setTimeout(wait, 2_000));
    expect(sink.messages).toHaveLength(0);
    expect(logOf(directory as string)).toMatch(/status=deferred/);
    relay = await startRelay(`127.0.0.1:${ports.reinjection}`, { relay: { listen: `127.0.0.1:${ports.gateway}`, xforwardHosts: ['127.0.0.1'] } });
    await sink.waitFor(1, 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${logOf(directory as string)}`);
    });
    // a second delivery would come within Postfix's next queue runs
    await new Promise((wait) => setTimeout(wait, 3_000));
    expect(sink.messages).toHaveLength(1);
    const added = addedTo(sink.messages[0]!.raw, MESSAGE);
    expect(added).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=none; scope=out\r$/m);
    // smtp_send_xforward_command: the gateway's Received line names Postfix's client
    expect(added).toMatch(/^Received: from \S+ \([^)]*\[127\.0\.0\.1\]\)\r\n\tby gateway\.test /m);
    expect(added).not.toMatch(/^Received: from mx\.greyfordvale\.test [^\r]*\r\n\tby gateway\.test /m);
  }, 60_000);
});
