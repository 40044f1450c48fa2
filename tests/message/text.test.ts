import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/message/text.js';

function spansText(body: string, spans: ReadonlyArray<{ start: number; end: number }>): string[] {
  return spans.map((span) => body.slice(span.start, span.end));
}

describe('the sender\'s new text', () => {
  it('stops at a Gmail-style attribution and keeps offsets into the body', () => {
    const body = 'Please fix the lights.\n\nOn Mon, 23 Nov 2026 at 10:00, Imran Shah <imran.shah@greyfordvale.gov.uk> wrote:\n> We will look at it.\n';
    const split = splitText(body);
    expect(split.newText).toBe('Please fix the lights.');
    expect(spansText(body, split.newSpans)).toEqual(['Please fix the lights.']);
    expect(body.slice(split.quoted[0]!.start)).toMatch(/^On Mon/);
  });

  it('stops at an Outlook From/Sent/To block and at forwarded-message markers', () => {
    const outlook = 'Agreed, go ahead.\r\n\r\nFrom: Rachel Finch\r\nSent: 23 November 2026 10:00\r\nTo: Cllr Amber\r\nSubject: RE: quote\r\n\r\nThe quote is £5,000.\r\n';
    expect(splitText(outlook).newText).toBe('Agreed, go ahead.');
    const forwarded = 'FYI\n\n---------- Forwarded message ---------\nFrom: x@example.org\nyou are useless\n';
    expect(splitText(forwarded).newText).toBe('FYI');
  });

  it('counts a short line ending in a colon above quoted lines as part of the quote', () => {
    const body = 'Whore eructed:\n\n>--]It is an amusing anecdote.\nI doubt it is true.\n';
    expect(splitText(body).newText).toBe('I doubt it is true.');
    expect(splitText('Jo Bloggs <jo@example.org> [2002-09-01 10:12]:\n> Agreed.\nThanks.\n').newText).toBe('Thanks.');
    // a colon above the sender's own text is theirs, and so is their own sentence above a quote
    expect(splitText('The options are:\n1. repair\n2. replace\n').newText).toBe('The options are:\n1. repair\n2. replace');
    expect(splitText('You useless idiot, read what you said:\n> It will be done.\n').newText).toBe('You useless idiot, read what you said:');
  });

  it('leaves interleaved > quotes out and keeps the replies between them', () => {
    const body = '> Can you attend?\nYes, I can.\n> And bring the report?\nI will.\n';
    expect(splitText(body).newText).toBe('Yes, I can.\nI will.');
  });

  it('separates the signature after "-- "', () => {
    const body = 'See you on Tuesday.\n-- \nCllr Priya Amber\nMillbrook Ward\n';
    const split = splitText(body);
    expect(split.newText).toBe('See you on Tuesday.');
    expect(body.slice(split.signature!.start, split.signature!.end)).toBe('-- \nCllr Priya Amber\nMillbrook Ward\n');
  });

  it('does not take a line that merely starts with "From:" in the text as a quote block', () => {
    const body = 'From: the residents of Castle Street, a petition.\nPlease read it.\n';
    expect(splitText(body).newText).toBe(body.trimEnd());
  });
});
