import { afterEach, describe, expect, it } from 'vitest';
import { rawDialogue, startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

const MESSAGE = 'From: Jo Bloggs <jo.bloggs@example.org>\r\nTo: Imran Shah <imran.shah@greyfordvale.gov.uk>\r\nSubject: Bins\r\n\r\nThe bins were not collected.\r\n';
const TRANSACTION = ['MAIL FROM:<jo.bloggs@example.org>\r\n', 'RCPT TO:<imran.shah@greyfordvale.gov.uk>\r\n', 'DATA\r\n', `${MESSAGE}.\r\n`];

describe('XFORWARD from the MTA in front', () => {
  let sink: Sink;
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    await sink.close();
  });

  it('is offered to the hosts relay.xforwardHosts lists, and the Received line names the original client', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { xforwardHosts: ['127.0.0.1'] } });
    const replies = await rawDialogue(relay.port, ['EHLO postfix.greyfordvale.gov.uk\r\n', 'XFORWARD NAME=mail.example.org ADDR=203.0.113.7 PROTO=ESMTP HELO=mail.example.org\r\n', ...TRANSACTION, 'QUIT\r\n']);
    expect(replies.some((line) => /^250[ -]XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE$/.test(line)), replies.join('\n')).toBe(true);
    expect(replies).toContain('250 OK');
    expect(replies.at(-2)).toMatch(/^250 2\.0\.0 Ok: relayed/);
    expect(sink.messages).toHaveLength(1);
    const { added, rest } = withoutAddedHeaders(sink.messages[0]!.raw);
    expect(added).toMatch(/^Received: from mail\.example\.org \(mail\.example\.org \[203\.0\.113\.7\]\)\r\n\tby gateway\.test /);
    expect(rest.toString('latin1')).toBe(MESSAGE);
  });

  it('passes the original client on to a next hop that offers XFORWARD', async () => {
    sink = await startSink({ xforward: true });
    relay = await startRelay(sink.address, { relay: { xforwardHosts: ['127.0.0.1'] } });
    await rawDialogue(relay.port, ['EHLO postfix.greyfordvale.gov.uk\r\n', 'XFORWARD NAME=mail.example.org ADDR=203.0.113.7 PROTO=ESMTP HELO=mail.example.org\r\n', ...TRANSACTION, 'QUIT\r\n']);
    expect(sink.messages[0]!.xForward).toMatchObject({ NAME: 'mail.example.org', ADDR: '203.0.113.7', PROTO: 'ESMTP', HELO: 'mail.example.org' });
    // with no MTA in front saying otherwise, the gateway's own client is the one passed on
    await rawDialogue(relay.port, ['EHLO desk.greyfordvale.gov.uk\r\n', ...TRANSACTION, 'QUIT\r\n']);
    expect(sink.messages[1]!.xForward).toMatchObject({ ADDR: '127.0.0.1', HELO: 'desk.greyfordvale.gov.uk', PROTO: 'ESMTP', SOURCE: 'REMOTE' });
    expect(sink.messages.map((message) => message.raw.toString('latin1').endsWith(MESSAGE))).toEqual([true, true]);
  });

  it('is neither offered nor obeyed where the policy lists no such host', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address);
    const replies = await rawDialogue(relay.port, ['EHLO somewhere.example\r\n', 'XFORWARD ADDR=203.0.113.7\r\n', ...TRANSACTION, 'QUIT\r\n']);
    expect(replies.some((line) => line.includes('XFORWARD'))).toBe(false);
    expect(replies).toContain('550 Error: Not allowed');
    const { added } = withoutAddedHeaders(sink.messages[0]!.raw);
    expect(added).toMatch(/^Received: from somewhere\.example \(\[127\.0\.0\.1\]\)/);
  });

  it('counts a connection against the address it came from, whatever client it then names', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { xforwardHosts: ['127.0.0.1'], maxClientsPerAddress: 1 } });
    for (let round = 0; round < 3; round += 1) {
      const replies = await rawDialogue(relay.port, ['EHLO postfix.greyfordvale.gov.uk\r\n', `XFORWARD ADDR=203.0.113.${round + 1}\r\n`, ...TRANSACTION, 'QUIT\r\n']);
      // a connection released under the forwarded address would leave 127.0.0.1 counted, and the next refused
      expect(replies[0]).toMatch(/^220 /);
    }
    expect(sink.messages).toHaveLength(3);
  });
});
