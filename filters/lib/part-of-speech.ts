import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrillPOSTagger } from 'natural/lib/natural/brill_pos_tagger/index.js';

// The tagger and rule set are loaded from their own modules: the package index also loads
// natural's storage back-ends, whose dotenv dependency prints to stdout on import (and would
// corrupt `screen --json`), and natural's Lexicon module parses its English and Dutch lexicons
// into an object of arrays (~45 MB of heap). The tagger only ever reads a word's first tag, so the
// English lexicon is kept here as word → first tag, which holds the same answers in a few MB.
type TaggerClass = typeof import('natural/lib/natural/brill_pos_tagger/index.js').BrillPOSTagger;
type RuleSetClass = typeof import('natural/lib/natural/brill_pos_tagger/index.js').RuleSet;
const require = createRequire(import.meta.url);

/** What the Brill tagger asks of a lexicon, answered as natural's Lexicon does for English. */
class FirstTagLexicon {
  private readonly firstTags = new Map<string, string>();
  private readonly answers = new Map<string, readonly string[]>();

  /**
   * Reads natural's lexicon file (`{"word": ["TAG", ...], ...}`) entry by entry. JSON.parse would
   * first build the whole object of arrays (a worker's heap peaked about 10 MB higher that way),
   * and a worker's resident memory keeps such a peak long after.
   */
  constructor(lexiconJson: string) {
    const entry = /"((?:[^"\\]|\\.)*)"\s*:\s*\[\s*(?:"((?:[^"\\]|\\.)*)")?/g;
    for (let match = entry.exec(lexiconJson); match !== null; match = entry.exec(lexiconJson)) {
      const [, word, tag] = match;
      if (word === undefined || tag === undefined) continue;
      this.firstTags.set(unescapeJson(word), this.intern(unescapeJson(tag))[0] as string);
    }
  }

  /** Tags for a word: its own, else its lower-case form's, else NNP when capitalised and NN otherwise. */
  tagWord(word: string): readonly string[] {
    const tag = this.firstTags.get(word) ?? this.firstTags.get(word.toLowerCase()) ?? (/^[A-Z]/.test(word) ? 'NNP' : 'NN');
    return this.intern(tag);
  }

  // one shared array per tag: a tagged word costs no allocation
  private intern(tag: string): readonly string[] {
    let answer = this.answers.get(tag);
    if (!answer) {
      answer = Object.freeze([tag]);
      this.answers.set(tag, answer);
    }
    return answer;
  }
}

/**
 * A word of the lexicon as a string of its own: a longer substring of the file text would keep
 * the whole 4 MB text alive (V8 shares the characters of slices).
 */
function unescapeJson(literal: string): string {
  if (literal.includes('\\')) return JSON.parse(`"${literal}"`) as string;
  return literal.length < OWN_STRING_BELOW ? literal : Buffer.from(literal, 'utf8').toString('utf8');
}

/** V8 copies substrings shorter than this rather than slicing them */
const OWN_STRING_BELOW = 13;

let tagger: BrillPOSTagger | undefined;

function instance(): BrillPOSTagger {
  if (!tagger) {
    const Tagger = require('natural/lib/natural/brill_pos_tagger/lib/Brill_POS_Tagger.js') as TaggerClass;
    const RuleSet = require('natural/lib/natural/brill_pos_tagger/lib/RuleSet.js') as RuleSetClass;
    const lexiconPath = require.resolve('natural/lib/natural/brill_pos_tagger/data/English/lexicon_from_posjs.json');
    const lexicon = new FirstTagLexicon(readFileSync(lexiconPath, 'utf8'));
    tagger = new Tagger(lexicon as unknown as ConstructorParameters<TaggerClass>[0], new RuleSet('EN'));
  }
  return tagger;
}

/** Builds the tagger now rather than on the first sentence that needs it. */
export function preparePartOfSpeech(): void {
  instance();
}

/**
 * Penn Treebank tags for a sequence of words (natural's Brill tagger with its English lexicon and
 * its English transformation rules). One tag per word, in order.
 */
export function partOfSpeech(words: readonly string[]): string[] {
  if (words.length === 0) return [];
  const tagged = instance().tag([...words]).taggedWords;
  return words.map((_, index) => tagged[index]?.tag ?? 'NN');
}

/** A verb form in the Penn tag set (VB, VBD, VBG, VBN, VBP, VBZ). */
export function isVerbTag(tag: string | undefined): boolean {
  return tag !== undefined && tag.startsWith('VB');
}
