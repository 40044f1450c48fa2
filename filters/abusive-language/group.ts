import type { Token } from './text.js';

/**
 * Hate against a group defined by a protected characteristic (race, religion, sex, sexuality,
 * gender identity, disability, age, origin), which counts without a named target: what the
 * sentence says the group is ("… are vermin", "… can't be trusted"), what should be done to it
 * ("… should be deported", "round up the …"), and what the writer feels about it ("I hate …").
 * The group is recognised by its name ("Muslims", "the Roma"), or by an identity word before a
 * word for people ("gay men", "Polish workers", "disabled residents"); "they"/"them" later in
 * the same sentence refer back to it. Groups not defined by a protected characteristic
 * ("landlords", "cyclists") are left to the model. Denials and condemnations inside the predicate
 * ("… are not criminals", "I don't hate …") are read here; quotation, reporting and negation
 * before the group are the caller's context analysis.
 */

export type GroupAbuseKind = 'derogation' | 'dehumanising' | 'threat' | 'exclusion' | 'stereotype';

export interface GroupAbuse {
  readonly kind: GroupAbuseKind;
  readonly weight: number;
  /** token range [from, to) of the group and what is said of it */
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

/** groups named by one word, plural or collective */
const GROUP_NOUNS: ReadonlySet<string> = new Set([
  'immigrants', 'migrants', 'refugees', 'foreigners', 'muslims', 'moslems', 'jews', 'christians', 'hindus', 'sikhs', 'catholics', 'blacks', 'asians', 'africans',
  'indians', 'pakistanis', 'bangladeshis', 'poles', 'romanians', 'bulgarians', 'albanians', 'lithuanians', 'gypsies', 'travellers', 'travelers', 'roma', 'gays',
  'lesbians', 'homosexuals', 'bisexuals', 'transgenders', 'transsexuals', 'women', 'females', 'pensioners', 'arabs', 'somalis', 'nigerians', 'chinese', 'irish',
  'mexicans', 'syrians', 'afghans', 'kurds', 'eritreans', 'turks', 'jamaicans', 'ghanaians', 'latvians', 'slovaks', 'czechs', 'europeans', 'easterners',
  'elderly', 'disabled', 'deaf', 'blind', 'autistics', 'foreign', 'islamists', 'atheists',
]);

/** identity words that name a group when a word for people follows ("gay men", "Black applicants") */
const GROUP_ADJECTIVES: ReadonlySet<string> = new Set([
  'gay', 'lesbian', 'bisexual', 'bi', 'trans', 'transgender', 'queer', 'lgbt', 'lgbtq', 'homosexual', 'non-binary', 'nonbinary', 'black', 'brown', 'asian', 'african',
  'caribbean', 'indian', 'pakistani', 'bangladeshi', 'chinese', 'arab', 'somali', 'nigerian', 'jewish', 'muslim', 'hindu', 'sikh', 'christian', 'catholic', 'islamic',
  'polish', 'romanian', 'bulgarian', 'albanian', 'lithuanian', 'eastern', 'foreign', 'immigrant', 'migrant', 'refugee', 'gypsy', 'traveller', 'roma', 'romany',
  'disabled', 'deaf', 'blind', 'autistic', 'elderly', 'old', 'older', 'female', 'women', 'syrian', 'afghan', 'kurdish', 'turkish', 'jamaican', 'mexican', 'irish',
  'asylum', 'ethnic', 'minority', 'pregnant',
]);

/** words for people that an identity word before them turns into a group */
const PEOPLE_WORDS: ReadonlySet<string> = new Set([
  'people', 'persons', 'men', 'women', 'folk', 'folks', 'workers', 'staff', 'applicants', 'families', 'kids', 'children', 'residents', 'tenants', 'lads',
  'girls', 'boys', 'guys', 'community', 'communities', 'lot', 'officers', 'councillors', 'members', 'employees', 'drivers', 'parents', 'population', 'seekers',
  'immigrants', 'migrants', 'refugees', 'mothers', 'teachers', 'nurses', 'doctors', 'colleagues', 'candidates', 'neighbours', 'neighbors', 'youths', 'students',
  'users', 'claimants', 'voters', 'activists', 'couples', 'clients', 'customers', 'traders', 'landlords', 'owners', 'shopkeepers', 'pupils', 'ones',
]);

/** what a group is said to be: a smear, an animal or disease, an inferiority */
const SMEARS: ReadonlyMap<string, readonly [GroupAbuseKind, number]> = new Map([
  ...kinds('dehumanising', 0.9, 'vermin', 'animals', 'scum', 'filth', 'subhuman', 'sub-human', 'cockroaches', 'rats', 'savages', 'parasites', 'leeches', 'locusts',
    'pests', 'pigs', 'apes', 'monkeys', 'dogs', 'insects', 'maggots', 'worms', 'snakes', 'plague', 'cancer', 'disease', 'virus', 'infestation', 'swarm', 'trash',
    'garbage', 'rubbish', 'vermins', 'beasts', 'creatures', 'barbarians', 'primitive', 'uncivilised', 'uncivilized', 'diseased', 'filthy', 'dirty', 'unclean'),
  ...kinds('derogation', 0.85, 'criminals', 'thieves', 'crooks', 'scroungers', 'spongers', 'freeloaders', 'scammers', 'liars', 'cheats', 'rapists', 'paedophiles',
    'pedophiles', 'perverts', 'predators', 'terrorists', 'invaders', 'extremists', 'degenerates', 'deviants', 'freaks', 'inferior', 'lazy', 'stupid', 'thick',
    'dumb', 'useless', 'worthless', 'pathetic', 'disgusting', 'vile', 'repulsive', 'revolting', 'evil', 'sick', 'twisted', 'untrustworthy', 'dishonest',
    'dangerous', 'violent', 'ignorant', 'backward', 'idiots', 'morons', 'imbeciles', 'retarded', 'burden', 'drain', 'disgrace', 'menace', 'nuisance', 'abomination',
    'unnatural', 'perverted', 'nasty', 'hateful', 'lowlifes', 'trouble', 'problem', 'incapable', 'incompetent', 'unemployable', 'ill', 'mental', 'crazy', 'insane'),
]);

/** a copula or a verb of seeming between the group and what it is said to be */
const COPULAS: ReadonlySet<string> = new Set(['are', 'is', 'were', 'was', 'be', 'being', 'been', 'seem', 'seems', 'look', 'looks', 'act', 'acts', 'behave', 'behaves', 'remain', 'become', 'became']);

/** words that may sit between the copula and the smear without changing what is said */
const FILLERS: ReadonlySet<string> = new Set([
  'all', 'just', 'simply', 'basically', 'really', 'so', 'such', 'a', 'an', 'the', 'bunch', 'load', 'loads', 'pack', 'lot', 'of', 'like', 'total', 'complete',
  'utter', 'absolute', 'fucking', 'bloody', 'effing', 'more', 'most', 'them', 'always', 'naturally', 'inherently', 'genuinely', 'honestly', 'frankly', 'mere',
  'mostly', 'nothing', 'but', 'little', 'better', 'than', 'no', 'very', 'too', 'quite', 'pretty', 'rather', 'inherently', 'born', 'natural', 'every', 'one',
  'single', 'on', 'this', 'our', 'society', 'country', 'town', 'borough', 'mentally', 'by', 'nature', 'big', 'huge', 'real', 'right', 'proper', 'lying', 'thieving',
  'dirty', 'filthy', 'disgusting', 'stupid', 'lazy', 'useless', 'lives', 'absolutely', 'completely', 'totally', 'clearly', 'obviously', 'still', 'as',
]);

/** "… are not human", "… lives do not matter": the denial is the abuse */
const DENIED_WORTH: ReadonlySet<string> = new Set(['human', 'humans', 'people', 'welcome', 'worth', 'wanted', 'equal', 'normal', 'real', 'proper', 'matter', 'belong']);

/** violence or removal done to a group */
const HARMS: ReadonlyMap<string, readonly [GroupAbuseKind, number]> = new Map([
  ...kinds('threat', 0.9, 'killed', 'kill', 'shot', 'shoot', 'hanged', 'hang', 'hung', 'gassed', 'gas', 'burned', 'burnt', 'burn', 'exterminated', 'exterminate',
    'eradicated', 'eradicate', 'wiped', 'wipe', 'eliminated', 'eliminate', 'slaughtered', 'slaughter', 'lynched', 'lynch', 'executed', 'execute', 'beaten', 'beat',
    'kicked', 'kick', 'hurt', 'punched', 'punch', 'stabbed', 'stab', 'bombed', 'bomb', 'drowned', 'drown', 'stoned', 'strung', 'string', 'die', 'massacred',
    'massacre', 'murdered', 'murder', 'butchered', 'butcher', 'torched', 'torch', 'battered', 'smashed', 'attacked', 'attack', 'hosed', 'fumigated', 'culled', 'cull',
    'neutered', 'sterilised', 'sterilized', 'castrated', 'whipped', 'flogged', 'tortured', 'suffer', 'rot',
    'kicking', 'beating', 'thrashing', 'battering', 'hiding', 'slap', 'slapping', 'bullet', 'shooting', 'hanging'),
  ...kinds('exclusion', 0.85, 'deported', 'deport', 'removed', 'expelled', 'expel', 'banned', 'ban', 'barred', 'bar', 'locked', 'lock', 'caged', 'cage', 'rounded',
    'round', 'thrown', 'throw', 'sent', 'send', 'driven', 'drive', 'chucked', 'chuck', 'shipped', 'ship', 'segregated', 'segregate', 'interned', 'sacked', 'fired'),
]);

/** modal frames in which a harm is wished or announced: "should be", "deserve to", "need to be" */
const WISHING: ReadonlySet<string> = new Set(['should', 'must', 'ought', 'deserve', 'deserves', 'need', 'needs', 'will', 'shall', 'gonna', 'going', 'have', 'has', 'want', 'wants', 'would', 'could', 'let', 'lets']);

/** past participles among the harms, which report what was done rather than call for it */
const PARTICIPLES: ReadonlySet<string> = new Set(['shot', 'burnt', 'hung', 'beaten', 'thrown', 'sent', 'driven', 'strung', 'hurt', 'kicking', 'beating', 'thrashing', 'battering', 'hiding', 'shooting', 'hanging', 'bullet', 'slapping']);

/** what the writer feels about a group */
const HATE_VERBS: ReadonlyMap<string, number> = new Map([
  ['hate', 0.9], ['despise', 0.9], ['detest', 0.9], ['loathe', 0.9], ['abhor', 0.85], ['hates', 0.85], ['despises', 0.85], ['loathes', 0.85], ['detests', 0.85],
]);
/** "… make me sick", "… disgust me" */
const DISGUST_VERBS: ReadonlySet<string> = new Set(['disgust', 'disgusts', 'sicken', 'sickens', 'repulse', 'repulses', 'revolt', 'revolts', 'nauseate']);

/** things a group is said to be unable to do */
const ABILITY_VERBS: ReadonlySet<string> = new Set(['trusted', 'trust', 'handle', 'lead', 'think', 'count', 'control', 'behave', 'integrate', 'teach', 'reason']);

/** actions that invade, spoil or exploit, said of a group */
const SPOILING_VERBS: ReadonlySet<string> = new Set([
  'breed', 'multiply', 'swarm', 'infest', 'infesting', 'invade', 'invading', 'infect', 'infecting', 'ruin', 'ruining', 'destroy', 'destroying', 'pollute', 'polluting',
  'contaminate', 'scrounge', 'scrounging', 'leech', 'leeching', 'sponge', 'sponging', 'steal', 'stealing', 'fiddle', 'fiddling', 'breeding', 'multiplying',
  'swarming', 'overrun', 'overrunning', 'flood', 'flooding', 'spread', 'spreading', 'rape', 'raping', 'groom', 'grooming', 'cheat', 'cheating', 'scam', 'scamming',
]);

/** modals and verbs of continuing that leave what follows said of the group: "… can't …", "… keep breeding" */
const MODALS: ReadonlySet<string> = new Set(['can', 'could', 'may', 'might', 'do', 'does', 'did', 'keep', 'keeps', 'kept', 'continue', 'continues', 'tend', 'tends', 'always', 'usually', 'generally', 'often', 'really', 'simply', 'just', 'all', 'only', 'still', 'clearly', 'obviously']);

/** a place or time phrase may sit between the group and its verb */
const PREPOSITIONS: ReadonlySet<string> = new Set(['in', 'on', 'at', 'from', 'across', 'around', 'near', 'round', 'of', 'living', 'here', 'over', 'these', 'nowadays', 'today']);

/** words that end the clause a predicate can sit in */
const CLAUSE_ENDS: ReadonlySet<string> = new Set(['but', 'although', 'though', 'whereas', 'while', 'because', 'unless', 'if', 'whether']);

const NEGATIONS: ReadonlySet<string> = new Set(['not', 'never', 'no', 'nobody', 'none', 'hardly', 'neither', 'nor']);

const FIRST_PERSON_SUBJECTS: ReadonlySet<string> = new Set(['i', 'we']);
const BACK_REFERENCES: ReadonlySet<string> = new Set(['they', 'them', 'their', 'these', 'those']);

/** frames that put a hateful claim in someone else's mouth in order to reject it: "the idea that …", "saying …" */
const MENTION_FRAMES: ReadonlySet<string> = new Set([
  'idea', 'notion', 'claim', 'claims', 'myth', 'stereotype', 'stereotypes', 'assumption', 'lie', 'belief', 'suggestion', 'view', 'trope', 'rhetoric', 'narrative',
  'saying', 'claiming', 'suggesting', 'implying', 'pretending', 'insisting', 'arguing', 'assuming', 'says', 'said', 'say', 'thinks', 'think', 'believe', 'believes',
  'claimed', 'suggested', 'argued', 'insisted', 'implied', 'pretend', 'stop', 'accept', 'tolerate', 'condemn', 'condemns', 'challenge', 'challenged', 'refuse',
  'rejects', 'reject', 'rejected', 'chanting', 'chanted', 'shouting', 'shouted', 'graffiti', 'posted', 'wrote', 'written', 'messages', 'leaflets', 'comments',
  'comment', 'remarks', 'remark', 'language', 'slogan', 'slogans', 'sign', 'signs', 'banner', 'tweet', 'tweets', 'post', 'posts', 'calling', 'call', 'called',
  'describing', 'described', 'describes', 'describe', 'labelling', 'labeling', 'branding', 'branded', 'told', 'tells', 'spray-painted', 'sprayed', 'painted', 'heard',
]);

function kinds(kind: GroupAbuseKind, weight: number, ...words: string[]): Array<[string, readonly [GroupAbuseKind, number]]> {
  return words.map((word) => [word, [kind, weight] as const]);
}

interface GroupSpan {
  readonly from: number;
  readonly to: number;
}

/** cheap test: does the sentence name a protected group at all */
export function mayNameGroup(tokens: readonly Token[]): boolean {
  for (const token of tokens) if (token.kind === 'word' && (GROUP_NOUNS.has(token.word) || GROUP_ADJECTIVES.has(token.word))) return true;
  return false;
}

/** Every hateful thing the sentence says of a protected group, at most one per group mention. */
export function groupAbuse(tokens: readonly Token[]): GroupAbuse[] {
  const groups = groupSpans(tokens);
  if (groups.length === 0) return [];
  const found: GroupAbuse[] = [];
  for (const group of groups) {
    const said = predicateOf(tokens, group) ?? objectOf(tokens, group);
    if (said && !isMentionedToReject(tokens, said.from)) found.push(said);
  }
  // "I've met plenty of Muslims and I hate every one of them": a pronoun after the group refers back to it
  const first = groups[0] as GroupSpan;
  for (let i = first.to; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (!BACK_REFERENCES.has(token.word) || groups.some((group) => group.from <= i && i < group.to)) continue;
    const span = { from: i, to: i + 1 };
    const said = token.word === 'them' ? objectOf(tokens, span) : predicateOf(tokens, span);
    if (said && !isMentionedToReject(tokens, first.from)) found.push({ ...said, from: Math.min(said.from, first.from) });
  }
  return found;
}

function groupSpans(tokens: readonly Token[]): GroupSpan[] {
  const spans: GroupSpan[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.kind !== 'word') continue;
    // a capital in mid-sentence may be a name ("Mr Black", "Gay Street"), unless a people word follows
    const next = tokens[i + 1];
    if (GROUP_ADJECTIVES.has(token.word)) {
      let end = i + 1;
      // "gay and lesbian people", "Black and Asian staff"
      if (next?.word === 'and' && GROUP_ADJECTIVES.has(tokens[i + 2]?.word ?? '')) end = i + 3;
      // "asylum seekers", "Muslim women", "older people", "the Roma community"
      if (PEOPLE_WORDS.has(tokens[end]?.word ?? '')) {
        spans.push({ from: i, to: end + 1 });
        i = end;
        continue;
      }
    }
    if (GROUP_NOUNS.has(token.word)) {
      // "the disabled", "the elderly", "the deaf" are groups only after "the"; "disabled access" is not
      if (/^(disabled|elderly|deaf|blind|foreign)$/.test(token.word) && tokens[i - 1]?.word !== 'the') continue;
      // "Irish", "Chinese" as adjectives before a noun that is not a people word ("Chinese takeaway")
      if (next?.kind === 'word' && !PEOPLE_WORDS.has(next.word) && /^(chinese|irish|roma)$/.test(token.word) && !COPULAS.has(next.word) && !WISHING.has(next.word)) continue;
      spans.push({ from: i, to: i + 1 });
    }
  }
  return spans;
}

