import type { Token } from './text.js';
import type { WordVectors } from './model.js';

/**
 * The abusive-language filter's convolutional network (trained by scripts/abusive-language/network.py):
 * a sentence's words as embeddings (the shipped word vectors, fine-tuned where training saw the
 * word), convolutions over windows of 1, 3 and 5 words with a ReLU, the maximum of each channel over
 * the sentence, and one linear layer to a logit. The logistic regression reads which words and
 * features a sentence has; the network reads phrases in order, and the register of ordinary mail.
 *
 * The pooled features of sentences read as one are the element-wise maximum of each sentence's
 * (the network was trained with padding between sentences, so no window crosses them): a pair is
 * rated from its sentences' features without another pass.
 */

export const NETWORK_FORMAT = 'abusive-language-network/1';

export interface NetworkFile {
  readonly format: typeof NETWORK_FORMAT;
  readonly version: string;
  readonly trainedAt: string;
  readonly trainingScript: string;
  readonly parameters: Readonly<Record<string, number | string | boolean | readonly (number | string)[]>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly dimensions: number;
  readonly channels: number;
  /** words whose embedding training changed, in the order of `embeddings` */
  readonly words: readonly string[];
  /** base64 of int8 components, `dimensions` per word; each word's are multiplied by its scale */
  readonly embeddings: string;
  /** base64 of float32, one per word */
  readonly scales: string;
  /** base64 of float32: the embedding of a word neither trained nor in the word vectors */
  readonly unknown: string;
  /** base64 of float32 weights as [position in the window][input dimension][channel], and the channels' biases */
  readonly convolutions: ReadonlyArray<{ readonly width: number; readonly weights: string; readonly bias: string }>;
  readonly output: { readonly weights: string; readonly bias: number };
  /** sentences and the logits PyTorch gave them, which the filter's forward pass must reproduce */
  readonly checks: ReadonlyArray<{ readonly sentences: readonly (readonly string[])[]; readonly logit: number }>;
}

/** The words of a sentence as the network reads them: the writer's meaning (disguises undone, contractions expanded), and "!" and "?". */
export function networkWords(tokens: readonly Token[]): string[] {
  const words: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'word') {
      for (const word of token.word.split(' ')) if (word) words.push(word);
    } else if (token.kind === 'number') {
      words.push('0');
    } else if (token.plain === '!' || token.plain === '?') {
      words.push(token.plain);
    }
  }
  return words;
}

function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  // copied: a Buffer from the pool may not start on a four-byte boundary
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

interface Convolution {
  readonly width: number;
  /** [position][dimension][channel] */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** cached embeddings of the words most recently read; cleared when full */
const EMBEDDING_CACHE_WORDS = 4_096;

export class Network {
  private readonly index: Map<string, number>;
  private readonly trained: Int8Array;
  private readonly scales: Float32Array;
  private readonly unknown: Float32Array;
  private readonly convolutions: readonly Convolution[];
  private readonly outputWeights: Float32Array;
  private readonly outputBias: number;
  private readonly cache = new Map<string, Float32Array>();
  readonly dimensions: number;
  readonly channels: number;
  readonly version: string;

  constructor(
    file: NetworkFile,
    private readonly vectors: WordVectors,
  ) {
    if (file.format !== NETWORK_FORMAT) throw new Error(`unsupported network format ${String(file.format)}`);
    this.dimensions = file.dimensions;
    this.channels = file.channels;
    this.version = file.version;
    this.index = new Map(file.words.map((word, position) => [word, position]));
    const bytes = Buffer.from(file.embeddings, 'base64');
    this.trained = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.scales = floats(file.scales);
    this.unknown = floats(file.unknown);
    this.convolutions = file.convolutions.map((convolution) => ({ width: convolution.width, weights: floats(convolution.weights), bias: floats(convolution.bias) }));
    this.outputWeights = floats(file.output.weights);
    this.outputBias = file.output.bias;
    if (this.trained.length !== file.words.length * this.dimensions || this.scales.length !== file.words.length || this.unknown.length !== this.dimensions) {
      throw new Error('network: the words, embeddings and scales do not match in number');
    }
    for (const convolution of this.convolutions) {
      if (convolution.weights.length !== convolution.width * this.dimensions * this.channels || convolution.bias.length !== this.channels) throw new Error(`network: the width-${convolution.width} convolution has the wrong size`);
    }
    if (this.outputWeights.length !== this.channels * this.convolutions.length) throw new Error('network: the output layer has the wrong size');
    if (vectors.dimensions !== 0 && vectors.dimensions !== this.dimensions) throw new Error(`network: ${this.dimensions} dimensions, the word vectors ${vectors.dimensions}`);
  }

  private embedding(word: string): Float32Array {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const out = new Float32Array(this.dimensions);
    const position = this.index.get(word);
    if (position !== undefined) {
      const scale = this.scales[position] as number;
      const offset = position * this.dimensions;
      for (let d = 0; d < this.dimensions; d += 1) out[d] = (this.trained[offset + d] as number) * scale;
    } else {
      const row = this.vectors.indexOf(word);
      if (row >= 0) this.vectors.copyVector(row, out);
      else out.set(this.unknown);
    }
    if (this.cache.size >= EMBEDDING_CACHE_WORDS) this.cache.clear();
    this.cache.set(word, out);
    return out;
  }

  /** the pooled features of one sentence (the maximum of each channel, after the ReLU) */
  pooled(words: readonly string[]): Float32Array {
    const { dimensions, channels } = this;
    const sequence = (words.length > 0 ? words : ['']).map((word) => (word ? this.embedding(word) : this.unknown));
    const pooled = new Float32Array(channels * this.convolutions.length);
    const hidden = new Float32Array(channels);
    this.convolutions.forEach((convolution, block) => {
      const reach = Math.floor(convolution.width / 2);
      for (let position = 0; position < sequence.length; position += 1) {
        hidden.set(convolution.bias);
        for (let offset = 0; offset < convolution.width; offset += 1) {
          const input = sequence[position + offset - reach];
          if (!input) continue;
          const base = offset * dimensions * channels;
          for (let d = 0; d < dimensions; d += 1) {
            const value = input[d] as number;
            if (value === 0) continue;
            const row = base + d * channels;
            for (let channel = 0; channel < channels; channel += 1) hidden[channel] = (hidden[channel] as number) + value * (convolution.weights[row + channel] as number);
          }
        }
        const at = block * channels;
        // after the ReLU every feature is at least 0, the value the pooled features start from
        for (let channel = 0; channel < channels; channel += 1) if ((hidden[channel] as number) > (pooled[at + channel] as number)) pooled[at + channel] = hidden[channel] as number;
      }
    });
    return pooled;
  }

  /** the logit of sentences read as one, from each one's pooled features */
  logit(pooled: readonly Float32Array[]): number {
    let score = this.outputBias;
    for (let feature = 0; feature < this.outputWeights.length; feature += 1) {
      let max = 0;
      for (const part of pooled) if ((part[feature] as number) > max) max = part[feature] as number;
      score += max * (this.outputWeights[feature] as number);
    }
    return score;
  }
}
