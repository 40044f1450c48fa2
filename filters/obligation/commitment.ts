import { isVerbTag, partOfSpeech } from '../shared/part-of-speech.js';
import { compilePatterns, containsPattern, findPatterns, requiredWords, type PatternSet } from '../shared/token-pattern.js';
import type { Token } from '../shared/tokens.js';

/**
 * Finds, in one sentence, the places where the writer commits someone to something or tells
 * someone to act: who is the subject (the writer, "we", the Council, the reader, a third party),
 * whether the verb is negated, which modal or hedge qualifies it, whether it sits in a condition or
 * a question, and whether the action is one that binds the Council (paying, accepting, instructing,
 * authorising, waiving). Word lists name the actions; the clause structure decides whether a
 * mention of one is a commitment.
 */
export type CommitmentKind =
  | 'payment'
  | 'acceptance'
  | 'purchase-order'
  | 'instruction'
  | 'authorisation'
  | 'promise'
  | 'speaking-as-council';

export interface Commitment {
  readonly kind: CommitmentKind;
  /** token span of the words that carry the commitment */
  readonly start: number;
  readonly end: number;
  /** 1 for a plain commitment; lower when hedged, conditional or put as a question */
  readonly strength: number;
  /** what lowered `strength`, in words for the explanation */
  readonly qualifiers: readonly string[];
  /** the writer speaks for the Council ("we", "the Council") rather than as "I" */
  readonly corporate: boolean;
  /** an order in the imperative mood ("please proceed") */
  readonly imperative: boolean;
}

interface Sense {
  readonly kind: CommitmentKind;
  /** the verb counts only with one of these words within {@link OBJECT_WINDOW} tokens after it */
  readonly objects?: ReadonlySet<string>;
  /** idioms: the verb does not count when the next word is one of these ("pay attention") */
  readonly notObjects?: ReadonlySet<string>;
  /** works verbs: tells a contractor or staff to do physical work */
  readonly works?: boolean;
  /** waiver verbs count when negated ("will not enforce") and not otherwise */
  readonly negatedOnly?: boolean;
}

const OBJECT_WINDOW = 6;

const set = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter(Boolean));

const COST = set('cost costs bill bills expense expenses fee fees invoice shortfall overspend price charge charges');
const QUOTE = set('quote quotes quotation quotations tender tenders offer estimate estimates price prices proposal bid terms costing costings invoice');
const WORKS = set(`works work repairs repair fence fencing road roads pothole potholes pavement pavements footpath footpaths path paths
  tree trees hedge hedges bins bin signs sign signage streetlight streetlights lights lighting drain drains drainage wall walls roof
  playground surface surfacing resurfacing tarmac kerb kerbs gate gates barrier barriers bollard bollards bench benches shelter skip skips
  scaffolding materials equipment installation demolition extension building site car park parking bumps ramp crossing markings lines
  graffiti fly-tipping rubbish litter grass verge verges toilets pipe pipework boiler windows doors cladding job project scheme contract
  order contractor contractors crew gang team survey planting railings cctv camera cameras`);
const STAFF_OBJECTS = {
  issue: set('licence license permit notice refund grant permission consent certificate decision approval penalty fine pcn cheque payment order letter warning'),
  withdraw: set('notice objection report recommendation enforcement pcn fine penalty application letter warning charge'),
  cancel: set('fine pcn notice charge penalty order contract enforcement invoice debt bill ticket'),
  revoke: set('notice licence license permit order'),
  amend: set('report recommendation recommendations advice decision conditions condition wording conclusion conclusions'),
  approve: set('application request claim grant payment extension plans plan scheme works work spend spending purchase order quote budget funding repairs'),
  grant: set('consent licence license application extension planning approval funding money'),
  refuse: set('application licence license permit request permission'),
  drop: set('case prosecution action charge charges fine enforcement complaint investigation'),
  stop: set('enforcement action proceedings prosecution investigation'),
  suspend: set('enforcement action notice proceedings charges charge'),
  release: set('payment funds money grant deposit bond'),
  allocate: set('funding funds money £ budget grant'),
  serve: set('notice notices'),
};

