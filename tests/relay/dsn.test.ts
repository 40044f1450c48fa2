import { afterEach, describe, expect, it } from 'vitest';
import { rawDialogue, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

const MESSAGE = 'From: Jo Bloggs <jo.bloggs@example.org>\r\nTo: Imran Shah <imran.shah@greyfordvale.gov.uk>\r\nSubject: Bins\r\n\r\nThe bins were not collected.\r\n.\r\n';

describe('delivery status notifications (RFC 3461) on the way through', () => {
  let sink: Sink;
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    await sink.close();
  });

  it('offers DSN when the next hop does, and passes RET, ENVID, NOTIFY and ORCPT on unchanged', async () => {
    sink = await startSink({ dsn: true });
    relay = await startRelay(sink.address);
    // the gateway greets the next hop at start, as `start` does, and so knows what it offers
    await relay.nextHop.probe();
    const replies = await rawDialogue(relay.port, [
      'EHLO postfix.greyfordvale.gov.uk\r\n',
      'MAIL FROM:<jo.bloggs@example.org> RET=HDRS ENVID=QQ314159+2Bx\r\n',
      'RCPT TO:<imran.shah@greyfordvale.gov.uk> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Imran.Shah+40greyfordvale.gov.uk\r\n',
      'DATA\r\n',
      MESSAGE,
      'QUIT\r\n',
    ]);
    expect(replies).toContain('250-DSN');
    expect(replies.at(-2)).toMatch(/^250 2\.0\.0 Ok: relayed/);
    // both ends decode xtext: the next hop reads what the client meant, "+" and "@" included
    expect(sink.messages[0]!.mailParams).toMatchObject({ RET: 'HDRS', ENVID: 'QQ314159+x' });
    expect(sink.messages[0]!.rcptParams[0]).toMatchObject({ NOTIFY: 'SUCCESS,FAILURE', ORCPT: 'rfc822;Imran.Shah@greyfordvale.gov.uk' });
  });

  it('does not offer DSN when the next hop does not, so no request is silently dropped', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address);
    await relay.nextHop.probe();
    const replies = await rawDialogue(relay.port, ['EHLO postfix.greyfordvale.gov.uk\r\n', 'QUIT\r\n']);
    expect(replies.some((line) => /^250[ -]DSN$/.test(line))).toBe(false);
  });
});
