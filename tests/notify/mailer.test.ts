import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/errors.js';
import { createMailer, headerSafe, type Mailer } from '../../src/notify/mailer.js';
import { configWith } from '../helpers/config.js';
import { startSink, type Sink } from '../helpers/sink.js';

const RECIPIENT = 'imran.shah@greyfordvale.gov.uk';
const ATTACKER = 'attacker@evil.example';
/** the only header lines a notice may have */
const NOTICE_HEADERS = new Set(['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'auto-submitted']);

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['CRLF', `Pothole\r\nBcc: ${ATTACKER}`],
  ['bare LF', `Pothole\nBcc: ${ATTACKER}\nX-Injected: yes`],
  ['bare CR', `Pothole\rBcc: ${ATTACKER}`],
  ['=0D=0A in a Q encoded-word', `=?utf-8?Q?Pothole=0D=0ABcc:_${ATTACKER}?=`],
  ['CRLF in a B encoded-word', `=?utf-8?B?${Buffer.from(`Pothole\r\nBcc: ${ATTACKER}`).toString('base64')}?=`],
  ['a doubly encoded word', `=?utf-8?B?${Buffer.from(`=?utf-8?Q?Pothole=0D=0ABcc:_${ATTACKER}?=`).toString('base64')}?=`],
  ['literal =0D=0A', `Pothole=0D=0ABcc: ${ATTACKER}`],
  ['U+2028 line separator', `Pothole\u2028Bcc: ${ATTACKER}`],
  ['U+2029 and U+0085', `Pothole\u2029\u0085Bcc: ${ATTACKER}`],
  ['NUL', `Pothole\u0000Bcc: ${ATTACKER}`],
  ['"Bcc:" alone', `Bcc: ${ATTACKER}`],
  ['a bidi override', `Pothole \u202egnp.exe`],
];

let sink: Sink;
let mailer: Mailer;

beforeAll(async () => {
  sink = await startSink();
  mailer = createMailer(configWith({ notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp: sink.address } }));
});

afterAll(async () => {
  mailer.close();
  await sink.close();
});

/** Sends one notice and returns what reached the SMTP server: envelope, raw header block, parsed message. */
async function sendAndCatch(notice: Parameters<Mailer['send']>[0]) {
  const before = sink.messages.length;
  await mailer.send(notice);
  await sink.waitFor(before + 1);
  const caught = sink.messages[before];
  if (!caught) throw new Error('nothing reached the sink');
  const headerBlock = caught.raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
  return { caught, headerBlock, parsed: await simpleParser(caught.raw) };
}

function headerNames(headerBlock: string): string[] {
  return headerBlock
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

describe('notices copy hostile text without gaining header lines or recipients', () => {
  it.each(HOSTILE)('%s in the subject', async (_what, subject) => {
    const { caught, headerBlock, parsed } = await sendAndCatch({ to: RECIPIENT, subject: `Reminder: ${subject}`, text: 'body' });
    expect(caught.rcptTo).toEqual([RECIPIENT]);
    expect(headerNames(headerBlock).every((name) => NOTICE_HEADERS.has(name))).toBe(true);
    expect(headerBlock).not.toMatch(/^(bcc|cc|x-injected):/im);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.cc).toBeUndefined();
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((address) => address.address) : []).toEqual([RECIPIENT]);
    // what the officer's mail reader shows is one line too
    expect(parsed.subject).not.toMatch(/[\r\n\u0000\u2028\u2029\u0085\u202e]/);
    expect(parsed.subject?.startsWith('Reminder: ')).toBe(true);
  });

  it.each(HOSTILE)('%s in the recipient’s name', async (_what, name) => {
    const { caught, headerBlock, parsed } = await sendAndCatch({ to: RECIPIENT, toName: name, subject: 'Reminder', text: 'body' });
    expect(caught.rcptTo).toEqual([RECIPIENT]);
    expect(headerNames(headerBlock).every((header) => NOTICE_HEADERS.has(header))).toBe(true);
    expect(parsed.bcc).toBeUndefined();
    const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : [];
    expect(to.map((address) => address.address)).toEqual([RECIPIENT]);
    expect(to[0]?.name).not.toMatch(/[\r\n\u0000\u2028\u2029]/);
  });

  it('uses the notice id as a Message-ID, with anything odd in it replaced', async () => {
    const { headerBlock } = await sendAndCatch({ to: RECIPIENT, subject: 'Reminder', text: 'body', id: 'e12-acknowledge-reminder>\r\nBcc: x@y' });
    expect(headerBlock).toMatch(/^Message-ID: <e12-acknowledge-reminder---Bcc--x-y@greyfordvale\.gov\.uk>$/m);
  });
});

describe('a notice has exactly one recipient', () => {
  it.each([
    ['a list', `${RECIPIENT}, ${ATTACKER}`],
    ['a header line', `${RECIPIENT}\r\nBcc: ${ATTACKER}`],
    ['an angle-bracket address', `Imran <${RECIPIENT}>`],
    ['no address at all', 'imran.shah'],
  ])('refuses %s as the recipient and sends nothing', async (_what, to) => {
    const before = sink.messages.length;
    await expect(mailer.send({ to, subject: 'Reminder', text: 'body' })).rejects.toMatchObject({ code: 'NOTICE_BAD_RECIPIENT' } satisfies Partial<GatewayError>);
    expect(sink.messages.length).toBe(before);
  });
});

describe('headerSafe', () => {
  it('keeps ordinary subjects as they are', () => {
    expect(headerSafe('Pothole on Mill Lane – urgent?')).toBe('Pothole on Mill Lane – urgent?');
  });

  it('shortens long values with an ellipsis', () => {
    expect(headerSafe('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('decodes encoded-words before flattening them', () => {
    expect(headerSafe('=?utf-8?Q?Caf=C3=A9=0D=0Aau_lait?=')).toBe('Café au lait');
  });
});