/** verb forms → sense; every inflection listed, so no stemmer guesses */
const VERBS = new Map<string, Sense>();
/** the forms an imperative can take */
const BASE_FORMS = new Set<string>();
function verb(bases: string, inflections: string, sense: Sense): void {
  for (const form of bases.split(/\s+/).filter(Boolean)) {
    VERBS.set(form, sense);
    BASE_FORMS.add(form);
  }
  for (const form of inflections.split(/\s+/).filter(Boolean)) VERBS.set(form, sense);
}
verb('pay', 'pays paid paying', { kind: 'payment', notObjects: set('attention respects respect tribute heed visit compliments compliment homage lip your what dividends off') });
verb('fund', 'funds funded', { kind: 'payment', objects: set('it this that the repairs works work scheme project cost costs repair £') });
verb('cover', 'covers covered covering', { kind: 'payment', objects: COST });
verb('meet', 'meets', { kind: 'payment', objects: COST });
verb('reimburse compensate refund underwrite', 'reimburses reimbursed reimbursing compensates compensated compensating refunds refunded refunding underwrites underwritten', { kind: 'payment' });
verb('invoice bill', 'invoices', { kind: 'payment', objects: set('council us me authority') });
verb('accept', 'accepts accepted accepting', { kind: 'acceptance', objects: QUOTE });
verb('award', 'awards awarded awarding', { kind: 'acceptance', objects: set('contract tender job work works you your') });
verb('appoint', 'appoints appointed', { kind: 'acceptance', objects: set('you your contractor firm company') });
verb('commission', 'commissions commissioned', { kind: 'acceptance', objects: set('you your survey report works work study contractor') });
verb('proceed', 'proceeds', { kind: 'instruction', works: true });
verb('start commence begin', 'starts commences', { kind: 'instruction', works: true, objects: set(`work works on monday tuesday wednesday thursday friday saturday sunday tomorrow today immediately
  site digging installation repairs asap`) });
verb('install resurface repair remove fell demolish erect fit replace dig clear paint lay tarmac fix patch trim prune reinstate', '', { kind: 'instruction', works: true, objects: WORKS });
verb('order', '', { kind: 'instruction', works: true, objects: set(`${[...WORKS].join(' ')} new more replacement replacements`) });
verb('book', '', { kind: 'instruction', works: true, objects: set('contractor crane skip skips road closure scaffolding crew gang team works') });
verb('issue', '', { kind: 'instruction', objects: STAFF_OBJECTS.issue });
verb('withdraw', '', { kind: 'instruction', objects: STAFF_OBJECTS.withdraw });
verb('cancel', '', { kind: 'instruction', objects: STAFF_OBJECTS.cancel });
verb('revoke', '', { kind: 'instruction', objects: STAFF_OBJECTS.revoke });
verb('amend change alter rewrite redraft', '', { kind: 'instruction', objects: STAFF_OBJECTS.amend });
verb('refuse reject', '', { kind: 'instruction', objects: STAFF_OBJECTS.refuse });
verb('drop', '', { kind: 'instruction', objects: STAFF_OBJECTS.drop });
verb('stop halt', '', { kind: 'instruction', objects: STAFF_OBJECTS.stop });
verb('suspend', '', { kind: 'instruction', objects: STAFF_OBJECTS.suspend });
verb('release transfer', '', { kind: 'instruction', objects: STAFF_OBJECTS.release });
verb('allocate', 'allocates allocated', { kind: 'payment', objects: STAFF_OBJECTS.allocate });
verb('serve', '', { kind: 'instruction', objects: STAFF_OBJECTS.serve });
verb('approve', 'approves approved approving', { kind: 'authorisation', objects: STAFF_OBJECTS.approve });
verb('grant', 'grants granted granting', { kind: 'authorisation', objects: STAFF_OBJECTS.grant });
verb('authorise authorize sanction', 'authorises authorised authorising authorizes authorized authorizing sanctions sanctioned', { kind: 'authorisation' });
verb('waive', 'waives waived waiving', { kind: 'promise' });
verb('enforce pursue prosecute chase fine penalise penalize', '', { kind: 'promise', negatedOnly: true });

