import { findParties, findPeople, type NameMatch, type NamedPerson, type PartyReference, type PoliticalNames } from '../shared/political-names.js';
import { modelFilePath, plainWord, readSentenceModel, type SentenceModel } from '../shared/sentence-model.js';
import type { Token } from '../shared/tokens.js';

/**
 * Whether a sentence promotes or attacks a party, a party group, a candidate, or their record or
 * promises, as against only mentioning them: the shared sentence model (filters/shared/
 * sentence-model.ts) over the sentence's words, with every party and candidate the policy names
 * read as one placeholder word, so that what is learned about "the Tories have failed" holds for
 * every party a council lists. Trained by `npm run train:party-political`
 * (scripts/train-party-political.ts) from the project's corpus (filters/pre-election/corpus/train)
 * and the partisan and neutral posts of politician-social-posts; `party-model.json` records its
 * sources, hashes and metrics. A sentence is judged only when it names a party or a candidate
 * (council news names members every day): the model says what is said of them, the names say who.
 */

export const PARTY_MODEL_FILE = 'party-model.json';
export const PARTY_WORD = '__party__';
export const PERSON_WORD = '__person__';

export interface PartyPoliticalReading {
  /** probability that the sentence is party-political; 0.5 is the operating point */
  readonly probability: number;
  /** the party or candidate the sentence names first */
  readonly about: string;
}

/** the parties and people a sentence names, and whether the model judges it */
export interface NamedInSentence {
  readonly parties: readonly NameMatch<PartyReference>[];
  readonly people: readonly NameMatch<NamedPerson>[];
  /** it names a party or a candidate */
  readonly judged: boolean;
}

export interface PartyPoliticalModel {
  readonly version: string;
  /** undefined when the sentence names no party or candidate */
  read(tokens: readonly Token[], names: PoliticalNames): PartyPoliticalReading | undefined;
  /** the same, for a sentence whose names the caller has found already */
  readNamed(tokens: readonly Token[], named: NamedInSentence): PartyPoliticalReading | undefined;
}

/** The words the model reads: parties and people as placeholders, the rest as `plainWord` gives them. */
export function partyWords(tokens: readonly Token[], parties: readonly NameMatch<PartyReference>[], people: readonly NameMatch<NamedPerson>[]): string[] {
  const words: string[] = [];
  const names = [...parties.map((match) => ({ ...match, word: PARTY_WORD })), ...people.map((match) => ({ ...match, word: PERSON_WORD }))].sort((a, b) => a.start - b.start);
  let next = 0;
  for (let index = 0; index < tokens.length; index += 1) {
    while (names[next] && (names[next] as (typeof names)[number]).start < index) next += 1;
    const name = names[next];
    if (name && name.start === index) {
      words.push(name.word);
      index = name.end - 1;
      continue;
    }
    const word = plainWord((tokens[index] as Token).lower);
    if (word !== undefined) words.push(word);
  }
  return words;
}

/** The parties and people of a sentence, and whether the model judges it: it names a party or a candidate. */
export function namedIn(tokens: readonly Token[], names: PoliticalNames): NamedInSentence {
  const parties = findParties(tokens, names);
  const people = findPeople(tokens, names).filter((match) => match.value.kind !== 'office-holder');
  return { parties, people, judged: parties.length > 0 || people.some((match) => match.value.kind === 'candidate') };
}

export function partyPoliticalModel(model: SentenceModel): PartyPoliticalModel {
  const readNamed = (tokens: readonly Token[], { parties, people, judged }: NamedInSentence): PartyPoliticalReading | undefined => {
    if (!judged) return undefined;
    const first = [...parties.map((match) => ({ start: match.start, name: match.value.party })), ...people.map((match) => ({ start: match.start, name: match.value.name }))].sort((a, b) => a.start - b.start)[0];
    return { probability: model.probability(partyWords(tokens, parties, people)), about: first?.name ?? '' };
  };
  return {
    version: model.version,
    read: (tokens, names) => readNamed(tokens, namedIn(tokens, names)),
    readNamed,
  };
}

export function partyModelPath(): string {
  return modelFilePath(import.meta.url, 'pre-election', PARTY_MODEL_FILE);
}

let loaded: PartyPoliticalModel | undefined;

/** The shipped model, read once. */
export function shippedPartyModel(): PartyPoliticalModel {
  loaded ??= partyPoliticalModel(readSentenceModel(partyModelPath(), 'npm run train:party-political'));
  return loaded;
}
