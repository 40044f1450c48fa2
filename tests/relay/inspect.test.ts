import { describe, expect, it } from 'vitest';
import { DataInspector, inspectData, type DataLimits } from '../../src/relay/inspect.js';

const LIMITS: DataLimits = { allowBareLineEndings: false, maxLineBytes: 40, maxHeaderBytes: 120, maxReceivedHeaders: 3, maxMimeParts: 1_000, maxMimeDepth: 100 };
const HEAD = 'From: a@example.org\r\nSubject: x\r\n';

/** Each message and the reply code inspecting it whole gives (undefined: accepted). */
const CASES: Array<[string, string, number | undefined]> = [
  ['a clean message', `${HEAD}\r\nbody line\r\n.dot line\r\n`, undefined],
  ['a clean message with no final CRLF', `${HEAD}\r\nlast line`, undefined],
  ['a message that starts with the blank line', '\r\nReceived: in the body\r\nReceived: x\r\nReceived: y\r\n', undefined],
  ['a bare LF in the body', `${HEAD}\r\nfirst\n.\r\nMAIL FROM:<x@y>\r\n`, 550],
  ['a bare LF as the very first byte', '\nSubject: x\r\n\r\nbody\r\n', 550],
  ['a bare CR in the body', `${HEAD}\r\nfirst\r.\r\n`, 550],
  ['a CR as the very last byte', `${HEAD}\r\nbody\r`, 550],
  ['a line over the limit', `${HEAD}\r\n${'x'.repeat(39)}\r\nok\r\n`, 500],
  ['a last line over the limit without CRLF', `${HEAD}\r\nok\r\n${'x'.repeat(41)}`, 500],
  ['a line at the limit', `${HEAD}\r\n${'x'.repeat(38)}\r\n`, undefined],
  ['a long line ended by a bare LF (the LF is found first)', `${HEAD}\r\n${'x'.repeat(60)}\n`, 550],
  ['a NUL byte in the body', `${HEAD}\r\nfirst\u0000second\r\n`, 554],
  ['a NUL byte in the header', `From: a@exa\u0000mple.org\r\n\r\nbody\r\n`, 554],
  ['a header section over the limit', `${'X-Filler: 0123456789012345678\r\n'.repeat(5)}\r\nbody\r\n`, 552],
  ['a header section just under the limit', `${'X-Filler: 0123456789012345678\r\n'.repeat(3)}\r\nbody\r\n`, undefined],
  ['no blank line and shorter than the header limit', `${HEAD}Received: a\r\nReceived: b\r\n`, undefined],
  ['three Received lines in the header (loop)', `Received: a\r\nreceived: b\r\nRECEIVED: c\r\n${HEAD}\r\nbody\r\n`, 554],
  ['three Received lines with one in the body', `Received: a\r\nReceived: b\r\n${HEAD}\r\nReceived: c\r\n`, undefined],
];