/** verb forms that make a passive after "be" ("will be paid", "is waived") */
const PASSIVE_SENSES = new Map<string, { kind: CommitmentKind; subjects?: ReadonlySet<string> }>([
  ['paid', { kind: 'payment', subjects: set('you invoice invoices bill contractor costs cost') }],
  ['reimbursed', { kind: 'payment' }],
  ['refunded', { kind: 'payment' }],
  ['compensated', { kind: 'payment' }],
  ['funded', { kind: 'payment', subjects: set('works repairs scheme project it this work') }],
  ['covered', { kind: 'payment', subjects: COST }],
  ['waived', { kind: 'promise' }],
  ['cancelled', { kind: 'promise', subjects: set('fine fines pcn penalty charge charges debt arrears notice invoice ticket') }],
  ['dropped', { kind: 'promise', subjects: set('fine fines pcn penalty charge charges case prosecution enforcement complaint') }],
  ['written', { kind: 'promise', subjects: set('debt arrears fine charge invoice balance') }],
  ['withdrawn', { kind: 'promise', subjects: set('notice pcn fine penalty enforcement objection') }],
  ['approved', { kind: 'authorisation', subjects: set('application works work repairs spend spending payment funding quote order purchase plans scheme request claim grant extension it this') }],
  ['granted', { kind: 'authorisation', subjects: set('application permission licence license consent extension request grant planning it') }],
  ['authorised', { kind: 'authorisation' }],
  ['authorized', { kind: 'authorisation' }],
  ['sanctioned', { kind: 'authorisation' }],
  ['accepted', { kind: 'acceptance', subjects: QUOTE }],
  ['awarded', { kind: 'acceptance', subjects: set('contract tender job work works you') }],
]);

const SPEAKER = set('i we');
const ADDRESSEE = set('you');
const NEGATORS = set('not never no cannot neither nor');
const BE = set('be is are was were been being am');
const AUX = set(`will shall would can could may might must should am is are was were be been being have has had do does did going to
  hereby now also definitely certainly gladly happily happy pleased delighted prepared willing able ready then therefore not never no longer
  just already formally officially duly fully like wish intend plan aim hope try decided agreed minded inclined today immediately
  please kindly still`);
const FIRM_AUX = set('will shall going am is are have has decided agreed happy pleased delighted prepared willing ready hereby formally officially must');
const HEDGE_AUX = set('might may could would should like wish intend plan aim hope try minded inclined');
const PAST_AUX = set('was were did had');
/** tags that can open a verb's object: determiners, pronouns, numbers, names, prepositions */
const OBJECT_OPENER_TAGS = new Set(['DT', 'PRP', 'PRP$', 'CD', '$', 'IN', 'NNP', 'NNPS', 'TO', 'RP', 'PDT']);
const FINITE = set('is are was were will would can could should has have had may might must does do');
const LEAD = set(`please kindly so now then just also ok okay right and but therefore hence accordingly yes great fine thanks pls plz , - –
  further additionally finally firstly secondly lastly meanwhile anyway`);
const PERFORMATIVE = set('instruct instructing instructed direct directing require requiring need want expect order ordering tell telling asking ask authorise authorising authorize');
const QUESTION_OPENERS = set('can could would will shall do does did is are may might');

const HEDGES = compilePatterns([
  'i (think|believe|feel|suspect|guess|reckon|hope)',
  'in my (view|opinion)',
  'my (view|opinion) is',
  '(perhaps|maybe|possibly|probably|hopefully|ideally|potentially|likely)',
  'in principle',
  'should be able to',
  'it (seems|appears)',
]);
const CONDITIONS = compilePatterns([
  '(if|unless|provided|providing|assuming|pending|depending|dependent)',
  'as long as',
  'subject to',
  'once (officers|the|council|it|approval|funding|we|they|you|planning|this|a|an)',
  'in due course',
  'on condition',
]);
const DEFERRALS = compilePatterns([
  '(ask|asking|asked|request|requesting|raise|raising|refer|referring|pass|passing|check|checking|speak|speaking|talk|talking|forward|forwarding) (this|it|that)? (with|to)? (the|our|your)? (officers|officer|team|council|department|service|director|head|clerk|chief)',
  '(raise|raising|refer|referring|pass|passing) the matter (with|to) the? (officers|officer|team|council|department|director|clerk)',
  '(officers|officer|council|team|department) (will|to|can|should|would|may|must) (decide|confirm|advise|contact|assess|consider|look|review|respond|arrange|determine|check|approve|agree|authorise|authorize)',
]);
/** deferrals that hold for the whole sentence, whichever clause they stand in */
const SENTENCE_DEFERRALS = compilePatterns([
  'through the? (proper|usual|normal|formal|correct)? (channels|procurement|process|procedures)',
  '(procurement|tendering) (rules|process|procedures)',
  'contract procedure rules',
  'subject to (contract|procurement|approval|formal|the)',
]);
const PERSONAL = compilePatterns(['(myself|personally)', 'my own (money|pocket|funds|account|expense)', 'out of my (own)? pocket', 'at my own (cost|expense)']);
const PASSIVE_LEAD_NOUNS = set('fee fees charge charges fine fines penalty pcn debt arrears requirement condition enforcement application licence license permission consent grant claim appeal request bid plans scheme works work repairs spend spending payment funding quote order purchase contract tender job invoice bill costs cost notice prosecution case extension planning balance it this');

