import { createRequire } from 'node:module';
import type { BrillPOSTagger } from 'natural/lib/natural/brill_pos_tagger/index.js';

// the Brill tagger is loaded from its own module: the package index also loads natural's storage
// back-ends, whose dotenv dependency prints to stdout on import and would corrupt `screen --json`.
// It is loaded on first use (its lexicon takes ~45 MB), so only the screening worker holds it.
type TaggerModule = typeof import('natural/lib/natural/brill_pos_tagger/index.js');
const require = createRequire(import.meta.url);

let tagger: BrillPOSTagger | undefined;

function instance(): BrillPOSTagger {
  if (!tagger) {
    const { BrillPOSTagger: Tagger, Lexicon, RuleSet } = require('natural/lib/natural/brill_pos_tagger/index.js') as TaggerModule;
    tagger = new Tagger(new Lexicon('EN', 'NN', 'NNP'), new RuleSet('EN'));
  }
  return tagger;
}

/** Builds the tagger now rather than on the first sentence that needs it. */
export function preparePartOfSpeech(): void {
  instance();
}

/**
 * Penn Treebank tags for a sequence of words (natural's Brill tagger with its English lexicon and
 * the transformation rules from Brill's paper). One tag per word, in order.
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
