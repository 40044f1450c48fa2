import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { describe, expect, it } from 'vitest';
import { startSink } from '../helpers/sink.js';
import { sendThrough, startRelay } from '../helpers/relay.js';

const MESSAGE = 'From: cllr.hadley@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Bins\r\n\r\nThe bins in Castle ward were missed again.\r\n';
const ENVELOPE = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] };

describe('relay lifecycle', () => {
  it('delivers with findings=screening-error when screening overruns its budget in the worker', async () => {
    const sink = await startSink();
    const relay = await startRelay(sink.address, { relay: { screening: { workers: 1, timeoutMs: 1, maxParseBytes: 10_485_760 } } });
    try {
      const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
      expect(result.ok, result.response).toBe(true);
      expect(sink.messages[0]!.raw.toString()).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=screening-error$/m);
      // the replacement worker screens the next message normally
      const relayed = await startRelay(sink.address, { relay: { screening: { workers: 1, timeoutMs: 10_000, maxParseBytes: 10_485_760 } } });
      try {
        expect((await sendThrough(relayed.port, ENVELOPE, MESSAGE)).ok).toBe(true);
        expect(sink.messages[1]!.raw.toString()).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=none$/m);
      } finally {
        await relayed.close();
      }
    } finally {
      await relay.close();
      await sink.close();
    }
  });

  it('defers, saying why, a message that overruns its screening budget when a filter may not let mail pass unscreened', async () => {
    const sink = await startSink();
    const strict = { 'abusive-language': { enabled: true, action: 'flag' as const, minScore: 0, timeoutMs: 2_000, failOpen: false } };
    const relay = await startRelay(sink.address, { relay: { screening: { workers: 1, timeoutMs: 1, maxParseBytes: 10_485_760 } }, filters: strict });
    try {
      const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
      expect(result.ok).toBe(false);
      expect(result.responseCode).toBe(451);
      expect(result.response).toMatch(/abusive-language may not let mail pass unscreened/);
      expect(sink.messages).toHaveLength(0);
    } finally {
      await relay.close();
      await sink.close();
    }
  });

  it('offers STARTTLS when a key and certificate are configured, and relays over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mog-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=gateway.test'], { stdio: 'ignore' });
    const sink = await startSink();
    const relay = await startRelay(sink.address, { relay: { tls: { key, cert } } });
    try {
      const connection = new SMTPConnection({ host: '127.0.0.1', port: relay.port, requireTLS: true, tls: { rejectUnauthorized: false }, allowInternalNetworkInterfaces: true, logger: false });
      await new Promise<void>((resolve, reject) => {
        connection.once('error', reject);
        connection.connect(() => resolve());
      });
      const info = await new Promise<{ response: string }>((resolve, reject) => connection.send(ENVELOPE, MESSAGE, (error, result) => (error ? reject(error) : resolve(result as { response: string }))));
      expect(connection.secure).toBe(true);
      expect(info.response).toMatch(/^250 /);
      connection.close();
      expect(sink.messages[0]!.raw.toString()).toMatch(/with ESMTPS id /);
    } finally {
      await relay.close();
      await sink.close();
    }
  });

  it('on shutdown finishes a message in flight, then refuses new connections', async () => {
    const sink = await startSink();
    sink.faults.delayDataMs = 500;
    const relay = await startRelay(sink.address);
    try {
      const inFlight = sendThrough(relay.port, ENVELOPE, MESSAGE);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const closing = relay.close();
      const result = await inFlight;
      expect(result.ok, result.response).toBe(true);
      expect(sink.messages).toHaveLength(1);
      await closing;
      const after = await sendThrough(relay.port, ENVELOPE, MESSAGE).catch((error: Error) => ({ ok: false, response: error.message }));
      expect(after.ok).toBe(false);
    } finally {
      await sink.close();
    }
  });
});

describe('stopping', () => {
  it('tells a waiting client why it is closing its connection, in the 421 an MTA in front will log', async () => {
    const sink = await startSink();
    const relay = await startRelay(sink.address);
    const socket = connect(relay.port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      while (!received.includes('\r\n')) await new Promise((resolve) => setTimeout(resolve, 20));
      socket.write('EHLO postfix.greyfordvale.gov.uk\r\n');
      while (!/^250 /m.test(received)) await new Promise((resolve) => setTimeout(resolve, 20));
      const stopped = relay.close();
      await closed;
      expect(received).toMatch(/^421 4\.3\.2 gateway\.test is stopping \(restart or shutdown\); .*try again shortly\r$/m);
      await stopped;
    } finally {
      socket.destroy();
      await sink.close();
    }
  });
});