/** Fixed phrases that commit or speak for the Council wherever they stand in a clause. */
const FIXED: ReadonlyArray<{ kind: CommitmentKind; patterns: PatternSet }> = [
  {
    kind: 'purchase-order',
    patterns: compilePatterns([
      '(po|p.o|purchase) order? (to|will) follow',
      '(po|p.o|purchase) order? (attached|enclosed|follows)',
      'purchase order (number|no|ref|reference)? #num',
      '(raise|raising|raised|send|sending|issue|issuing|issued) (a|the|an|your)? official? purchase order',
      '(raise|raising|raised|send|sending|issue|issuing|issued) (a|the|an|your)? official? (po|p.o)',
    ]),
  },
  {
    kind: 'acceptance',
    patterns: compilePatterns([
      '(this|my|the) (email|e-mail|message|letter)? (confirms|constitutes) (the|our|your|a|an|my)? (formal|official|written)? (agreement|order|contract|acceptance|booking)',
      '(this|my) (email|e-mail|message|letter)? (is|serves) as? (our|your|my)? (formal|official|written) (agreement|order|contract|acceptance|booking)',
      '(this|my) (email|e-mail|message|letter) (is|serves) as? (our|your|my|a|an|the)? (agreement|acceptance|contract)',
      'you have (the|our) (contract|job|tender)',
      'the (contract|job|tender) is yours',
      '(you|company|firm) (has|have) (won|got|secured) the (contract|tender|job)',
      '(we|i) (will|shall) go with (your|the|this) (quote|quotation|tender|offer|price|estimate)',
      "(let's|lets) go with (your|the|this) (quote|quotation|tender|offer|price|estimate)",
      'consider (this|it) as? (a|an|your|our|my)? (formal|official|firm)? (order|acceptance|agreement)',
      "(it's|that's) a deal",
    ]),
  },
  {
    kind: 'authorisation',
    patterns: compilePatterns([
      '(treat|consider|take) (this|my) (email|e-mail|message|letter|note)? as (your|an|a|my|our|the)? (formal|official|written)? (instruction|authorisation|authorization|authority|go-ahead|approval|permission|sign-off)',
      'you have (my|our) (go-ahead|approval|authority|authorisation|authorization|permission|blessing|sign-off|consent)',
      'you have the (go-ahead|green)',
      'give (you)? (the|my|our)? (go-ahead|authority|authorisation|authorization|sign-off)',
      'give (you)? (the|my|our)? green light',
      '(consider|treat) (it|this) (approved|authorised|authorized|agreed)',
      '(consider|treat) the (works|job|work|repairs) (approved|authorised|authorized|agreed)',
      'you (can|may) now? (proceed|start|commence|begin) (with|on)? (the)? (works|work|job|repairs|installation|immediately|monday|tomorrow)',
      'you (can|may) now? go ahead (with|and)? (the)? (works|work|job|repairs|order|purchase|installation)',
      'you are hereby? (authorised|authorized|instructed|cleared|permitted) to',
      'i hereby? (sign|signed) (this|it)? off',
      'i have signed (this|it)? off',
    ]),
  },
  {
    kind: 'promise',
    patterns: compilePatterns([
      'no further? enforcement action will be taken',
      'no further? action will be taken against',
      '(we|council|i) (will|shall|would) (not|never) take (any)? further? enforcement? action',
      'turn a blind eye',
      '(your|the|his|her|their) (application|licence|license|permission|planning|grant|claim|appeal|bid|request) (will|is) going? to? be? (approved|granted|accepted|agreed|successful)',
      'you (will|are) going? to? (get|receive) (the|a|your)? (grant|licence|license|permission|funding|money|contract|refund|£)',
      'you (will|are) going? to? be (given|awarded) (the|a|your)? (grant|licence|license|permission|funding|money|contract|refund|£)',
      'i (guarantee|promise) you? that? (the|your) (council|application|licence|license|grant|money|funding|fee|works|repairs|permission|claim)',
      'i (guarantee|promise) you? that? you (will|are) (get|receive|be)',
      '(we|i|council) (will|shall|can) write off',
    ]),
  },
  {
    kind: 'speaking-as-council',
    patterns: compilePatterns([
      'on behalf of (the|this|our)? _? _? _? (council|authority)',
      '(council|authority) (has|have) now? (decided|agreed|resolved|approved|determined)',
      '(council|authority) (is|are) (committed|prepared|willing) to',
      "the (council's|authority's) (decision|position) is",
    ]),
  },
];

