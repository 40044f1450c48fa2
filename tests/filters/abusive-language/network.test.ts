import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelFromFile, modelPath, networkPath, shippedModel, shippedVectors, sigmoid, type ModelFile } from '../../../filters/abusive-language/model.js';
import { Network, NETWORK_FORMAT, networkWords, type NetworkFile } from '../../../filters/abusive-language/network.js';
import { analyseText, readSentence } from '../../../filters/abusive-language/detector.js';
import { namesOf } from '../../../filters/abusive-language/context.js';

const model = JSON.parse(readFileSync(modelPath(), 'utf8')) as ModelFile;
const file = JSON.parse(readFileSync(networkPath(), 'utf8')) as NetworkFile;

describe('the shipped network', () => {
  it('is the one the shipped model combines, and records its version, training and metrics', () => {
    expect(model.combination?.network).toBe('network.json');
    expect(file.format).toBe(NETWORK_FORMAT);
    expect(file.version).toBe(model.version);
    expect(file.parameters.trainingRows).toBeGreaterThan(1000);
    expect(file.metrics.outOfFoldRecall).toBeGreaterThan(0);
    expect(file.checks.length).toBeGreaterThanOrEqual(10);
  });

  it('gives the logits PyTorch gave the same sentences, one sentence or two read as one', () => {
    const network = new Network(file, shippedVectors());
    expect(file.checks.some((check) => check.sentences.length === 2)).toBe(true);
    for (const check of file.checks) {
      const logit = network.logit(check.sentences.map((words) => network.pooled(words)));
      expect(logit, check.sentences.map((words) => words.join(' ')).join(' | ')).toBeCloseTo(check.logit, 3);
    }
  });

  it('is refused when its parts do not fit together', () => {
    expect(() => new Network({ ...file, scales: Buffer.alloc(4).toString('base64') }, shippedVectors())).toThrow(/do not match/);
    expect(() => new Network({ ...file, format: 'something-else' } as unknown as NetworkFile, shippedVectors())).toThrow(/unsupported network format/);
  });
});

describe('the regression and the network together', () => {
  const settings = { names: namesOf([]), model: shippedModel(), rateEverySentence: true };
  const rating = (text: string): number => Math.max(...analyseText(text, settings).sentences.map((sentence) => sentence.probability));

  it('rates a sentence the regression finds unremarkable below the floor, without the network', () => {
    const floor = model.combination?.floor ?? 0;
    expect(rating('Please find attached the minutes of the last meeting.')).toBeLessThan(floor);
  });

  it('mixes the network into what the regression rates above the floor, and leaves it out below', () => {
    const combination = model.combination;
    if (!combination) throw new Error('the shipped model combines no network');
    const { combination: _network, ...regressionFile } = model;
    const regression = modelFromFile(regressionFile, shippedVectors());
    const network = new Network(file, shippedVectors());
    const logit = (p: number): number => Math.log(p / (1 - p));
    const seen = { above: 0, below: 0 };
    for (const text of ['You are a useless idiot.', 'Nobody here would miss you if you went.', 'The report is late again.', 'Thanks for the minutes.']) {
      const reading = readSentence(text, namesOf([]));
      const alone = logit(regression.probability([regression.words(reading.tokens)], reading.structure));
      const combined = shippedModel().probability([shippedModel().words(reading.tokens)], reading.structure);
      const clipped = Math.max(-combination.clip, Math.min(combination.clip, network.logit([network.pooled(networkWords(reading.tokens))])));
      if (alone >= logit(combination.floor)) {
        seen.above += 1;
        expect(combined, text).toBeCloseTo(sigmoid((1 - combination.share) * alone + combination.share * clipped - combination.offset), 5);
      } else {
        seen.below += 1;
        expect(combined, text).toBeCloseTo(sigmoid(Math.min(alone, (1 - combination.share) * alone - combination.offset)), 5);
      }
    }
    expect(seen.above).toBeGreaterThan(0);
    expect(seen.below).toBeGreaterThan(0);
  });

  it('rates plain abuse above the operating point and its reported form below it', () => {
    expect(rating("You're a useless, lazy waste of space and everyone in this building knows it.")).toBeGreaterThan(0.5);
    expect(rating('A resident rang reception and called our planning officer a useless waste of space; I have logged it with the police.')).toBeLessThan(0.5);
  });
});
