import { describe, expect, it } from 'vitest';
import { DataInspector, inspectData, type DataLimits } from '../../src/relay/inspect.js';

const LIMITS: DataLimits = { allowBareLineEndings: false, maxLineBytes: 40, maxHeaderBytes: 120, maxReceivedHeaders: 3 };
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

/** The reply code for the message written to an inspector in the given pieces. */
function inspectInPieces(message: Buffer, cuts: readonly number[]): number | undefined {
  const inspector = new DataInspector(LIMITS);
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