/** what follows the group: "… are vermin", "… should be deported", "… can't be trusted", "… breed like rats" */
function predicateOf(tokens: readonly Token[], group: GroupSpan): GroupAbuse | undefined {
  let negated = false;
  let sawCopula = false;
  let sawWish = false;
  let sawCannot = false;
  // "Muslims, in my view, are …": skip a short aside and a relative clause opener
  for (let k = group.to; k < tokens.length && k <= group.to + 9; k += 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct') {
      if (/^[.;!?:]/.test(token.plain)) return undefined;
      continue;
    }
    const word = token.word;
    if (word === 'but' && tokens[k - 1]?.word === 'nothing') continue;
    if (CLAUSE_ENDS.has(word)) return undefined;
    if (NEGATIONS.has(word)) {
      const after = tokens[k + 1]?.word ?? '';
      // "nothing but", "no better than", "no more than" do not deny
      if (!(word === 'no' && /^(better|more|different)$/.test(after)) && !(word === 'nothing' && after === 'but')) {
        if (sawWish && word === 'not' && /^(be|even)$/.test(after) && /^(allowed|permitted|trusted)$/.test(tokens[k + 2]?.word ?? '')) {
          // "… should not be allowed to vote": a denial of rights, not of the abuse
          return at(group, k + 3, 'exclusion', 0.85, 'denial of rights to a group');
        }
        if (word === 'not' && sawCopula && DENIED_WORTH.has(after)) return at(group, k + 2, 'dehumanising', 0.85, 'denial of a group\'s humanity');
        if (word === 'not' && /^(belong|matter)$/.test(after)) return at(group, k + 2, 'exclusion', 0.85, 'saying a group does not belong');
        if (word === 'not' && tokens[k - 1]?.word === 'can' && /^(be|ever)$/.test(after) && /^(trusted|relied)$/.test(tokens[k + 2]?.word ?? '') && isGeneric(tokens, group)) {
          return at(group, k + 3, 'stereotype', 0.85, 'a stereotype about a group');
        }
        if (word === 'not' && tokens[k - 1]?.word === 'can' && ABILITY_VERBS.has(after)) sawCannot = true;
        else negated = true;
      }
      continue;
    }
    if (sawCannot && ABILITY_VERBS.has(word) && isGeneric(tokens, group)) return at(group, k + 1, 'stereotype', 0.8, 'a stereotype about what a group can do');
    if (COPULAS.has(word)) {
      sawCopula = true;
      continue;
    }
    if ((word === 'have' || word === 'has') && tokens[k + 1]?.word === 'no' && /^(business|place|right)$/.test(tokens[k + 2]?.word ?? '')) return at(group, k + 3, 'exclusion', 0.8, 'saying a group does not belong');
    if (word === 'go' && tokens[k + 1]?.word === 'back') return at(group, k + 2, 'exclusion', 0.85, 'telling a group to go back where they came from');
    if (MODALS.has(word)) continue;
    // "the Somali families on the Northgate estate are …": a short place or time phrase before the verb
    if (!sawCopula && !sawWish && PREPOSITIONS.has(word)) {
      let end = k + 1;
      while (end < tokens.length && end <= k + 4 && tokens[end]?.kind === 'word' && !COPULAS.has(tokens[end]?.word ?? '') && !WISHING.has(tokens[end]?.word ?? '') && !MODALS.has(tokens[end]?.word ?? '')) end += 1;
      if (COPULAS.has(tokens[end]?.word ?? '') || WISHING.has(tokens[end]?.word ?? '') || MODALS.has(tokens[end]?.word ?? '')) {
        k = end - 1;
        continue;
      }
      return undefined;
    }
    if (WISHING.has(word) || word === 'to' || word === 'all' || word === 'just' || word === 'be' || word === 'get' || word === 'got' || word === 'been' || word === 'better' || word === 'a' || word === 'good') {
      if (WISHING.has(word)) sawWish = true;
      continue;
    }
    if (negated) return undefined;
    const smear = SMEARS.get(word);
    if (smear && (sawCopula || FILLERS.has(tokens[k - 1]?.word ?? '') || k === group.to)) {
      // "Muslim women are sick of …", "are trouble to organise": a smear word used as something else
      if ((word === 'sick' || word === 'ill' || word === 'tired') && /^(of|with|from|after|leave)$/.test(tokens[k + 1]?.word ?? '')) return undefined;
      // "… are a problem" smears; "… are trouble to organise" need not
      if (/^(problem|trouble|mental)$/.test(word) && !/^(a|the|nothing|just|all)$/.test(tokens[k - 1]?.word ?? '')) return undefined;
      return at(group, k + 1, smear[0], smear[1], smear[0] === 'dehumanising' ? 'dehumanising language about a group' : 'hateful generalisation about a group');
    }
    const harm = HARMS.get(word);
    // a harm only when wished or announced ("… should be deported"); "… were killed in 1943" reports an event
    if (harm && sawWish) {
      // "… should be sent a letter", "… were removed from the list": removal verbs need a destination or "out"
      if (harm[0] === 'exclusion' && !isRemovalOfPeople(tokens, k)) return undefined;
      return at(group, k + 1, harm[0], harm[1], harm[0] === 'threat' ? 'violence wished on a group' : 'calling for a group to be removed');
    }
    if (SPOILING_VERBS.has(word) && !sawWish) return at(group, k + 1, 'dehumanising', 0.85, 'dehumanising language about a group');
    if (DISGUST_VERBS.has(word) || (word === 'make' && tokens[k + 1]?.word === 'me' && tokens[k + 2]?.word === 'sick')) return at(group, k + 1, 'derogation', 0.85, 'hatred of a group');
    if (!FILLERS.has(word) && !/^(in|here|there|now|today|always|these|days|round|around|country|this|area|estate|ward|town)$/.test(word)) return undefined;
  }
  return undefined;
}

