import type { NameMatch, PoliticalNames } from '../shared/political-names.js';
import { namedIn, type NamedInSentence, type PartyPoliticalModel } from './party-political.js';
import { compilePatterns, findPatterns } from '../shared/token-pattern.js';
import type { Token } from '../shared/tokens.js';

/**
 * Party-political campaigning in a sentence: asking for votes for a party or person ("vote for",
 * "re-elect", "back the Greens"), promoting a party ("Greyford Labour has delivered…", "only the
 * Conservatives can…"), and the marks of election material (a "promoted by … on behalf of" imprint,
 * "our manifesto"). A request for votes counts only when its object is political (a party, a
 * candidate, a member, or "me/us" near an election word): "vote for your favourite park" is not
 * campaigning.
 */
export interface Campaigning {
  readonly start: number;
  readonly end: number;
  /** what it is, in words, for the explanation */
  readonly what: string;
  /** a request for votes or an imprint (stronger) rather than party promotion */
  readonly strong: boolean;
  /** found by the party-political model rather than by a shape of words */
  readonly byModel?: boolean;
}

const VOTE_VERBS = new Set(['vote', 'voting', 're-elect', 'reelect', 'elect', 'choose']);
const BACKING_VERBS = new Set(['back', 'support', 'backing', 'supporting']);
const SELF = new Set(['me', 'us', 'our', 'my']);
const REQUEST_LEADS = new Set(['please', 'and', 'to', ',', '.', '!', ':', '"', '“', 'must', 'should', 'then', 'so']);
const ELECTION_WORDS = new Set(['election', 'elections', 'poll', 'polling', 'ballot', 'candidate', 'candidates', 'vote', 'votes', 'voting', 'may', 'thursday', 'manifesto', 'ward', 're-elect', 'reelect']);
const PROMOTION_AFTER_PARTY = new Set([
  'delivered', 'delivers', 'deliver', 'kept', 'keeps', 'keep', 'fighting', 'fights', 'fight', 'fought', 'secured', 'secures', 'protect',
  'protects', 'protected', 'promise', 'promises', 'promised', 'pledge', 'pledges', 'pledged', 'champion', 'champions', 'championed',
  'stands', 'stood', 'working', 'works', 'worked', 'trust', 'listen', 'listens', 'listened', 'saved', 'saves', 'save', 'cares', 'care',
]);
const NEGATED_ASKING = new Set(['asking', 'telling', 'saying', 'suggesting', 'urging', 'advising', 'recommending']);

const MARKERS = compilePatterns([
  'promoted by _ _? _? _? on behalf of',
  'promoted on behalf of',
  '(our|my) (election)? manifesto',
  'manifesto (pledge|promise|commitment)',
  '(join|donate|give) to? (our|my) election? campaign',
  '(help|helping) (us|me) win',
  'since this administration took office',
  '(canvassing|canvass|leafleting|leafletting) for',
  '(deliver|delivering) (our|the) (leaflets|leaflet|newsletter) for',
]);

/**
 * Campaigning in one sentence's tokens (none when the sentence disowns it). With `model`, also a
 * sentence the party-political model rates as promoting or attacking the party or candidate it
 * names, where the shapes above found nothing.
 */
export function findCampaigning(tokens: readonly Token[], names: PoliticalNames, model?: PartyPoliticalModel): Campaigning[] {
  const found: Campaigning[] = [];
  if (disowns(tokens)) return found;
  // the names are found once, for the shapes and the model alike
  const named = namedIn(tokens, names);
  const shaped = findShapes(tokens, named);
  if (shaped.length > 0 || !model) return shaped;
  const reading = model.readNamed(tokens, named);
  if (reading && reading.probability >= 0.5 && tokens.length > 0) {
    found.push({ start: 0, end: tokens.length, what: `promotes or attacks ${reading.about} (party-political model ${model.version}, ${reading.probability.toFixed(2)})`, strong: reading.probability >= 0.85, byModel: true });
  }
  return found;
}

