import type { Config } from '../../src/config/schema.js';
import type { Token } from './tokens.js';

/**
 * Recognises the people and parties of the policy in tokenised text: members ("Cllr Amber",
 * "Councillor Priya Amber", "Priya Amber"), candidates ("Joanna Wells"), any other councillor by
 * title ("Cllr Smith"), office-holders ("Leader of the Council", "Cabinet Member for Housing") and
 * parties by their names and usual short forms ("Greyford Labour", "Labour", "the Tories").
 * Names must be capitalised as names are: "amber warning" and "labour costs" are not people or
 * parties.
 */
export interface NamedPerson {
  readonly name: string;
  readonly kind: 'member' | 'candidate' | 'councillor' | 'office-holder';
  readonly party?: string;
  readonly executive?: boolean;
  /** the surname, for spotting a person in a file name */
  readonly surname?: string;
}

/** A party as named in text: by its name in the policy, or by a short national form ("Labour", "the Tories"). */
export interface PartyReference {
  readonly party: string;
  readonly short: boolean;
}

export interface NameMatch<T> {
  readonly start: number;
  readonly end: number;
  readonly value: T;
}

interface Entry<T> {
  /** lower-case token sequence */
  readonly words: readonly string[];
  readonly value: T;
}

/** titles that come before a name and are not part of it */
export const TITLES = new Set(['cllr', 'cllr.', 'councillor', 'mr', 'mrs', 'ms', 'miss', 'dr', 'mx']);
const COUNCILLOR_TITLES = ['cllr', 'councillor'];

/** national party names and the short forms people use for them, keyed by a word of the local name */
const PARTY_FORMS: ReadonlyArray<{ key: string; forms: readonly string[] }> = [
  { key: 'labour', forms: ['labour', 'labour party', 'labour group'] },
  { key: 'conservatives', forms: ['conservatives', 'conservative', 'conservative party', 'conservative group', 'tories', 'tory'] },
  { key: 'conservative', forms: ['conservatives', 'conservative', 'conservative party', 'conservative group', 'tories', 'tory'] },
  { key: 'liberal', forms: ['liberal democrats', 'liberal democrat', 'lib dems', 'lib dem', 'libdems', 'libdem'] },
  { key: 'green', forms: ['greens', 'green party', 'green group'] },
  { key: 'reform', forms: ['reform uk', 'reform party'] },
  { key: 'plaid', forms: ['plaid cymru', 'plaid'] },
  { key: 'snp', forms: ['snp', 'scottish national party'] },
];
/** words after "Labour" that make it the noun, not the party */
const NOT_PARTY_AFTER = new Set(['costs', 'cost', 'market', 'markets', 'shortage', 'shortages', 'rates', 'force', 'intensive', 'law', 'laws', 'day', 'only', 'hours', 'relations', 'supply', 'productivity']);

const OFFICE_PATTERNS: ReadonlyArray<readonly string[]> = [
  ['leader', 'of', 'the', 'council'],
  ['deputy', 'leader', 'of', 'the', 'council'],
  ['council', 'leader'],
  ['cabinet', 'member', 'for'],
  ['executive', 'member', 'for'],
  ['portfolio', 'holder', 'for'],
  ['lead', 'member', 'for'],
];

export interface PoliticalNames {
  readonly people: readonly Entry<NamedPerson>[];
  readonly parties: readonly Entry<PartyReference>[];
  readonly members: readonly NamedPerson[];
  readonly candidates: readonly NamedPerson[];
}

const cache = new WeakMap<Config, PoliticalNames>();

