/** One word, number or punctuation mark, with its place in the text it came from. */
export interface Token {
  /** as written */
  readonly text: string;
  /** lower case, curly apostrophe straightened */
  readonly lower: string;
  readonly start: number;
  readonly end: number;
}

/** most tokens read from one sentence; a longer "sentence" is a table or a list, not prose */
export const MAX_TOKENS_PER_SENTENCE = 120;

// words with inner apostrophes, dots, hyphens or digit separators stay whole ("don't", "e.g",
// "5,000", "co-operate"); every repetition needs a separator, so matching stays linear
const TOKEN = /[\p{L}\p{N}]+(?:['’.,\-/][\p{L}\p{N}]+)*|[£$€]|[^\s\p{L}\p{N}]/gu;

/** Tokens of `text.slice(start, end)`, offsets into `text`. */
export function tokenise(text: string, start = 0, end = text.length, max = MAX_TOKENS_PER_SENTENCE): Token[] {
  const tokens: Token[] = [];
  const slice = text.slice(start, end);
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(slice); match !== null && tokens.length < max; match = TOKEN.exec(slice)) {
    const word = match[0];
    const lower = word.toLowerCase();
    tokens.push({ text: word, lower: lower.includes('’') ? lower.replace(/’/g, "'") : lower, start: start + match.index, end: start + match.index + word.length });
  }
  return expandContractions(tokens);
}

/**
 * Splits "won't", "can't", "I'll", "we're" into the words they stand for, so negation and modal
 * checks see "not" and "will" wherever they were written.
 */
function expandContractions(tokens: Token[]): Token[] {
  // most sentences have no contraction at all
  if (!tokens.some((token) => token.lower.indexOf("'") > 0)) return tokens;
  const out: Token[] = [];
  for (const token of tokens) {
    const lower = token.lower;
    const apostrophe = lower.indexOf("'");
    if (apostrophe <= 0) {
      out.push(token);
      continue;
    }
    const head = lower.slice(0, apostrophe);
    const tail = lower.slice(apostrophe + 1);
    const split = (first: string, second: string, cut: number): void => {
      out.push({ text: token.text.slice(0, cut), lower: first, start: token.start, end: token.start + cut });
      out.push({ text: token.text.slice(cut), lower: second, start: token.start + cut, end: token.end });
    };
    if (tail === 't' && head.endsWith('n')) {
      const base = head === 'won' ? 'will' : head === 'can' ? 'can' : head === 'shan' ? 'shall' : head.slice(0, -1);
      split(base, 'not', apostrophe - 1);
    } else if (tail === 'll') split(head, 'will', apostrophe);
    else if (tail === 're') split(head, 'are', apostrophe);
    else if (tail === 've') split(head, 'have', apostrophe);
    else if (tail === 'm') split(head, 'am', apostrophe);
    else if (tail === 'd') split(head, 'would', apostrophe);
    else out.push(token);
  }
  return out;
}

