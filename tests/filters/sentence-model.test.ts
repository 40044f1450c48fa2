import { describe, expect, it } from 'vitest';
import { SENTENCE_MODEL_FORMAT, sentenceFeatures, sentenceModelFromFile, sigmoid, type SentenceModelFile } from '../../filters/shared/sentence-model.js';

const FILE: SentenceModelFile = {
  format: SENTENCE_MODEL_FORMAT,
  task: 'test',
  version: '0.0.1',
  trainedAt: '2026-12-07T00:00:00Z',
  trainingScript: 'none',
  sources: [],
  parameters: {},
  metrics: {},
  bias: -1.5,
  weights: { 'w:council': 0.7, 'w:pay': 1.1, 'b:will pay': 0.9, 'b:__party__ have': 0.4, 'w:__party__': 5, 'len:short': -0.2, 'len:medium': 0.1 },
};

describe('the shared sentence model', () => {
  const model = sentenceModelFromFile(FILE);
  const bySum = (words: readonly string[]): number => sigmoid(sentenceFeatures(words).reduce((sum, feature) => sum + (FILE.weights[feature] ?? 0), FILE.bias));

  it.each([
    ['the council will pay'],
    ['the council will pay , the council will pay'],
    ['__party__ have failed'],
    ['one two three four five six seven eight nine ten'],
  ])('rates "%s" as the sum of its features (each counted once)', (text) => {
    const words = text.split(' ');
    expect(model.probability(words)).toBeCloseTo(bySum(words), 12);
  });

  it('reads a placeholder only beside other words: alone it says nothing', () => {
    expect(sentenceFeatures(['__party__', 'have']).sort()).toEqual(['b:__party__ have', 'len:short', 'w:have']);
  });

  it('refuses a file of another format', () => {
    expect(() => sentenceModelFromFile({ ...FILE, format: 'other/1' })).toThrow(/unsupported sentence model format/);
  });
});
