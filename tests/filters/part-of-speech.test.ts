import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partOfSpeech } from '../../filters/shared/part-of-speech.js';
import { FIXTURES_DIR, fixtureFiles } from './protocol-fixtures.js';

interface ReferenceTagger {
  tag(words: string[]): { taggedWords: Array<{ tag: string }> };
}

/** natural's own tagger with natural's own English Lexicon: the answers the gateway's compact lexicon must give */
function referenceTagger(): ReferenceTagger {
  const require = createRequire(import.meta.url);
  const base = 'natural/lib/natural/brill_pos_tagger/lib/';
  const Lexicon = require(`${base}Lexicon.js`) as new (language: string, category: string, capitalised: string) => unknown;
  const RuleSet = require(`${base}RuleSet.js`) as new (language: string) => unknown;
  const Tagger = require(`${base}Brill_POS_Tagger.js`) as new (lexicon: unknown, rules: unknown) => ReferenceTagger;
  return new Tagger(new Lexicon('EN', 'NN', 'NNP'), new RuleSet('EN'));
}

describe('part-of-speech tagging', () => {
  it('tags every line of the fixtures exactly as natural does with its full English lexicon', () => {
    const reference = referenceTagger();
    const lines = ['obligation', 'pre-election', 'abusive-language']
      .flatMap((folder) => fixtureFiles(folder).map((file) => readFileSync(join(FIXTURES_DIR, folder, file), 'utf8')))
      .flatMap((text) => text.split('\n'))
      .map((line) => line.match(/[A-Za-z][A-Za-z'’.-]*|\d+|[^\sA-Za-z\d]/g) ?? [])
      .filter((words) => words.length > 0);
    // words the lexicon lacks, capitalised and not, and a word spelt like an Object method
    lines.push(['Grumblewick', 'grumblewick', 'constructor', 'hasOwnProperty', 'PAY', 'Pay', 'pay']);
    const words = lines.reduce((sum, line) => sum + line.length, 0);
    expect(words).toBeGreaterThan(5_000);
    for (const line of lines) {
      expect(partOfSpeech(line), line.join(' ')).toEqual(reference.tag([...line]).taggedWords.map((word) => word.tag));
    }
  });

  it('gives every word of the lexicon, alone, the tag natural gives it', () => {
    const reference = referenceTagger();
    const require = createRequire(import.meta.url);
    const lexicon = require('natural/lib/natural/brill_pos_tagger/data/English/lexicon_from_posjs.json') as Record<string, string[]>;
    // the file lists "" with no tag at all; no tokeniser yields an empty word
    const differing = Object.keys(lexicon).filter((word) => word.length > 0 && partOfSpeech([word])[0] !== reference.tag([word]).taggedWords[0]?.tag);
    expect(Object.keys(lexicon).length).toBeGreaterThan(80_000);
    expect(differing).toEqual([]);
  });
});
