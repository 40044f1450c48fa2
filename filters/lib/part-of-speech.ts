// the Brill tagger is imported from its own module: the package index also loads natural's storage
// back-ends, whose dotenv dependency prints to stdout on import and would corrupt `screen --json`
import { BrillPOSTagger, Lexicon, RuleSet } from 'natural/lib/natural/brill_pos_tagger/index.js';

let tagger: BrillPOSTagger | undefined;

function instance(): BrillPOSTagger {
  // built on first use: most mail never reaches a sentence that needs tagging
  tagger ??= new BrillPOSTagger(new Lexicon('EN', 'NN', 'NNP'), new RuleSet('EN'));
  return tagger;
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
