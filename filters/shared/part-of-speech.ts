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

/**
 * What the Brill tagger asks of a lexicon, answered as natural's Lexicon does for English. The
 * ~90,000 words are kept as one string with an open-addressing table of their offsets and first
 * tags: about 1.5 MB of heap, where a Map of strings took over 6 MB in every screening worker.
 */
class FirstTagLexicon {
  /** every word, each followed by a newline (no word contains one) */
  private readonly words: string;
  /** per slot: the offset of its word in `words`, or -1 for an empty slot */
  private readonly offsets: Int32Array;
  private readonly lengths: Uint16Array;
  private readonly tagIds: Uint8Array;
  private readonly tags: (readonly string[])[] = [];
  private readonly tagIdByName = new Map<string, number>();
  private readonly mask: number;

  /**
   * Reads natural's lexicon file (`{"word": ["TAG", ...], ...}`) entry by entry. JSON.parse would
   * first build the whole object of arrays (a worker's heap peaked about 10 MB higher that way),
   * and a worker's resident memory keeps such a peak long after.
   */
  constructor(lexiconJson: string) {
    const entry = /"((?:[^"\\]|\\.)*)"\s*:\s*\[\s*(?:"((?:[^"\\]|\\.)*)")?/g;
    const words: string[] = [];
    const tagIds: number[] = [];
    for (let match = entry.exec(lexiconJson); match !== null; match = entry.exec(lexiconJson)) {
      const [, word, tag] = match;
      if (word === undefined || tag === undefined) continue;
      words.push(unescapeJson(word));
      tagIds.push(this.tagId(unescapeJson(tag)));
    }
    let size = 1;
    while (size < words.length * 2) size *= 2;
    this.mask = size - 1;
    this.offsets = new Int32Array(size).fill(-1);
    this.lengths = new Uint16Array(size);
    this.tagIds = new Uint8Array(size);
    this.words = `${words.join('\n')}\n`;
    let offset = 0;
    words.forEach((word, index) => {
      // a word listed twice keeps its last entry, as JSON.parse would
      const slot = this.slotOf(word);
      this.offsets[slot] = offset;
      this.lengths[slot] = word.length;
      this.tagIds[slot] = tagIds[index] as number;
      offset += word.length + 1;
    });
  }

  /** Tags for a word: its own, else its lower-case form's, else NNP when capitalised and NN otherwise. */
  tagWord(word: string): readonly string[] {
    const id = this.idOf(word) ?? this.idOf(word.toLowerCase());
    return id === undefined ? this.tags[this.tagId(/^[A-Z]/.test(word) ? 'NNP' : 'NN')] as readonly string[] : (this.tags[id] as readonly string[]);
  }

  private idOf(word: string): number | undefined {
    const slot = this.slotOf(word);
    return this.offsets[slot] === -1 ? undefined : (this.tagIds[slot] as number);
  }

  /** the word's slot, or the empty slot where it would go (linear probing from an FNV-1a hash) */
  private slotOf(word: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < word.length; i += 1) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const offset = this.offsets[slot] as number;
      if (offset === -1 || (this.lengths[slot] === word.length && this.words.startsWith(word, offset))) return slot;
    }
  }

  // one shared array per tag: a tagged word costs no allocation
  private tagId(tag: string): number {
    let id = this.tagIdByName.get(tag);
    if (id === undefined) {
      id = this.tags.length;
      this.tags.push(Object.freeze([tag]));
      this.tagIdByName.set(tag, id);
    }
    return id;
  }
}

function unescapeJson(literal: string): string {
  return literal.includes('\\') ? (JSON.parse(`"${literal}"`) as string) : literal;
}

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