export function politicalNames(config: Config): PoliticalNames {
  const cached = cache.get(config);
  if (cached) return cached;
  const people: Entry<NamedPerson>[] = [];
  const members: NamedPerson[] = [];
  const candidates: NamedPerson[] = [];
  const addPerson = (fullName: string, person: NamedPerson): void => {
    const words = fullName.toLowerCase().split(/\s+/).filter((word) => word.length > 0 && !TITLES.has(word));
    const surname = words[words.length - 1];
    if (!surname) return;
    people.push({ words, value: person });
    for (const title of COUNCILLOR_TITLES) {
      if (person.kind === 'member') people.push({ words: [title, surname], value: person });
      people.push({ words: [title, ...words], value: person });
    }
  };
  for (const member of config.members) {
    const person: NamedPerson = { name: member.name, kind: 'member', surname: lastWord(member.name), executive: member.executive, ...(member.party ? { party: member.party } : {}) };
    members.push(person);
    addPerson(member.name, person);
  }
  for (const candidate of config.candidates) {
    const person: NamedPerson = { name: candidate.name, kind: 'candidate', surname: lastWord(candidate.name), ...(candidate.party ? { party: candidate.party } : {}) };
    candidates.push(person);
    addPerson(candidate.name, person);
  }
  const parties: Entry<PartyReference>[] = [];
  const aliasesOf = new Map<string, readonly string[]>();
  for (const entry of config.parties) {
    if (typeof entry === 'string') aliasesOf.set(entry, aliasesOf.get(entry) ?? []);
    else aliasesOf.set(entry.name, [...(aliasesOf.get(entry.name) ?? []), ...entry.aliases]);
  }
  for (const party of [...config.members.flatMap((m) => (m.party ? [m.party] : [])), ...config.candidates.flatMap((c) => (c.party ? [c.party] : []))]) {
    if (!aliasesOf.has(party)) aliasesOf.set(party, []);
  }
  for (const [party, aliases] of aliasesOf) {
    const words = wordsOf(party);
    parties.push({ words, value: { party, short: false } });
    // an alias, like a national short form, may be news about the national party: local only beside a local word
    for (const alias of aliases) parties.push({ words: wordsOf(alias), value: { party, short: true } });
    for (const { key, forms } of PARTY_FORMS) {
      if (!words.includes(key)) continue;
      for (const form of forms) parties.push({ words: form.split(' '), value: { party, short: true } });
    }
  }
  // longest first, so "Councillor Priya Amber" wins over "Priya Amber"; a policy name before a
  // short form of the same length
  people.sort((a, b) => b.words.length - a.words.length);
  parties.sort((a, b) => b.words.length - a.words.length || Number(a.value.short) - Number(b.value.short));
  const names: PoliticalNames = { people, parties, members, candidates };
  cache.set(config, names);
  return names;
}

function wordsOf(name: string): string[] {
  return name.toLowerCase().split(/\s+/).filter(Boolean);
}

function lastWord(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  return (words[words.length - 1] ?? name).toLowerCase();
}

function capitalised(token: Token | undefined): boolean {
  return token !== undefined && /^\p{Lu}/u.test(token.text);
}

/** An entry with its words as tokens are compared with them, and its place in the list. */
interface IndexedEntry<T> {
  readonly order: number;
  readonly words: readonly string[];
  readonly entry: Entry<T>;
}

const entryIndexes = new WeakMap<readonly Entry<unknown>[], Map<string, IndexedEntry<unknown>[]>>();

/** The entries by their first word, each list in the entries' order, built once per list. */
function indexOfEntries<T>(entries: readonly Entry<T>[]): Map<string, IndexedEntry<T>[]> {
  const known = entryIndexes.get(entries);
  if (known) return known as Map<string, IndexedEntry<T>[]>;
  const index = new Map<string, IndexedEntry<T>[]>();
  entries.forEach((entry, order) => {
    const words = entry.words.map((word) => word.replace(/\.$/, ''));
    const first = words[0] ?? '';
    const list = index.get(first) ?? [];
    list.push({ order, words, entry });
    index.set(first, list);
  });
  entryIndexes.set(entries, index as Map<string, IndexedEntry<unknown>[]>);
  return index;
}

/** Each token as a name is compared: its own form, and without a "-run", "-led" or "-controlled". */
interface WrittenForms {
  readonly written: readonly string[];
  readonly bare: readonly string[];
}