const COUNCIL_WORDS = set('council authority');

/**
 * Words without one of which a sentence holds no commitment: every way of finding one needs a
 * verb listed above, a passive participle, a performative ("instruct", "need"), a go-ahead idiom
 * ("go ahead", "crack on", "carry out") or a word its fixed phrase requires. Most sentences of a
 * letter have none, and are passed over without parsing their clauses.
 */
const ANCHORS: ReadonlySet<string> = new Set([
  ...VERBS.keys(),
  ...PASSIVE_SENSES.keys(),
  ...PERFORMATIVE,
  'go',
  'crack',
  'carry',
  'put',
  'take',
  ...FIXED.flatMap(({ patterns }) => {
    const words = requiredWords(patterns);
    if (!words) throw new Error('every fixed commitment phrase must require a word');
    return [...words];
  }),
]);

/** The commitments in one sentence, in order. `tokens` are the sentence's; `question` if it ends in "?". */
export function findCommitments(tokens: readonly Token[], question: boolean): Commitment[] {
  const found: Commitment[] = [];
  if (!tokens.some((token) => ANCHORS.has(token.lower))) return found;
  if (containsPattern(tokens, SENTENCE_DEFERRALS)) return found;
  // a condition or hedge governs the whole sentence: "If officers agree, the Council will pay"
  const sentence: SentenceQualifiers = {
    question,
    hedged: containsPattern(tokens, HEDGES),
    conditional: containsPattern(tokens, CONDITIONS),
  };
  let previousImperative = false;
  for (const [index, [from, to]] of clauses(tokens).entries()) {
    const clause = tokens.slice(from, to);
    // "…so that I could get reconnected (and pay a fee)": a clause opened by "and" carries on the
    // one before it, and is an order only if that one was
    const continuation = index > 0 && CONTINUATIONS.has(clause[0]?.lower ?? '');
    const commitments = clauseCommitments(clause, sentence, continuation && !previousImperative);
    previousImperative = commitments.some((commitment) => commitment.imperative);
    for (const commitment of commitments) {
      found.push({ ...commitment, start: commitment.start + from, end: commitment.end + from });
    }
  }
  return found;
}

const CONTINUATIONS = set('and or but then nor');

const CLAUSE_BREAKS = set('; : ( ) – —');
const COORDINATORS = set(', and but so then or');
const SUBJECT_STARTS = set('i we you they he she it officers the council please');

function clauses(tokens: readonly Token[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as Token;
    const next = tokens[index + 1];
    const breaks = CLAUSE_BREAKS.has(token.lower) || (COORDINATORS.has(token.lower) && next !== undefined && SUBJECT_STARTS.has(next.lower));
    if (breaks) {
      if (index > start) out.push([start, index]);
      start = index + 1;
    }
  }
  if (start < tokens.length) out.push([start, tokens.length]);
  return out;
}

interface SentenceQualifiers {
  readonly question: boolean;
  readonly hedged: boolean;
  readonly conditional: boolean;
}

