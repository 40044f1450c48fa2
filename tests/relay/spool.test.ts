import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnusableSettingError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { rawBytes } from '../../src/message/raw.js';
import { NextHopClient, NextHopError } from '../../src/relay/forward.js';
import { Spool } from '../../src/relay/spool.js';
import { sendThrough, startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

const ENVELOPE = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['rachel.finch@greyfordvale.gov.uk'] };

/** A member's message of about `bytes`, with dot-leading lines. */
function messageOf(bytes: number): Buffer {
  const lines = ['From: cllr.okafor@greyfordvale.gov.uk', 'To: rachel.finch@greyfordvale.gov.uk', 'Subject: Committee papers', `Message-ID: <${randomUUID()}@test>`, ''];
  let length = lines.join('\r\n').length;
  for (let i = 0; length < bytes; i += 1) {
    const line = i % 50 === 0 ? `.${i} starts with a dot` : `line ${i} of the committee papers for item ${i % 13}`;
    lines.push(line);
    length += line.length + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** The spool files in a directory, with their sizes. */
function spoolFiles(directory: string): number[] {
  return readdirSync(directory).map((name) => statSync(join(directory, name)).size);
}

describe('large messages wait on disk', () => {
  let sink: Sink | undefined;
  let relay: TestRelay | undefined;
  let directory: string;
  afterEach(async () => {
    await relay?.close();
    await sink?.close();
    relay = undefined;
    sink = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['a 400 KB message without a declared SIZE', 400 * 1024, false, 1],
    ['a 400 KB message with its SIZE declared', 400 * 1024, true, 1],
    ['a 5 KB message', 5 * 1024, false, 0],
  ])('%s: on disk while screened and forwarded, relayed byte-exact, and removed after', async (_case, bytes, declare, expectedFiles) => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-'));
    sink = await startSink();
    // the next hop takes its time over the message, so the file can be seen while it is in flight
    sink.faults.delayDataMs = 600;
    relay = await startRelay(sink.address, { relay: { spool: { directory, aboveBytes: 256 * 1024 } } });
    const message = messageOf(bytes);
    let done = false;
    const sent = sendThrough(relay.port, { ...ENVELOPE, ...(declare ? { size: message.length } : {}) }, message).finally(() => (done = true));
    // what the directory held at any moment of the transaction: one file per size seen
    const seen = new Set<number>();
    while (!done) {
      for (const size of spoolFiles(directory)) seen.add(size);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const result = await sent;
    expect(result.ok, result.response).toBe(true);
    // the whole message was on disk while the next hop was taking it
    expect(seen.has(message.length)).toBe(expectedFiles === 1);
    if (expectedFiles === 0) expect([...seen]).toEqual([]);
    expect(withoutAddedHeaders(sink.messages[0]!.raw).rest.equals(message)).toBe(true);
    expect(readdirSync(directory)).toEqual([]);
    expect(relay.relay.stats().spoolFiles).toBe(0);
  });

  it('answers 451 4.3.1 when the message cannot be written to disk, forwards nothing, and serves the next one', async () => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-'));
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { spool: { directory, aboveBytes: 256 * 1024 } } });
    // the directory disappears under the running gateway (a full or unmounted disk answers the same way)
    rmSync(directory, { recursive: true });
    const result = await sendThrough(relay.port, ENVELOPE, messageOf(400 * 1024));
    expect(result.responseCode).toBe(451);
    expect(result.response).toMatch(/^451 4\.3\.1 /);
    expect(sink.messages).toHaveLength(0);
    expect(relay.relay.stats().spoolFiles).toBe(0);
    const small = await sendThrough(relay.port, ENVELOPE, messageOf(2 * 1024));
    expect(small.ok, small.response).toBe(true);
  });

  it('screens a large message from disk: a letter committing the Council is held, whichever thread screens it', async () => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-'));
    sink = await startSink();
    const held: Buffer[] = [];
    const letter = Buffer.concat([
      Buffer.from('From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>\r\nTo: Dean Carter <dean@castlefencing.example.co.uk>\r\nSubject: Fence along Castle Walk\r\n\r\n'),
      Buffer.from('Dean,\r\n\r\nThe Council will pay you £2,400 for the replacement fence, and I would like it done before Easter.\r\n\r\nTom\r\n\r\n'),
      Buffer.from(`${'Minutes of the residents meeting, item by item, for the record.\r\n'.repeat(5_000)}`),
    ]);
    for (const workers of [0, 1]) {
      relay = await startRelay(
        sink.address,
        { relay: { spool: { directory, aboveBytes: 256 * 1024 }, screening: { workers } } },
        { review: async (_status, _result, raw) => String(held.push(raw)) },
      );
      const result = await sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['dean@castlefencing.example.co.uk'] }, letter);
      expect(result.response).toMatch(/^250 2\.0\.0 Held for review/);
      await relay.close();
      relay = undefined;
    }
    // the review store was given the exact bytes, read back from disk
    expect(held.map((raw) => raw.equals(letter))).toEqual([true, true]);
    expect(sink.messages).toHaveLength(0);
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe('a spool file that cannot be read back whole', () => {
  let sink: Sink | undefined;
  let client: NextHopClient | undefined;
  let directory: string;
  afterEach(async () => {
    await client?.close();
    await sink?.close();
    client = undefined;
    sink = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  const forwarded = { mailFrom: ENVELOPE.from, rcptTo: ENVELOPE.to };
  const prefix = Buffer.from('X-Member-Officer-Screening: deliver\r\n');

  it.each([
    ['is gone', (path: string): void => rmSync(path)],
    ['is shorter than the message', (path: string, message: Buffer): void => writeFileSync(path, message.subarray(0, message.length - 70_000))],
  ])('is never forwarded in part when it %s: 451 4.3.0, the next hop gets nothing, and the next message goes through', async (_what, damage) => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-read-'));
    sink = await startSink();
    client = new NextHopClient({ address: sink.address, hostname: 'gateway.test', poolSize: 1, timeoutMs: 5_000, logger: silentLogger });
    const message = messageOf(400 * 1024);
    const path = join(directory, 'message.eml');
    writeFileSync(path, message);
    damage(path, message);
    const failure = await client.deliver(forwarded, prefix, { path, length: message.length }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NextHopError);
    expect((failure as NextHopError).message).toMatch(/^4\.3\.0 /);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.messages).toHaveLength(0);
    await client.deliver(forwarded, prefix, message);
    await sink.waitFor(1);
    expect(sink.messages[0]?.raw.equals(Buffer.concat([prefix, message]))).toBe(true);
  });

  it('is not stored for review in part: reading it whole fails, naming the file and both sizes', async () => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-read-'));
    const path = join(directory, 'message.eml');
    writeFileSync(path, Buffer.alloc(1000, 'a'));
    await expect(rawBytes({ path, length: 1500 })).rejects.toThrow(`spool file ${path} holds 1000 bytes, not the message's 1500`);
    await expect(rawBytes({ path, length: 1000 })).resolves.toHaveLength(1000);
  });
});

