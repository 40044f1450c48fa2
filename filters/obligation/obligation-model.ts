import { modelFilePath, plainWord, readSentenceModel, type SentenceModel } from '../shared/sentence-model.js';
import type { Token } from '../shared/tokens.js';

/**
 * Whether a sentence in a member's mail commits the Council, accepts or waives something on its
 * behalf, or instructs its staff or contractors: the shared sentence model (filters/shared/
 * sentence-model.ts) over the sentence's words. It reads what the rules in commitment.ts cannot
 * list: "consider it covered", "it's on us this time", "the fee's scrapped for you", "you can
 * start straight away". Trained by `npm run train:obligation` (scripts/train-obligation.ts) from
 * the project's corpus (filters/obligation/corpus/train), with the request and commitment
 * sentences of enron-intent and the project's everyday mail as what is not an obligation (a
 * writer's own commitments in business are not the Council's); `obligation-model.json` records its
 * sources, hashes and metrics. What kind of obligation it is, the sentence's words say
 * (`obligationKind`).
 */

export const OBLIGATION_MODEL_FILE = 'obligation-model.json';

export type ObligationKind = 'payment' | 'acceptance' | 'instruction' | 'authorisation' | 'promise';

/** The words the model reads. */
export function obligationWords(tokens: readonly Token[]): string[] {
  const words: string[] = [];
  for (const token of tokens) {
    const word = plainWord(token.lower);
    if (word !== undefined) words.push(word);
  }
  return words;
}

const PAYMENT = /^(pay|pays|paid|paying|refund|refunded|refunds|reimburse|reimbursed|reimbursing|cost|costs|bill|bills|invoice|invoices|fund|funded|funding|cheque|compensation|compensate|money|fees?|£|grant)$/;
const ACCEPTANCE = /^(accept|accepts|accepted|acceptable|quote|quoted|offer|tender|deal|contract|terms|agreed|agree|settle|settlement|lease)$/;
const AUTHORISATION = /^(authorise|authorised|authorize|authorized|approve|approved|sign|signed|sanction)$/;
/** verbs that open an instruction: "order the bins", "stop the proceedings", "go ahead" */
const INSTRUCTING = /^(order|stop|withdraw|issue|put|get|book|start|go|proceed|pause|cancel|remove|move|switch|close|send|take|give|extend|change|process|line|fell|clear|down)$/;
/** waivers and promises are the rest: "the fee is waived", "the council won't pursue this" */

/** What kind of obligation a sentence the model flagged gives, by its words. */
export function obligationKind(tokens: readonly Token[]): ObligationKind {
  const words = tokens.map((token) => token.lower);
  // an imperative opening the sentence, or after a greeting ("Hi Lee, order the new bins")
  const opening = words.findIndex((word, index) => index === 0 || words[index - 1] === ',' || words[index - 1] === '-' || words[index - 1] === '–');
  const firstVerb = words.find((word, index) => index >= opening && /^\p{L}/u.test(word) && !/^(hi|hello|dear|morning|hiya|alright|please|yes|ok|right)$/.test(word));
  if (words.some((word) => AUTHORISATION.test(word))) return 'authorisation';
  if (words.some((word) => ACCEPTANCE.test(word))) return 'acceptance';
  if (words.some((word) => PAYMENT.test(word))) return 'payment';
  if (firstVerb !== undefined && INSTRUCTING.test(firstVerb)) return 'instruction';
  return 'promise';
}

export function obligationModelPath(): string {
  return modelFilePath(import.meta.url, 'obligation', OBLIGATION_MODEL_FILE);
}

let loaded: SentenceModel | undefined;

/** The shipped model, read once; a missing or broken file throws at start. */
export function shippedObligationModel(): SentenceModel {
  loaded ??= readSentenceModel(obligationModelPath(), 'npm run train:obligation');
  return loaded;
}