function clauseCommitments(clause: readonly Token[], sentence: SentenceQualifiers, noImperative: boolean): Commitment[] {
  const found: Commitment[] = [];
  let head = 0;
  while (head < clause.length && LEAD.has((clause[head] as Token).lower)) head += 1;
  if (head >= clause.length) return found;

  const qualifiers = new Set<string>();
  let strength = 1;
  const weaken = (factor: number, why: string): void => {
    strength *= factor;
    qualifiers.add(why);
  };
  const headToken = clause[head] as Token;
  const question = sentence.question || (QUESTION_OPENERS.has(headToken.lower) && (SPEAKER.has(clause[head + 1]?.lower ?? '') || ADDRESSEE.has(clause[head + 1]?.lower ?? '')));
  if (question) weaken(0.5, 'put as a question');
  if (sentence.hedged) weaken(0.6, 'hedged');
  if (sentence.conditional) weaken(0.35, 'conditional');
  if (containsPattern(clause, DEFERRALS)) return found;

  const corporate = clause.some((token, index) => (token.lower === 'we' && index <= head + 1) || COUNCIL_WORDS.has(token.lower));
  const fixedSpans: Array<[number, number]> = [];
  for (const { kind, patterns } of FIXED) {
    for (const match of findPatterns(clause, patterns)) {
      if (negatedBefore(clause, head, match.start)) continue;
      fixedSpans.push([match.start, match.end]);
      found.push({ kind, start: match.start, end: match.end, strength, qualifiers: [...qualifiers], corporate, imperative: false });
    }
  }

  // a polite request ("please can you", "could you") is read as an imperative put as a question
  let verbAt = head;
  if (QUESTION_OPENERS.has(headToken.lower) && ADDRESSEE.has(clause[head + 1]?.lower ?? '')) verbAt = skipWhile(clause, head + 2, LEAD);
  const ordered = noImperative ? undefined : verbAt !== head ? imperative(clause, verbAt) : imperative(clause, head);
  const structural = ordered ?? (verbAt === head ? declarative(clause, head) : undefined);
  if (structural && !fixedSpans.some(([start, end]) => structural.start < end && structural.end > start)) {
    let structuralStrength = strength * structural.factor;
    const structuralQualifiers = new Set([...qualifiers, ...structural.qualifiers]);
    if (structural.kind === 'payment' && !structural.corporate && containsPattern(clause, PERSONAL)) return found;
    // "I will pay" may be the member's own money; "we" or "the Council" is not
    if (structural.kind === 'payment' && structural.singular && !corporate) {
      structuralStrength *= 0.7;
      structuralQualifiers.add('in the first person');
    }
    found.push({
      kind: structural.kind,
      start: structural.start,
      end: structural.end,
      strength: structuralStrength,
      qualifiers: [...structuralQualifiers],
      corporate: structural.corporate || corporate,
      imperative: structural === ordered,
    });
  }
  return found;
}

interface Structural {
  readonly kind: CommitmentKind;
  readonly start: number;
  readonly end: number;
  readonly factor: number;
  readonly qualifiers: readonly string[];
  readonly corporate: boolean;
  /** the subject is "I" */
  readonly singular?: boolean;
}

/** "Please proceed with the works", "Do not issue the notice", "Go ahead and order the bins". */
function imperative(clause: readonly Token[], head: number): Structural | undefined {
  let at = head;
  let negated = false;
  if (clause[at]?.lower === 'do' && clause[at + 1]?.lower === 'not') {
    negated = true;
    at += 2;
  } else if (clause[at]?.lower === 'never') {
    negated = true;
    at += 1;
  }
  const first = clause[at];
  if (!first) return undefined;
  // "go ahead (and|with) …" and "crack on" are go-aheads in themselves
  if ((first.lower === 'go' && clause[at + 1]?.lower === 'ahead') || (first.lower === 'crack' && clause[at + 1]?.lower === 'on')) {
    if (negated) return undefined;
    const after = at + 2;
    const followed = clause[after]?.lower;
    if (followed === 'and') {
      const chained = imperative(clause, after + 1);
      if (chained) return { ...chained, start: at };
    }
    if (followed === undefined || followed === 'with' || followed === '.' || followed === '!') {
      return { kind: 'instruction', start: at, end: Math.min(clause.length, after + 3), factor: 1, qualifiers: [], corporate: false };
    }
    return undefined;
  }
  // "carry out the works", "put up the signs", "take down the fence"
  if (['carry', 'put', 'take'].includes(first.lower) && ['out', 'up', 'down', 'away', 'in'].includes(clause[at + 1]?.lower ?? '')) {
    if (!hasObject(clause, at + 2, WORKS)) return undefined;
    return { kind: 'instruction', start: at, end: objectEnd(clause, at + 2, WORKS), factor: negated ? 0.8 : 1, qualifiers: negated ? ['a negative instruction'] : [], corporate: false };
  }
  const sense = VERBS.get(first.lower);
  if (!sense || !isBaseForm(first.lower)) return undefined;
  if (sense.negatedOnly) return undefined;
  // a bare imperative must look like one: the word after the verb is not a verb of its own
  const tags = partOfSpeech(clause.slice(at, at + 3).map((token) => token.text));
  if (tags[1] !== undefined && (tags[1] === 'MD' || tags[1] === 'VBZ' || tags[1] === 'VBD')) return undefined;
  // "Start date is Monday", "Order numbers are": the verb-looking word opens a noun phrase
  if (FINITE.has(clause[at + 1]?.lower ?? '') || FINITE.has(clause[at + 2]?.lower ?? '')) return undefined;
  if (!objectOk(clause, at + 1, sense)) return undefined;
  // "pay information", "refund policy": without an object list the next word must open an object
  if (!sense.objects && !sense.works && tags[1] !== undefined && !OBJECT_OPENER_TAGS.has(tags[1]) && clause[at + 1]?.lower !== '£') return undefined;
  if (negated && deferredUntil(clause, at)) return undefined;
  // "do not pay this charge" tells staff what to do with Council money rather than spending it
  const kind = negated && sense.kind === 'payment' ? 'instruction' : sense.kind;
  return {
    kind,
    start: at,
    end: sense.objects ? objectEnd(clause, at + 1, sense.objects) : Math.min(clause.length, at + 4),
    factor: negated ? 0.8 : 1,
    qualifiers: negated ? ['a negative instruction'] : [],
    corporate: false,
  };
}

