import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory.js';
import { parseMessage } from '../../src/message/parse.js';
import { quotedSpans } from '../../filters/shared/quotations.js';
import { splitSentences } from '../../filters/shared/sentences.js';
import { readSentences, textSources } from '../../filters/shared/text-sources.js';
import { isWhiteSpace } from '../../filters/shared/white-space.js';
import { exampleConfig } from '../helpers/config.js';

const sentencesOf = (text: string): string[] => splitSentences(text).map((span) => text.slice(span.start, span.end));

describe('white space', () => {
  it('is what /\\s/ and trim() take for white space, for every UTF-16 code unit', () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const char = String.fromCharCode(code);
      if (isWhiteSpace(code) !== /\s/.test(char) || isWhiteSpace(code) !== (char.trim() === '')) disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
  });
});

describe('sentence splitting', () => {
  it('ends a sentence at a final mark and a space, not after a title, an initial or inside a number', () => {
    expect(sentencesOf('Cllr. Amber asked J. Smith about the £3.5m bid. It was refused! Why?')).toEqual([
      'Cllr. Amber asked J. Smith about the £3.5m bid.',
      'It was refused!',
      'Why?',
    ]);
  });

  it('keeps closing quotes and brackets with the sentence they close', () => {
    expect(sentencesOf('He said "never." (Then he left.) We waited.')).toEqual(['He said "never."', '(Then he left.)', 'We waited.']);
  });

  it('joins a hard-wrapped line to the next but ends short, punctuated and blank-followed lines', () => {
    const wrapped = 'Residents on Castle Street have asked me when the resurfacing will start and\nwhether parking will be suspended during the works next month';
    expect(sentencesOf(wrapped)).toEqual([wrapped]);
    expect(sentencesOf('Dear Imran\nThe drainage by number 14 floods after heavy rain, as it did last year\n\nRegards,\nTom')).toEqual([
      'Dear Imran',
      'The drainage by number 14 floods after heavy rain, as it did last year',
      'Regards,',
      'Tom',
    ]);
  });

  it('ends a long line where the next one opens a bullet, even when the bullet is alone on its line', () => {
    const lead = 'The following items were agreed at the meeting of the committee on Tuesday';
    expect(sentencesOf(`${lead}\n- the resurfacing programme\n- the parking suspension`)).toHaveLength(3);
    expect(sentencesOf(`${lead}\n1) the resurfacing programme`)).toEqual([lead, '1) the resurfacing programme']);
    // "1." with nothing after it on its line is no bullet: the lead runs on into it
    expect(sentencesOf(`${lead}\n1.\nitem`)).toEqual([`${lead}\n1.`, 'item']);
  });

  it('cuts a run-on block into bounded pieces and never returns white space alone', () => {
    const block = 'word '.repeat(400);
    const spans = splitSentences(block);
    expect(spans.every((span) => span.end - span.start <= 600)).toBe(true);
    expect(spans[0]?.start).toBe(0);
    expect(splitSentences(' \n\t\n  ')).toEqual([]);
  });
});

describe('quoted passages', () => {
  it('finds straight and curly double quotes and ignores apostrophes', () => {
    const text = 'She wrote "we will pay" and “the fee is waived”; it\'s not ours.';
    expect(quotedSpans(text).map((span) => text.slice(span.start, span.end))).toEqual(['"we will pay"', '“the fee is waived”']);
    expect(quotedSpans("it's Tom's")).toEqual([]);
  });

  it('forgets a mark left open for longer than a quotation runs', () => {
    const text = `"${'a'.repeat(900)} then "short" here`;
    expect(quotedSpans(text).map((span) => text.slice(span.start, span.end))).toEqual(['"short"']);
  });
});

describe('reading a message once for every filter', () => {
  const config = exampleConfig();
  const directory = new Directory(config);
  const parse = (body: string): ReturnType<typeof parseMessage> =>
    parseMessage(Buffer.from(`From: cllr.hadley@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Castle Street\r\n\r\n${body}\r\n`), { mailFrom: null, rcptTo: [] }, directory, {
      maxParseBytes: 1_000_000,
    });

  it('gives every filter the same sources and sentences of a message, and another message its own', async () => {
    const first = await parse('Please pay the contractor. We will meet on Tuesday.');
    const second = await parse('The bins were not collected. Could you look into it?');
    const [source] = textSources(first, { newText: true });
    const [again] = textSources(first, { newText: true });
    expect(again).toBe(source);
    if (!source) throw new Error('no source');
    const sentences = readSentences(source);
    expect(readSentences(source)).toBe(sentences);

    // another message in between: its own sentences, and the first message's still read right
    const [other] = textSources(second, { newText: true });
    if (!other) throw new Error('no source');
    expect(readSentences(other).map((sentence) => sentence.tokens.map((token) => token.lower).join(' '))).toEqual([
      'the bins were not collected .',
      'could you look into it ?',
    ]);
    expect(readSentences(other).map((sentence) => sentence.question)).toEqual([false, true]);
    expect(readSentences(source).map((sentence) => source.text.slice(sentence.start, sentence.end))).toEqual(['Please pay the contractor.', 'We will meet on Tuesday.']);
  });
});