/** what is done to the group, or felt about it, before it: "I hate …", "deport all the …", "death to …" */
function objectOf(tokens: readonly Token[], group: GroupSpan): GroupAbuse | undefined {
  let k = group.from - 1;
  // "all the", "every single one of", "those", "these bloody"
  while (k >= 0 && /^(all|the|those|these|every|single|one|of|any|more|bloody|fucking|damn|dirty|filthy|stinking|lot|whole|last|remaining|other)$/.test((tokens[k] as Token).word)) k -= 1;
  if (k < 0) return undefined;
  const verb = tokens[k] as Token;
  if (verb.word === 'to' && tokens[k - 1]?.word === 'death') return at({ from: k - 1, to: group.to }, group.to, 'threat', 0.9, 'violence wished on a group');
  const hate = HATE_VERBS.get(verb.word);
  if (hate !== undefined || (verb.word === 'stand' && tokens[k - 1]?.word === 'not' && tokens[k - 2]?.word === 'can')) {
    const start = hate !== undefined ? k : k - 2;
    if (deniedBefore(tokens, start)) return undefined;
    return at({ from: subjectStart(tokens, start), to: group.to }, group.to, 'derogation', hate ?? 0.85, 'hatred of a group');
  }
  const harm = HARMS.get(verb.word);
  if (harm && !/ed$/.test(verb.word) && !PARTICIPLES.has(verb.word)) {
    // "kill all the …" as an order or a wish, not "we help refugees" or a report ("they attacked Jews")
    const before = tokens[k - 1]?.word ?? '';
    const opensSentence = k === 0 || tokens[k - 1]?.kind === 'punct';
    if ((opensSentence || WISHING.has(before) || before === 'to' || FIRST_PERSON_SUBJECTS.has(before) || before === "'ll" || before === 'just') && !deniedBefore(tokens, k)) {
      if (harm[0] === 'exclusion' && !isRemovalOfPeople(tokens, k) && !/^(back|out|away|home)$/.test(tokens[group.to]?.word ?? '')) return undefined;
      return at({ from: k, to: group.to }, group.to, harm[0], harm[1], harm[0] === 'threat' ? 'violence wished on a group' : 'calling for a group to be removed');
    }
  }
  // "round up the Romanians", "get rid of the Travellers", "wipe out the …", "drive out the …"
  const particle = verb.word;
  if (/^(up|out|off|rid)$/.test(particle)) {
    const head = tokens[k - 1]?.word ?? '';
    let openerAt = k - 2;
    while (openerAt >= 0 && /^(just|simply|all|go|and|quietly|finally)$/.test(tokens[openerAt]?.word ?? '')) openerAt -= 1;
    const opener = tokens[openerAt];
    const wished = openerAt < 0 || opener?.kind === 'punct' || WISHING.has(opener?.word ?? '') || opener?.word === 'to' || FIRST_PERSON_SUBJECTS.has(opener?.word ?? '');
    if (wished && /^(round|wipe|drive|kick|throw|chuck|get|lock|burn|smoke|beat|string|stamp|root|weed|clear|ship|turf)$/.test(head) && !deniedBefore(tokens, k - 1)) {
      return at({ from: k - 1, to: group.to }, group.to, head === 'lock' || head === 'ship' || head === 'clear' || head === 'turf' ? 'exclusion' : 'threat', 0.85, 'calling for a group to be removed or harmed');
    }
  }
  return undefined;
}