/** "The Council will pay", "We accept your quote", "I hereby authorise", "the fee is waived". */
function declarative(clause: readonly Token[], head: number): Structural | undefined {
  // the subject runs to the first auxiliary or known verb
  let verbIndex = head;
  while (verbIndex < clause.length && verbIndex - head < 6) {
    const token = clause[verbIndex] as Token;
    if (AUX.has(token.lower) || VERBS.has(token.lower) || PERFORMATIVE.has(token.lower)) break;
    verbIndex += 1;
  }
  if (verbIndex === head || verbIndex >= clause.length) return undefined;
  const subjectTokens = clause.slice(head, verbIndex);
  const subject = subjectKind(subjectTokens);
  const headNoun = (subjectTokens[subjectTokens.length - 1] as Token).lower;

  let at = verbIndex;
  const auxiliaries: string[] = [];
  while (at < clause.length && AUX.has((clause[at] as Token).lower) && auxiliaries.length < 8) {
    auxiliaries.push((clause[at] as Token).lower);
    at += 1;
  }
  const mainVerb = clause[at];
  if (!mainVerb) return undefined;
  const negated = auxiliaries.some((word) => NEGATORS.has(word));
  const hedged = auxiliaries.some((word) => HEDGE_AUX.has(word));
  const firm = auxiliaries.length === 0 || auxiliaries.some((word) => FIRM_AUX.has(word));
  const qualifiers: string[] = [];
  let factor = 1;
  if (hedged) {
    factor *= 0.6;
    qualifiers.push('hedged');
  } else if (!firm && subject !== 'addressee') {
    factor *= 0.8;
    qualifiers.push('tentative');
  }

  // "I instruct you to withdraw the notice", "I need you to issue the licence", "we need to pay them"
  if ((subject === 'speaker' || subject === 'council') && PERFORMATIVE.has(mainVerb.lower)) {
    if (negated) return undefined;
    const toReader = clause[at + 1]?.lower === 'you';
    const infinitive = toReader ? at + 2 : at + 1;
    if (clause[infinitive]?.lower === 'to') {
      const action = imperative(clause, infinitive + 1);
      if (!action) return undefined;
      const selfDirected = !toReader;
      const asked = mainVerb.lower.startsWith('ask');
      return {
        kind: selfDirected && action.kind === 'instruction' ? 'promise' : action.kind,
        start: head,
        end: action.end,
        factor: factor * action.factor * (selfDirected ? 0.6 : asked ? 0.8 : 1),
        qualifiers: selfDirected ? [...qualifiers, 'an intention rather than a decision'] : qualifiers,
        corporate: subject === 'council' || headNoun === 'we',
      };
    }
    if (/^authori[sz]/.test(mainVerb.lower)) return { kind: 'authorisation', start: head, end: Math.min(clause.length, at + 4), factor, qualifiers, corporate: false };
    return undefined;
  }
  if (auxiliaries.some((word) => PAST_AUX.has(word))) return undefined;

  // passives: "you will be paid", "the fee is waived", "your application will be approved"
  const passive = auxiliaries.some((word) => BE.has(word)) ? PASSIVE_SENSES.get(mainVerb.lower) : undefined;
  if (passive) {
    if (negated) return undefined;
    const subjectOk = passive.subjects ? passive.subjects.has(headNoun) || (subject === 'addressee' && passive.kind === 'payment') : subject === 'addressee' || PASSIVE_LEAD_NOUNS.has(headNoun);
    if (!subjectOk) return undefined;
    const end = mainVerb.lower === 'written' && clause[at + 1]?.lower === 'off' ? at + 2 : at + 1;
    return { kind: passive.kind, start: head, end, factor, qualifiers, corporate: false };
  }

  const sense = VERBS.get(mainVerb.lower);
  if (!sense) return undefined;
  if (subject !== 'speaker' && subject !== 'council') return undefined;
  // past tense reports what happened, it does not commit anyone now
  if (!auxiliaries.some((word) => ['have', 'has'].includes(word)) && isPastForm(mainVerb.lower, clause, at)) return undefined;
  if (sense.negatedOnly) {
    if (!negated) return undefined;
    return { kind: 'promise', start: head, end: Math.min(clause.length, at + 3), factor, qualifiers, corporate: subject === 'council' || headNoun === 'we' };
  }
  if (negated) return undefined;
  if (!objectOk(clause, at + 1, sense)) return undefined;
  // "we start close next week" is not "we will start the works": a promise of works names them
  if (sense.works && !hasObject(clause, at + 1, WORKS)) return undefined;
  // "we have paid" reports a payment; "should have paid" regrets one
  const perfect = auxiliaries.some((word) => word === 'have' || word === 'has');
  if (perfect && (sense.kind === 'payment' || hedged)) return undefined;
  return {
    // "we will issue the licence": a promise of what the Council will do
    kind: sense.kind === 'instruction' ? 'promise' : sense.kind,
    singular: headNoun === 'i',
    start: head,
    end: sense.objects ? objectEnd(clause, at + 1, sense.objects) : Math.min(clause.length, at + 4),
    factor,
    qualifiers,
    corporate: subject === 'council' || headNoun === 'we',
  };
}