function writtenForms(tokens: readonly Token[]): WrittenForms {
  // "Labour's plan", "the Tories' record": a possessive is the name too
  const written = tokens.map((token) => token.lower.replace(/\.$/, '').replace(/'s?$/, ''));
  // "Tory-run county", "the Green-led council": the party, running something
  return { written, bare: written.map((word) => word.replace(/-(run|led|controlled)$/, '')) };
}

function matchEntry(tokens: readonly Token[], forms: WrittenForms, index: number, words: readonly string[]): boolean {
  for (let offset = 0; offset < words.length; offset += 1) {
    const token = tokens[index + offset];
    if (!token) return false;
    const word = words[offset] ?? '';
    if (forms.written[index + offset] !== word && forms.bare[index + offset] !== word) return false;
    // names are written with capitals; titles and small words ("of", "the") need not be
    if (word.length > 3 && !TITLES.has(word) && !capitalised(token)) return false;
  }
  return true;
}

/**
 * Where the entries are named in `tokens`, left to right, the first entry in the list winning
 * where several start at one token. Only entries whose first word the token can be are tried.
 */
function findEntries<T>(tokens: readonly Token[], entries: readonly Entry<T>[], accept: (start: number, end: number) => boolean = () => true): NameMatch<T>[] {
  const found: NameMatch<T>[] = [];
  const index = indexOfEntries(entries);
  const forms = writtenForms(tokens);
  for (let position = 0; position < tokens.length; position += 1) {
    const written = forms.written[position] ?? '';
    const bare = forms.bare[position] ?? '';
    const byWritten = index.get(written);
    const byBare = bare === written ? undefined : index.get(bare);
    const candidates = byBare ? [...(byWritten ?? []), ...byBare].sort((a, b) => a.order - b.order) : byWritten;
    if (!candidates) continue;
    for (const candidate of candidates) {
      if (matchEntry(tokens, forms, position, candidate.words) && accept(position, position + candidate.words.length)) {
        found.push({ start: position, end: position + candidate.words.length, value: candidate.entry.value });
        position += candidate.words.length - 1;
        break;
      }
    }
  }
  return found;
}

/** Members, candidates, other councillors by title and office-holders named in `tokens`. */
export function findPeople(tokens: readonly Token[], names: PoliticalNames): NameMatch<NamedPerson>[] {
  const found = findEntries(tokens, names.people);
  const covered = (index: number): boolean => found.some((match) => index >= match.start && index < match.end);
  for (let index = 0; index < tokens.length; index += 1) {
    if (covered(index)) continue;
    const token = tokens[index] as Token;
    // "Cllr Smith": a councillor the policy does not list
    if (COUNCILLOR_TITLES.includes(token.lower.replace(/\.$/, '')) && capitalised(token) && capitalised(tokens[index + 1])) {
      let end = index + 2;
      if (capitalised(tokens[end]) && /^\p{L}+$/u.test(tokens[end]?.text ?? '')) end += 1;
      const name = tokens.slice(index, end).map((t) => t.text).join(' ');
      found.push({ start: index, end, value: { name, kind: 'councillor' } });
      index = end - 1;
      continue;
    }
    for (const office of OFFICE_PATTERNS) {
      if (office.every((word, offset) => tokens[index + offset]?.lower === word) && capitalised(token)) {
        const end = index + office.length;
        const portfolio = office[office.length - 1] === 'for' && capitalised(tokens[end]) ? end + 1 : end;
        found.push({ start: index, end: portfolio, value: { name: tokens.slice(index, portfolio).map((t) => t.text).join(' '), kind: 'office-holder' } });
        index = portfolio - 1;
        break;
      }
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** words that tie a short party name to local politics: "the Labour group", "Conservative councillors" */
const LOCAL_POLITICS = new Set(['group', 'groups', 'councillor', 'councillors', 'cllr', 'administration', 'candidate', 'candidates', 'ward', 'wards', 'council', 'cabinet', 'controlled', 'run', 'led', 'opposition', 'members', 'manifesto', 'coalition']);

/** Whether a party match is about local politics: the policy's own name, or a short form beside a local word. */
export function isLocalPartyReference(tokens: readonly Token[], match: NameMatch<PartyReference>): boolean {
  if (!match.value.short) return true;
  for (let index = Math.max(0, match.start - 3); index < Math.min(tokens.length, match.end + 3); index += 1) {
    if (index >= match.start && index < match.end) continue;
    const word = (tokens[index] as Token).lower.replace(/^-/, '');
    if (LOCAL_POLITICS.has(word) || /-(?:run|led|controlled)$/.test(word)) return true;
  }
  return false;
}

/** Parties named in `tokens`. */
export function findParties(tokens: readonly Token[], names: PoliticalNames): NameMatch<PartyReference>[] {
  return findEntries(tokens, names.parties, (_start, end) => !NOT_PARTY_AFTER.has(tokens[end]?.lower ?? ''));
}
