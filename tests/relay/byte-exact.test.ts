import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import { sendThrough, startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';

const HEAD = [
  'From: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>',
  'To: Rachel Finch <rachel.finch@greyfordvale.gov.uk>',
  'Subject: Planning application 26/0412',
  'Date: Tue, 24 Nov 2026 09:30:00 +0000',
  'MIME-Version: 1.0',
].join('\r\n');

const CASES: Array<{ name: string; message: string | Buffer; eightBit?: boolean }> = [
  {
    name: 'dot-leading lines and a line that is only a dot',
    message: `${HEAD}\r\nMessage-ID: <dots@test>\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n. \r\nend\r\n`,
  },
  {
    name: '8-bit body sent with BODY=8BITMIME',
    message: Buffer.concat([
      Buffer.from(`${HEAD}\r\nMessage-ID: <8bit@test>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`, 'latin1'),
      Buffer.from('Café on Église Street — £250 grant, naïve façade\r\n', 'utf8'),
      Buffer.from([0xe9, 0xff, 0x80, 0x0d, 0x0a]),
    ]),
    eightBit: true,
  },
  {
    name: 'lines of exactly 998 octets and of 5000 octets',
    message: `${HEAD}\r\nMessage-ID: <long@test>\r\n\r\n${'a'.repeat(998)}\r\n${'b'.repeat(5000)}\r\n`,
  },
  {
    name: 'no final CRLF',
    message: `${HEAD}\r\nMessage-ID: <nofinal@test>\r\n\r\nthe last line has no line ending`,
  },
  {
    name: 'trailing whitespace and empty lines at the end',
    message: `${HEAD}\r\nMessage-ID: <ws@test>\r\n\r\ntext   \r\n\t\r\n\r\n\r\n`,
  },
];

describe('byte-exact relaying', () => {
  let sink: Sink;
  let direct: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    direct = await startSink();
    relay = await startRelay(sink.address);
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
    await direct.close();
  });

  /** Sends the message through the gateway and straight to a sink; returns what the next hop got. */
  async function relayedAsSentDirect(envelope: Parameters<typeof sendThrough>[1], message: string | Buffer): Promise<Sink['messages'][number]> {
    const before = sink.messages.length;
    const viaGateway = await sendThrough(relay.port, envelope, message);
    expect(viaGateway.ok, viaGateway.response).toBe(true);
    const straight = await sendThrough(direct.port, envelope, message);
    expect(straight.ok).toBe(true);
    const forwarded = sink.messages[before]!;
    expect(withoutAddedHeaders(forwarded.raw).rest.equals(direct.messages[direct.messages.length - 1]!.raw)).toBe(true);
    return forwarded;
  }

  it.each(CASES)('$name: the next hop gets what a direct send delivers, below the added headers', async ({ message, eightBit }) => {
    const envelope = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['rachel.finch@greyfordvale.gov.uk'], use8BitMime: eightBit === true };
    const forwarded = await relayedAsSentDirect(envelope, message);
    if (eightBit) expect(forwarded.mailParams.BODY).toBe('8BITMIME');
  });

  // past 256 KB the message waits on disk: from the first byte when the client declared a SIZE that large
  it.each([
    ['declared exactly', 0],
    ['declared too small', -70_000],
    ['declared too large', 90_000],
    ['not declared', undefined],
  ])('relays a 360 KB message byte-exact with its SIZE %s', async (_how, error) => {
    const lines = Array.from({ length: 8000 }, (_, i) => (i % 97 === 0 ? `.line ${i} starts with a dot` : `line ${i} of the committee papers, item ${i % 13}`));
    const message = `${HEAD}\r\nMessage-ID: <declared-${error}@test>\r\n\r\n${lines.join('\r\n')}\r\n`;
    const size = error === undefined ? {} : { size: Buffer.byteLength(message) + error };
    const forwarded = await relayedAsSentDirect({ from: 'cllr.okafor@greyfordvale.gov.uk', to: ['rachel.finch@greyfordvale.gov.uk'], ...size }, message);
    expect(forwarded.raw.length).toBeGreaterThan(256 * 1024);
    expect(relay.relay.stats().spoolFiles).toBe(0);
  });

  it('keeps a DKIM signature valid', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const unsigned = `${HEAD}\r\nMessage-ID: <dkim@test>\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease find the officer report attached.\r\n.dot line\r\n`;
    const key = { signingDomain: 'greyfordvale.gov.uk', selector: 'test', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
    // the signer reads signatureData; its type declarations name the keys at the top level
    const signed = await dkimSign(unsigned, { canonicalization: 'simple/simple', ...key, signatureData: [key] } as Parameters<typeof dkimSign>[1]);
    expect(signed.errors).toEqual([]);
    const message = signed.signatures + unsigned;
    const before = sink.messages.length;
    const result = await sendThrough(relay.port, { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['rachel.finch@greyfordvale.gov.uk'] }, message);
    expect(result.ok).toBe(true);
    const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const resolver = async (name: string, type: string): Promise<string[][]> => {
      if (type === 'TXT' && name === 'test._domainkey.greyfordvale.gov.uk') return [[txt]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const verified = await dkimVerify(sink.messages[before]!.raw, { resolver });
    expect(verified.results.map((r: { status: { result: string } }) => r.status.result)).toEqual(['pass']);
    // the check is sharp: one changed byte in the body fails it
    const tampered = Buffer.from(sink.messages[before]!.raw.toString('latin1').replace('attached', 'attachEd'), 'latin1');
    const broken = await dkimVerify(tampered, { resolver });
    expect(broken.results.map((r: { status: { result: string } }) => r.status.result)).not.toContain('pass');
  });
});