type SubjectKind = 'speaker' | 'council' | 'addressee' | 'other';

/**
 * Who the clause is about, read from the words just before the verb group: "I think the Council
 * will…" is about the Council, "the Council's contractor will…" about the contractor.
 */
function subjectKind(tokens: readonly Token[]): SubjectKind {
  const last = tokens[tokens.length - 1];
  if (!last) return 'other';
  if (SPEAKER.has(last.lower)) return 'speaker';
  if (ADDRESSEE.has(last.lower)) return 'addressee';
  if (COUNCIL_WORDS.has(last.lower)) return 'council';
  return 'other';
}

function isBaseForm(word: string): boolean {
  return BASE_FORMS.has(word);
}

function isPastForm(word: string, clause: readonly Token[], at: number): boolean {
  if (!/ed$/.test(word) && word !== 'paid' && word !== 'met') return false;
  const tag = partOfSpeech(clause.slice(Math.max(0, at - 2), at + 2).map((token) => token.text))[Math.min(2, at)];
  return tag === undefined || tag === 'VBD' || tag === 'VBN' || !isVerbTag(tag);
}

function hasObject(clause: readonly Token[], from: number, objects: ReadonlySet<string>): boolean {
  for (let index = from; index < Math.min(clause.length, from + OBJECT_WINDOW); index += 1) {
    if (objects.has((clause[index] as Token).lower)) return true;
  }
  return false;
}

function objectEnd(clause: readonly Token[], from: number, objects: ReadonlySet<string>): number {
  for (let index = from; index < Math.min(clause.length, from + OBJECT_WINDOW); index += 1) {
    if (objects.has((clause[index] as Token).lower)) return index + 1;
  }
  return Math.min(clause.length, from + 3);
}

function objectOk(clause: readonly Token[], from: number, sense: Sense): boolean {
  if (sense.notObjects?.has(clause[from]?.lower ?? '') || sense.notObjects?.has(clause[from + 1]?.lower ?? '')) return false;
  if (sense.objects) return hasObject(clause, from, sense.objects);
  // "proceed" alone, or "proceed with …", but not "proceed to the next step"
  const next = clause[from]?.lower;
  if (sense.works && sense.kind === 'instruction') return next === undefined || next === 'with' || next === 'now' || next === 'immediately' || next === '.' || next === '!' || next === 'asap';
  return true;
}

function negatedBefore(clause: readonly Token[], from: number, at: number): boolean {
  for (let index = Math.max(from, at - 4); index < at; index += 1) if (NEGATORS.has((clause[index] as Token).lower)) return true;
  return false;
}

function deferredUntil(clause: readonly Token[], at: number): boolean {
  for (let index = at; index < clause.length; index += 1) {
    if (['until', 'unless', 'before', 'pending'].includes((clause[index] as Token).lower)) return true;
  }
  return false;
}

function skipWhile(clause: readonly Token[], from: number, words: ReadonlySet<string>): number {
  let at = from;
  while (at < clause.length && words.has((clause[at] as Token).lower)) at += 1;
  return at;
}