function findShapes(tokens: readonly Token[], { parties, people }: NamedInSentence): Campaigning[] {
  const found: Campaigning[] = [];
  const electionNearby = tokens.some((token) => ELECTION_WORDS.has(token.lower));
  const startingAt = <T>(matches: readonly NameMatch<T>[], index: number): NameMatch<T> | undefined => matches.find((match) => match.start === index);

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as Token;
    // "back"/"support" ask for support only as a request ("Back the Greens", "please support…"),
    // not inside a report ("beat back Labour's plans")
    const backing = BACKING_VERBS.has(token.lower) && (index === 0 || REQUEST_LEADS.has(tokens[index - 1]?.lower ?? ''));
    if (VOTE_VERBS.has(token.lower) || backing) {
      let objectAt = index + 1;
      if (['for', 'the'].includes(tokens[objectAt]?.lower ?? '')) objectAt += 1;
      if (tokens[objectAt]?.lower === 'the') objectAt += 1;
      const party = startingAt(parties, objectAt);
      const person = VOTE_VERBS.has(token.lower) ? startingAt(people, objectAt) : undefined;
      const self = VOTE_VERBS.has(token.lower) && SELF.has(tokens[objectAt]?.lower ?? '') && electionNearby;
      if (party || person || self) {
        const end = party?.end ?? person?.end ?? objectAt + 1;
        const object = party ? party.value.party : person ? person.value.name : 'the writer';
        found.push({ start: index, end, what: `asks for ${BACKING_VERBS.has(token.lower) ? 'support' : 'votes'} for ${object}`, strong: true });
        index = end - 1;
        continue;
      }
    }
    // "only the Greens can …"
    if (token.lower === 'only') {
      const at = tokens[index + 1]?.lower === 'the' ? index + 2 : index + 1;
      const party = startingAt(parties, at);
      if (party && ['can', 'will'].includes(tokens[party.end]?.lower ?? '')) {
        found.push({ start: index, end: party.end + 1, what: `promotes ${party.value.party}`, strong: false });
        index = party.end;
      }
    }
  }
  for (const party of parties) {
    // "Greyford Labour has delivered", "the Conservatives will keep", "Labour are fighting for"
    for (let offset = party.end; offset < Math.min(tokens.length, party.end + 3); offset += 1) {
      const word = tokens[offset]?.lower ?? '';
      if (PROMOTION_AFTER_PARTY.has(word)) {
        if (!found.some((entry) => entry.start <= party.start && entry.end > party.start)) {
          found.push({ start: party.start, end: offset + 1, what: `promotes ${party.value.party}`, strong: false });
        }
        break;
      }
      if (!['has', 'have', 'will', 'is', 'are', 'always', 'continue', 'continues', 'to', 'keep', 'never', 'again', 'really'].includes(word)) break;
    }
  }
  for (const marker of findPatterns(tokens, MARKERS)) {
    found.push({ start: marker.start, end: marker.end, what: 'carries the marks of election material', strong: true });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** words of promoting or favouring a party, which a disclaimer denies: "does not endorse any party" */
const PROMOTING = new Set(['endorse', 'endorses', 'endorsing', 'support', 'supports', 'favour', 'favours', 'favor', 'favouring', 'promote', 'promotes', 'promoting', 'recommend', 'recommends', 'distribute', 'distributing', 'campaign', 'campaigning', 'sides', 'canvass', 'advise']);
const DENIALS = new Set(['not', 'never', 'no', 'nothing', 'neither', 'nor', 'cannot']);

/**
 * "I am not asking anyone to vote for …", "this newsletter does not endorse any party", "nothing
 * here should be read as support for …": the writer disowns what follows.
 */
function disowns(tokens: readonly Token[]): boolean {
  for (let index = 0; index + 1 < tokens.length; index += 1) {
    const word = tokens[index]?.lower ?? '';
    if ((word === 'not' || word === 'never') && NEGATED_ASKING.has(tokens[index + 1]?.lower ?? '')) return true;
    if (!DENIALS.has(word)) continue;
    for (let ahead = index + 1; ahead < tokens.length && ahead <= index + 9; ahead += 1) {
      const next = tokens[ahead]?.lower ?? '';
      if (next === ',' || next === ';' || next === '.') break;
      if (PROMOTING.has(next)) return true;
    }
  }
  return false;
}