/** the group as a whole ("Women …", "All Muslims …"), not some of its members ("many older residents …", "our Polish staff …") */
function isGeneric(tokens: readonly Token[], group: GroupSpan): boolean {
  return !/^(some|many|several|few|our|your|my|local|older|elderly|most|both|two|three|certain|the)$/.test(tokens[group.from - 1]?.word ?? '');
}

/** a negation between the subject and the verb: "I don't hate …", "we would never deport …" */
function deniedBefore(tokens: readonly Token[], verb: number): boolean {
  for (let k = verb - 1; k >= 0 && k >= verb - 4; k -= 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct') return false;
    // "shouldn't we just …", "why not …": a question, not a denial
    if (NEGATIONS.has(token.word)) return !(/^(we|i|you)$/.test(tokens[k + 1]?.word ?? '') || tokens[k - 1]?.word === 'why');
  }
  return false;
}

function subjectStart(tokens: readonly Token[], verb: number): number {
  for (let k = verb - 1; k >= 0 && k >= verb - 3; k -= 1) if (FIRST_PERSON_SUBJECTS.has((tokens[k] as Token).word)) return k;
  return verb;
}

/** "sent back", "thrown out", "deported", "locked up", "removed from the country": removal, not "sent a letter" */
function isRemovalOfPeople(tokens: readonly Token[], k: number): boolean {
  const word = (tokens[k] as Token).word;
  if (/^(deported|deport|expelled|expel|segregated|segregate|interned|caged|cage|banned|ban)$/.test(word)) return true;
  const next = tokens[k + 1]?.word ?? '';
  const after = tokens[k + 2]?.word ?? '';
  if (/^(back|out|away|home|up)$/.test(next)) return true;
  return next === 'from' && /^(the|this|our|britain|england|uk|country|town|borough|estate|here)$/.test(after);
}

/** the claim sits inside a frame that rejects or reports it: "the myth that …", "stop saying …", "he said …" */
export function isMentionedToReject(tokens: readonly Token[], from: number): boolean {
  for (let k = from - 1; k >= 0 && k >= from - 8; k -= 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct' && /^[.;!?]/.test(token.plain)) return false;
    if (!MENTION_FRAMES.has(token.word)) continue;
    // "I think …", "I believe …", "we say …": the writer's own view, not a mention
    if (/^(think|believe|say|reckon)$/.test(token.word) && FIRST_PERSON_SUBJECTS.has(tokens[k - 1]?.word ?? '') && !deniedBefore(tokens, k)) return false;
    if (/^(think|believe|say)$/.test(token.word) && /^(honestly|really|just|do|still|also)$/.test(tokens[k - 1]?.word ?? '') && FIRST_PERSON_SUBJECTS.has(tokens[k - 2]?.word ?? '')) return false;
    return true;
  }
  return false;
}

function at(group: GroupSpan, end: number, kind: GroupAbuseKind, weight: number, label: string): GroupAbuse {
  return { kind, weight, from: group.from, to: Math.max(end, group.to), label };
}