describe('the spool directory at start-up', () => {
  let directory: string;
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('is created owner-only when it does not exist', async () => {
    directory = join(mkdtempSync(join(tmpdir(), 'mog-spool-')), 'nested', 'spool');
    await new Spool(directory, silentLogger).prepare();
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });

  it('removes the files of a gateway process that has ended, and keeps those of one still running', async () => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-'));
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = `${ended}-${randomUUID()}.eml`;
    const running = `${process.ppid}-${randomUUID()}.eml`;
    for (const name of [dead, running, 'README.txt']) writeFileSync(join(directory, name), 'x');
    await new Spool(directory, silentLogger).prepare();
    expect(readdirSync(directory).sort()).toEqual([running, 'README.txt'].sort());
  });

  it.each([
    ['readable by others', (path: string) => chmodSync(path, 0o755), /must belong to the user the gateway runs as and be closed to others/],
    ['a file, not a directory', (path: string) => (rmSync(path, { recursive: true }), writeFileSync(path, 'x')), /(is not a directory|cannot create)/],
  ])('is refused when it is %s, naming the setting', async (_case, spoil, reason) => {
    directory = mkdtempSync(join(tmpdir(), 'mog-spool-'));
    const target = join(directory, 'spool');
    await new Spool(target, silentLogger).prepare();
    spoil(target);
    const failure = await new Spool(target, silentLogger).prepare().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnusableSettingError);
    expect((failure as UnusableSettingError).key).toBe('relay.spool.directory');
    expect((failure as UnusableSettingError).reason).toMatch(reason);
  });
});