/** MIME structure: at most 3 parts and multiparts nested 2 deep. */
const STRUCTURE_LIMITS: DataLimits = { ...LIMITS, maxLineBytes: 1_000, maxHeaderBytes: 10_000, maxMimeParts: 3, maxMimeDepth: 2 };
const part = (boundary: string, body: string, type = 'text/plain'): string => `--${boundary}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
const multipart = (boundary: string, parts: readonly string[]): string => `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\npreamble\r\n${parts.join('')}--${boundary}--\r\nepilogue\r\n`;
const STRUCTURE_CASES: Array<[string, string, number | undefined]> = [
  ['three parts', `Subject: x\r\n${multipart('b1', [part('b1', 'one'), part('b1', 'two'), part('b1', 'three')])}`, undefined],
  ['four parts', `Subject: x\r\n${multipart('b1', [part('b1', 'one'), part('b1', 'two'), part('b1', 'three'), part('b1', 'four')])}`, 554],
  ['a folded Content-Type with an unquoted boundary after other fields', `Subject: x\r\nX-Other: y\r\nContent-Type: multipart/mixed;\r\n\tboundary=zz\r\n\r\n${['a', 'b', 'c', 'd'].map((body) => part('zz', body)).join('')}--zz--\r\n`, 554],
  ['lines that look like delimiters of no open boundary', `Subject: x\r\n${multipart('b1', [part('b1', '--b2\r\n--b2\r\n--b3\r\n--b1x'), part('b1', 'two')])}`, undefined],
  ['delimiters after the closing one (epilogue)', `Subject: x\r\n${multipart('b1', [part('b1', 'one')])}--b1\r\n--b1\r\n--b1\r\n--b1\r\n`, undefined],
  ['two levels of multipart', `Subject: x\r\n${multipart('outer', [`--outer\r\n${multipart('inner', [part('inner', 'deep')])}`])}`, undefined],
  ['three levels of multipart', `Subject: x\r\n${multipart('a', [`--a\r\n${multipart('b', [`--b\r\n${multipart('c', [part('c', 'deepest')])}`])}`])}`, 554],
  ['parts of a message forwarded inline count', `Subject: x\r\n${multipart('out', [`--out\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n${multipart('in', [part('in', '1'), part('in', '2'), part('in', '3')])}`])}`, 554],
  ['a delimiter inside a part header starts the next part, as the parser reads it', `Subject: x\r\n${multipart('a', ['--a\r\nContent-Type: text/plain\r\n', `--a\r\n${multipart('b', [`--b\r\n${multipart('c', [part('c', 'deep')])}`])}`])}`, 554],
  ['a space before the colon of Content-Type', `Subject: x\r\nContent-Type : multipart/mixed; boundary=s\r\n\r\n${['1', '2', '3', '4'].map((body) => part('s', body)).join('')}--s--\r\n`, 554],
  ['a boundary in RFC 2231 pieces, after a parameter that mentions one', `Subject: x\r\nContent-Type: (c)multipart/mixed; x="; boundary=fake"; boundary*0="ab"; boundary*1="cd"\r\n\r\n${['1', '2', '3', '4'].map((body) => part('abcd', body)).join('')}--abcd--\r\n`, 554],
  ['parts of a base64 forwarded message are opaque', `Subject: x\r\n${multipart('out', [`--out\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n--in\r\n--in\r\n--in\r\n--in\r\n`])}`, undefined],
];

/** The reply code for the message written to an inspector in the given pieces. */
function inspectInPieces(message: Buffer, cuts: readonly number[], limits: DataLimits = LIMITS): number | undefined {
  const inspector = new DataInspector(limits);
  let from = 0;
  for (const cut of [...cuts, message.length]) {
    inspector.write(message.subarray(from, cut));
    from = cut;
  }
  return inspector.finish()?.responseCode;
}

describe('inspecting message data as it arrives', () => {
  it.each(CASES)('%s: the whole message gets the expected reply', (_name, text, expected) => {
    expect(inspectData(Buffer.from(text, 'latin1'), LIMITS)?.responseCode).toBe(expected);
  });

  it.each(CASES)('%s: the same reply however the bytes are split into chunks', (_name, text, expected) => {
    const message = Buffer.from(text, 'latin1');
    for (let cut = 0; cut <= message.length; cut += 1) {
      expect(inspectInPieces(message, [cut]), `split at ${cut}`).toBe(expected);
    }
    const everyByte = Array.from({ length: message.length }, (_, i) => i);
    expect(inspectInPieces(message, everyByte), 'one byte at a time').toBe(expected);
  });
});

describe('MIME structure beyond what is screened', () => {
  it.each(STRUCTURE_CASES)('%s: the expected reply, however the bytes are split', (_name, text, expected) => {
    const message = Buffer.from(text, 'latin1');
    expect(inspectData(message, STRUCTURE_LIMITS)?.responseCode).toBe(expected);
    for (let cut = 0; cut <= message.length; cut += 7) {
      expect(inspectInPieces(message, [cut], STRUCTURE_LIMITS), `split at ${cut}`).toBe(expected);
    }
    const everyByte = Array.from({ length: message.length }, (_, i) => i);
    expect(inspectInPieces(message, everyByte, STRUCTURE_LIMITS), 'one byte at a time').toBe(expected);
  });

  it('says which limit the message passed', () => {
    expect(inspectData(Buffer.from(STRUCTURE_CASES[1]![1], 'latin1'), STRUCTURE_LIMITS)?.message).toMatch(/^5\.6\.0 Message has more than 3 MIME parts/);
    expect(inspectData(Buffer.from(STRUCTURE_CASES[6]![1], 'latin1'), STRUCTURE_LIMITS)?.message).toMatch(/^5\.6\.0 Message has multiparts nested more than 2 deep/);
  });
});

describe('a screening header written by the sender', () => {
  it.each([
    ['first', `X-Member-Officer-Screening: action=deliver; findings=none\r\n${HEAD}\r\nbody\r\n`, true],
    ['later, in any case', `${HEAD}x-member-officer-SCREENING: action=deliver\r\n\r\nbody\r\n`, true],
    ['only in the body', `${HEAD}\r\nX-Member-Officer-Screening: action=deliver\r\n`, false],
    ['absent', `${HEAD}\r\nbody\r\n`, false],
  ])('is noticed when it stands %s in the header section', (_where, text, expected) => {
    const inspector = new DataInspector({ ...LIMITS, maxHeaderBytes: 400, maxLineBytes: 400 });
    inspector.write(Buffer.from(text, 'latin1'));
    expect(inspector.finish()).toBeUndefined();
    expect(inspector.carriesScreeningHeader()).toBe(expected);
  });
});
