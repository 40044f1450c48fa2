import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { hashPassword } from '../src/review/password.js';
import { configWith } from './helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { sendThrough, withoutAddedHeaders } from './helpers/relay.js';
import { startSink, type Sink } from './helpers/sink.js';

const HELD_FIXTURE = 'fixtures/obligation/flags-accepts-quote-po-to-follow.eml';

describe('the gateway as `start` runs it', () => {
  let sink: Sink;
  let gateway: RunningGateway;
  const prefix = uniquePrefix('gateway');
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'mog-gateway-spool-'));
  let basic: string;

  beforeAll(async () => {
    sink = await startSink();
    const password = 'monitoring officer passphrase';
    // cheap scrypt parameters: the test is about wiring, not hashing cost
    const passwordHash = await hashPassword(password, { N: 1024, r: 8, p: 1 });
    basic = `Basic ${Buffer.from(`nadia:${password}`).toString('base64')}`;
    const config = configWith({
      relay: { listen: '127.0.0.1:0', nextHop: sink.address, hostname: 'gateway.test', screening: { workers: 1 }, spool: { directory: spoolDirectory } },
      redis: { url: TEST_REDIS_URL, prefix, embedded: 'never' },
      // the test Redis keeps no append-only file; tests/review/durability.test.ts covers refusing holds on one
      review: { listen: '127.0.0.1:0', accounts: [{ user: 'nadia', passwordHash }], volatileHolds: 'accept' },
      notify: { from: 'gateway@greyfordvale.gov.uk', smtp: sink.address },
      metrics: { listen: '127.0.0.1:0' },
    });
    gateway = await startGateway(config, { logger: silentLogger });
  });
  afterAll(async () => {
    await gateway?.close();
    await sink.close();
    await deleteKeys(prefix);
    rmSync(spoolDirectory, { recursive: true, force: true });
  });

  it('holds a letter committing the Council, shows it to the Monitoring Officer, and releases it byte-exact', async () => {
    const raw = readFileSync(HELD_FIXTURE);
    const envelope = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['quotes@riversidesurfacing.example'] };
    const held = await sendThrough(gateway.relayPort, envelope, raw);
    expect(held.ok, held.response).toBe(true);
    expect(held.response).toMatch(/^250 2\.0\.0 Held for review by the Monitoring Officer \(review (\S+)\)/);
    // the notice to the Monitoring Officer is the only thing the sink has seen
    await sink.waitFor(1);
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['nadia.kowalski@greyfordvale.gov.uk']]);

    const api = `http://127.0.0.1:${gateway.reviewPort}/api/flags`;
    expect((await fetch(api)).status).toBe(401);
    const list = (await (await fetch(api, { headers: { authorization: basic } })).json()) as { items: Array<{ id: string; status: string; findings: Array<{ filter: string }> }> };
    const item = list.items.find((entry) => entry.status === 'held');
    expect(item?.findings.map((f) => f.filter)).toContain('obligation');

    const decision = await fetch(`${api}/${item!.id}/decision`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'release', note: 'checked with the Leader: the quote was approved by cabinet' }),
    });
    expect(decision.status).toBe(200);
    await sink.waitFor(2);
    const released = sink.messages[1]!;
    expect(released.rcptTo).toEqual(envelope.to);
    expect(withoutAddedHeaders(released.raw).rest.toString('latin1')).toBe(raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n'));
  });

  it('holds a large letter committing the Council, screened from disk in the worker, and releases it byte-exact', async () => {
    // the letter with a 400 KB scanned attachment: past relay.spool.aboveBytes, so it waits on disk
    const letter = readFileSync(HELD_FIXTURE, 'utf8').replace(/\r?\n/g, '\r\n');
    const headerEnd = letter.indexOf('\r\n\r\n');
    const headers = letter
      .slice(0, headerEnd)
      .split('\r\n')
      .filter((line) => !/^(content-type|content-transfer-encoding):/i.test(line))
      .map((line) => (line.startsWith('Message-ID:') ? 'Message-ID: <large-held@greyfordvale.gov.uk>' : line));
    const scan = Buffer.alloc(300 * 1024, 'scanned quotation page ').toString('base64').replace(/(.{76})/g, '$1\r\n');
    const raw = Buffer.from(
      `${headers.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="q1"\r\n\r\n--q1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
        `${letter.slice(headerEnd + 4)}\r\n--q1\r\nContent-Type: application/octet-stream; name="quotation.dat"\r\nContent-Transfer-Encoding: base64\r\n\r\n${scan}\r\n--q1--\r\n`,
      'utf8',
    );
    expect(raw.length).toBeGreaterThan(256 * 1024);
    const envelope = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['quotes@riversidesurfacing.example'] };
    const before = sink.messages.length;
    const held = await sendThrough(gateway.relayPort, envelope, raw);
    expect(held.response).toMatch(/^250 2\.0\.0 Held for review by the Monitoring Officer \(review (\S+)\)/);
    const id = /review (\S+)\)/.exec(held.response)?.[1];
    expect(readdirSync(spoolDirectory)).toEqual([]);

    const api = `http://127.0.0.1:${gateway.reviewPort}/api/flags`;
    const item = (await (await fetch(`${api}/${id}`, { headers: { authorization: basic } })).json()) as { findings: Array<{ filter: string }> };
    expect(item.findings.map((f) => f.filter)).toContain('obligation');
    const decision = await fetch(`${api}/${id}/decision`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'release', note: 'approved by cabinet' }),
    });
    expect(decision.status).toBe(200);
    // the notice to the Monitoring Officer, then the released letter
    await sink.waitFor(before + 2);
    const released = sink.messages.find((m, i) => i >= before && m.rcptTo.includes('quotes@riversidesurfacing.example'));
    expect(released && withoutAddedHeaders(released.raw).rest.equals(raw)).toBe(true);
  });

  it('opens a member enquiry for a request to an officer and lists it with its deadlines', async () => {
    const message = [
      'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
      'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
      'Subject: Flooding on Castle Street',
      'Message-ID: <gateway-enquiry-1@greyfordvale.gov.uk>',
      'Date: Thu, 19 Nov 2026 10:00:00 +0000',
      '',
      'Could you tell me when the blocked drain outside number 14 will be cleared?',
      '',
    ].join('\r\n');
    const result = await sendThrough(gateway.relayPort, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, message);
    expect(result.ok, result.response).toBe(true);
    const api = `http://127.0.0.1:${gateway.reviewPort}/api/enquiries`;
    let items: Array<{ member: string; officer: string; subject: string; status: string; acknowledgeBy: string; respondBy: string }> = [];
    // the enquiry is recorded just after the next hop accepted the message
    for (let attempt = 0; attempt < 50 && items.length === 0; attempt += 1) {
      items = ((await (await fetch(api, { headers: { authorization: basic } })).json()) as { items: typeof items }).items;
      if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(items).toEqual([
      expect.objectContaining({ member: 'cllr.hadley@greyfordvale.gov.uk', officer: 'imran.shah@greyfordvale.gov.uk', subject: 'Flooding on Castle Street', status: 'open' }),
    ]);
    expect(Date.parse(items[0]!.acknowledgeBy)).toBeLessThan(Date.parse(items[0]!.respondBy));
  });

  it('counts what it did for Prometheus: held letters, enquiries, notices, screening time; healthy and ready', async () => {
    const base = `http://127.0.0.1:${gateway.metricsPort}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    // the tests above held two letters (both released), relayed an enquiry and sent notices
    expect(text).toMatch(/^mog_messages_total\{action="hold"\} 2$/m);
    expect(text).toMatch(/^mog_messages_total\{action="deliver"\} 1$/m);
    expect(text).toMatch(/^mog_findings_total\{filter="obligation"\} 2$/m);
    expect(text).toMatch(/^mog_screening_seconds_count 3$/m);
    expect(text).toMatch(/^mog_held_messages 0$/m);
    expect(text).toMatch(/^mog_enquiries\{status="open"\} 1$/m);
    expect(text).toMatch(/^mog_notifications_total\{kind="hold-notice"\} 2$/m);
    expect(text).toMatch(/^mog_next_hop_failures_total 0$/m);
    expect(text).toMatch(/^mog_screening_header_arrivals_total 0$/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
  });
});
