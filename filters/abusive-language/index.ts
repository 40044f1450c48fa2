import { z } from 'zod';
import { FILTER_ACTIONS } from '../../src/config/schema.js';
import type { Directory } from '../../src/directory.js';
import type { Evidence, EvidenceLocation, Filter, FilterContext, Finding, Severity } from '../../src/finding.js';
import type { MessageParties, Party, ScreenedMessage } from '../../src/message/model.js';
import { CATEGORIES, CATEGORY_INFO, type Category } from './categories.js';
import { namesOf, type PersonNames, type Target } from './context.js';
import { analyseText, type Cue, type DetectorSettings, type SentenceAnalysis, type SuppressionReason } from './detector.js';
import { shippedModel, type AbuseModel } from './model.js';

/**
 * Abusive language between members and officers (protocol paras 3.8, 21.9.3, 10.2.1): threats,
 * threats to someone's job, personal attacks, discriminatory and sexual remarks, swearing,
 * demeaning forms of address, public undermining and pressure on professional advice; and, when a
 * council turns them on, contempt for someone's work (21.9.1) and shouting.
 *
 * Reads the sender's new text (not quoted replies or signatures) and the subject of a new
 * thread, sentence by sentence and two adjacent sentences at a time. Lexicons and phrase patterns
 * find cues; the context analysis decides who a remark is aimed at and whether the writer negates,
 * quotes or reports it; the trained model (model.json) rates each sentence aimed at someone and
 * names the behaviour. One finding per category, with every sentence that counted as evidence.
 * TAXONOMY.md defines the categories.
 */

const ID = 'abusive-language';

const categorySettingsSchema = (category: Category) => {
  const info = CATEGORY_INFO[category];
  const defaults = { enabled: info.enabledByDefault, threshold: info.threshold };
  return z
    .strictObject({
      enabled: z.boolean().default(info.enabledByDefault).describe(`report ${info.rule} findings`),
      threshold: z.number().min(0).max(1).default(info.threshold).describe('findings scoring below this (0..1) are not reported'),
      action: z.enum(FILTER_ACTIONS).optional().describe("what a finding in this category does to the message; absent = the filter's action"),
    })
    .default(defaults)
    .describe(info.description);
};

const categoriesShape = Object.fromEntries(CATEGORIES.map((category) => [category, categorySettingsSchema(category)])) as {
  [K in Category]: ReturnType<typeof categorySettingsSchema>;
};

const DEFAULT_CATEGORIES = Object.fromEntries(
  CATEGORIES.map((category) => [category, { enabled: CATEGORY_INFO[category].enabledByDefault, threshold: CATEGORY_INFO[category].threshold }]),
) as Record<Category, { enabled: boolean; threshold: number }>;

/** A key earlier versions read: still accepted, so existing policy files load, and ignored. */
function retiredOption(why: string) {
  return z.number().min(0).max(1).optional().describe(`no longer used (was ${why})`);
}

export const abusiveLanguageOptions = z.object({
  categories: z
    .strictObject(categoriesShape)
    .default(DEFAULT_CATEGORIES)
    .describe('per category: enabled, threshold (0..1) and action (tag|flag|hold|reject, default the filter action)'),
  senders: z
    .enum(['council', 'anyone'])
    .default('council')
    .describe("whose mail is screened: 'council' = members, officers and council addresses (the protocol's scope); 'anyone' adds the public"),
  screenSubject: z.boolean().default(true).describe('screen the subject line too (not for replies and forwards, whose subject is not new text)'),
  maxScreenedChars: z
    .number()
    .int()
    .min(1_000)
    .max(200_000)
    .default(20_000)
    .describe("only this many characters of the sender's new text are screened, to bound the work per message"),
  modelOnlyThreshold: retiredOption('0.9: the trained model now rates every sentence, and each category threshold applies to its rating'),
  publicAudienceMembers: z
    .number()
    .int()
    .min(2)
    .default(3)
    .describe('a message to at least this many members, to the all-members list or to a media address is public: criticism of a person in it is public undermining'),
  maxEvidence: z.number().int().min(1).max(50).default(5).describe('sentences quoted as evidence per finding'),
  undirectedRecipients: z
    .enum(['council', 'anyone'])
    .default('council')
    .describe(
      "swearing aimed at no one (profanity) and contempt for a thing ('this is stupid') are reported only in mail " +
        "to a member, officer or council address ('council'; the protocol governs dealings between members and officers), or in any mail ('anyone'). " +
        'Swearing or insults aimed at the reader or a person are reported whoever the mail is to',
    ),
  unaimedInsultThreshold: retiredOption('0.65: the trained model now weighs who an insult is aimed at'),
});

export type AbusiveLanguageOptions = z.infer<typeof abusiveLanguageOptions>;

/** Every option at its default: what a policy file without this filter's section gets. */
export const DEFAULT_OPTIONS: AbusiveLanguageOptions = abusiveLanguageOptions.parse({});

type CategorySettings = AbusiveLanguageOptions['categories'][Category];

/** the roles whose mail the protocol covers */
const COUNCIL_ROLES = new Set(['member', 'officer', 'monitoring-officer', 'council', 'enquiries-mailbox', 'press-mailbox', 'mailing-list']);
/** whether the `senders` option covers who wrote the message */
function screensSender(parties: MessageParties, options: AbusiveLanguageOptions): boolean {
  const sender = parties.sender ?? parties.from[0];
  return options.senders === 'anyone' || (sender?.roles.some((role) => COUNCIL_ROLES.has(role)) ?? false);
}

const REPLY_PREFIX = /^\s*(re|fw|fwd|aw|sv|wg)\s*(\[\d+\])?\s*:/i;

// read on first use (or by prepare() in the screening worker): code that only validates the
// policy file imports this module and should not read the model file
const model = (): AbuseModel => shippedModel();
const namesByDirectory = new WeakMap<Directory, PersonNames>();

/** A piece of text screened as one: the subject, or one stretch of the sender's new text. */
interface Segment {
  readonly location: EvidenceLocation;
  readonly text: string;
  /** where `text` starts within its field */
  readonly base: number;
}

interface Hit {
  readonly cue: Cue;
  readonly evidence: Evidence;
}

export const abusiveLanguageFilter: Filter<AbusiveLanguageOptions> = {
  id: ID,
  title: 'Abusive language: threats, personal attacks, discriminatory or sexual remarks, swearing, demeaning address',
  protocolRefs: ['3.8', '21.9.3', '10.2.1'],
  rules: CATEGORIES.map((category) => ({ code: CATEGORY_INFO[category].rule, description: CATEGORY_INFO[category].description, severity: CATEGORY_INFO[category].severity })),
  optionsSchema: abusiveLanguageOptions,
  prepare() {
    // a missing or broken model stops the worker at start, not on the first message
    model();
  },
  scope(parties: MessageParties, context: FilterContext<AbusiveLanguageOptions>): boolean {
    return screensSender(parties, { ...DEFAULT_OPTIONS, ...context.options });
  },
  screen(message: ScreenedMessage, context: FilterContext<AbusiveLanguageOptions>): Finding[] {
    // the loader fills every default; a context built by hand gets them here
    const options: AbusiveLanguageOptions = { ...DEFAULT_OPTIONS, ...context.options };
    if (!screensSender(message, options)) return [];
    const settings: DetectorSettings = { names: namesFor(context.directory, message), model: model() };
    const audience = publicAudience(message, context.directory, options.publicAudienceMembers);
    const undirectedCounts = options.undirectedRecipients === 'anyone' || [...message.recipients, ...message.to, ...message.cc].some((party) => party.roles.some((role) => COUNCIL_ROLES.has(role)));
    const hits = new Map<Category, Hit[]>();
    for (const segment of segmentsOf(message, options.screenSubject, options.maxScreenedChars)) {
      const record = (span: SentenceAnalysis, found: readonly Cue[]): void => {
        const evidence: Evidence = { location: segment.location, text: segment.text.slice(span.start, span.end), start: segment.base + span.start, end: segment.base + span.end };
        for (const cue of found) {
          const list = hits.get(cue.category) ?? [];
          list.push({ cue, evidence });
          hits.set(cue.category, list);
        }
      };
      const { sentences, pairs } = analyseText(segment.text, settings);
      const rated = sentences.map((sentence) => {
        const found = sentenceCues(sentence, options, audience, undirectedCounts);
        record(sentence, found.cues);
        return found.byModel;
      });
      // two sentences together count only for what neither says alone
      pairs.forEach((pair, i) => {
        if (rated[i] || rated[i + 1]) return;
        const found = sentenceCues(pair, options, audience, undirectedCounts);
        if (found.byModel) record(pair, found.cues);
      });
    }
    const findings: Finding[] = [];
    for (const category of CATEGORIES) {
      const list = hits.get(category);
      if (list && list.length > 0) findings.push(findingOf(category, list, options.maxEvidence, audience));
    }
    return findings;
  },
};

/**
 * Categories the rules decide on their own: swearing aimed at no one, a form of address, shouting
 * and contempt are in the words and the typography, and public undermining is in who the mail is
 * to. Every other category is the trained model's, whether the sentence is abusive and what kind,
 * and also the rules' where they are sure: a listed threat, slur, smear of a group or insult aimed
 * at someone is reported as the rules found it.
 */
const RULE_CATEGORIES: ReadonlySet<Category> = new Set(['profanity', 'demeaning-address', 'shouting', 'discourtesy']);

/** reasons the context analysis sets a cue aside that the model's reading of the whole sentence may not overrule */
const DEFERRED_TO_CONTEXT: ReadonlySet<SuppressionReason> = new Set(['quoted', 'reported', 'negated', 'about the writer']);

function isContemptForWork(cue: Cue): boolean {
  return cue.category === 'discourtesy' && (cue.target === 'situation' || cue.target === 'none');
}

/** a rule's own finding in one of the model's categories counts when it is aimed: an insult about people no one can identify ("some idiot") needs the model too */
function isSureRule(cue: Cue): boolean {
  return cue.category !== 'personal-attack' || cue.target === 'you' || cue.target === 'vocative' || cue.target === 'named' || cue.target === 'person';
}

/** Language aimed at no one the message is to or about: undirected swearing, contempt for a thing. */
function isUndirected(cue: Cue): boolean {
  return cue.category === 'profanity' || (cue.category === 'discourtesy' && (cue.target === 'situation' || cue.target === 'none'));
}

/**
 * What one sentence (or pair) shows, at most one cue per category, each enabled and at its
 * threshold; `byModel` when the model's reading is among them.
 */
function sentenceCues(sentence: SentenceAnalysis, options: AbusiveLanguageOptions, audience: string | undefined, undirectedCounts: boolean): { cues: Cue[]; byModel: boolean } {
  const best = new Map<Category, Cue>();
  const consider = (cue: Cue): boolean => {
    const setting: CategorySettings = options.categories[cue.category];
    if (!setting.enabled || cue.score < setting.threshold || (!undirectedCounts && isUndirected(cue))) return false;
    const current = best.get(cue.category);
    if (!current || cue.score > current.score) best.set(cue.category, cue);
    return true;
  };
  let ruled = false;
  for (const cue of sentence.cues) {
    if (RULE_CATEGORIES.has(cue.category)) consider(cue);
    else if (isSureRule(cue)) ruled = consider(cue) || ruled;
  }
  if (audience && sentence.criticism) consider({ ...sentence.criticism, category: 'public-undermining', label: `criticism of a person ${audience}` });
  if (!sentence.aimed || sentence.probability < modelFloor(options)) return { cues: [...best.values()], byModel: false };
  // where a rule already says what the abuse is, the model's reading adds nothing but a second name for it
  if (ruled) return { cues: [...best.values()], byModel: true };
  // the context analysis has the last word on what it set aside (someone else's words, a denial,
  // a writer running themselves down),
  // and contempt for a piece of work is discourtesy, which a council chooses whether to report
  if (sentence.suppressed.some((item) => DEFERRED_TO_CONTEXT.has(item.reason)) || sentence.cues.some(isContemptForWork)) return { cues: [...best.values()], byModel: false };
  const modelCue = modelCueOf(sentence);
  const byModel = modelCue !== undefined && consider(modelCue);
  return { cues: [...best.values()], byModel };
}

const floors = new WeakMap<AbusiveLanguageOptions['categories'], number>();

/** the lowest threshold of an enabled category the model reports: below it, what kind of abuse a sentence shows is not worked out */
function modelFloor(options: AbusiveLanguageOptions): number {
  let floor = floors.get(options.categories);
  if (floor === undefined) {
    floor = Math.min(...CATEGORIES.filter((category) => !RULE_CATEGORIES.has(category) && options.categories[category].enabled).map((category) => options.categories[category].threshold), 1);
    floors.set(options.categories, floor);
  }
  return floor;
}

/** The model's reading of a sentence it rates abusive: the most likely category, explained by the rule that saw the same, if one did. */
function modelCueOf(sentence: SentenceAnalysis): Cue | undefined {
  // discrimination is about a protected characteristic: a sentence that names none is read as its next most likely kind
  const top = sentence.categories().find(([category]) => category !== 'discriminatory' || sentence.characteristic);
  if (!top) return undefined;
  // the model hears swearing; whether it is aimed at someone is the sentence's structure
  const category = top[0] === 'profanity' && sentence.addressed ? 'profanity-at-person' : top[0];
  const info = CATEGORY_INFO[category];
  const rule = sentence.cues.filter((cue) => cue.category === category).sort((a, b) => b.score - a.score)[0];
  const target = rule?.target ?? sentence.cues.find((cue) => cue.target !== 'none')?.target ?? (sentence.aboutPerson ? 'person' : 'none');
  return { category, score: sentence.probability, severity: info.severity, label: rule?.label ?? info.behaviour, matched: rule?.matched ?? '', target, byModel: true };
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };
const TARGET_WORDS: Readonly<Record<Target, string>> = {
  you: ' aimed at the reader',
  vocative: ' addressed to the reader',
  named: ' aimed at a named person',
  person: ' about a person',
  plural: ' aimed at people',
  implicit: ' about an unnamed person',
  self: '',
  situation: '',
  none: '',
};

function findingOf(category: Category, hits: readonly Hit[], maxEvidence: number, audience: string | undefined): Finding {
  const info = CATEGORY_INFO[category];
  let strongest = hits[0] as Hit;
  let severity: Severity = 'low';
  for (const hit of hits) {
    if (hit.cue.score > strongest.cue.score) strongest = hit;
    if (SEVERITY_RANK[hit.cue.severity] > SEVERITY_RANK[severity]) severity = hit.cue.severity;
  }
  const { cue } = strongest;
  const label = cue.label.charAt(0).toUpperCase() + cue.label.slice(1);
  const said = cue.matched || strongest.evidence.text;
  const quoted = said.length > 120 ? `${said.slice(0, 117)}...` : said;
  const more = hits.length > 1 ? ` (${hits.length} sentences)` : '';
  const where = category === 'public-undermining' && audience && !cue.label.includes(audience) ? ` ${audience}` : '';
  const rated = cue.byModel ? ` (model ${model().version}, ${cue.score.toFixed(2)})` : '';
  return {
    filter: ID,
    rule: info.rule,
    severity,
    score: Math.round(cue.score * 100) / 100,
    protocolRef: info.protocolRef,
    evidence: hits.slice(0, maxEvidence).map((hit) => hit.evidence),
    explanation: `${label}${TARGET_WORDS[cue.target]}${where}: "${quoted}"${rated}${more}.`,
  };
}

/** The subject of a new thread, then each stretch of new text, within the character budget. */
function segmentsOf(message: ScreenedMessage, screenSubject: boolean, budget: number): Segment[] {
  const segments: Segment[] = [];
  let remaining = budget;
  if (screenSubject && message.subject.trim() && !REPLY_PREFIX.test(message.subject)) {
    const text = message.subject.slice(0, Math.min(1_000, remaining));
    segments.push({ location: 'subject', text, base: 0 });
    remaining -= text.length;
  }
  for (const span of message.text.newSpans) {
    if (remaining <= 0) break;
    const end = Math.min(span.end, span.start + remaining);
    for (const [from, to] of ownLines(message.text.body, span.start, end)) segments.push({ location: 'body', text: message.text.body.slice(from, to), base: from });
    remaining -= end - span.start;
  }
  return segments;
}

/** "ALB> God bless us…", "bmn> …": a line quoted from an earlier message under the writer's initials */
const INITIALS_QUOTE = /^[ \t]{0,3}[A-Za-z&]{1,5}>/;

/** The stretches of [start, end) that are not lines quoted under someone's initials. */
function ownLines(body: string, start: number, end: number): Array<readonly [number, number]> {
  const stretches: Array<[number, number]> = [];
  let lineStart = start;
  let open = start;
  while (lineStart < end) {
    const newline = body.indexOf('\n', lineStart);
    const lineEnd = newline < 0 || newline >= end ? end : newline + 1;
    if (INITIALS_QUOTE.test(body.slice(lineStart, Math.min(lineEnd, lineStart + 12)))) {
      if (lineStart > open) stretches.push([open, lineStart]);
      open = lineEnd;
    }
    lineStart = lineEnd;
  }
  if (end > open) stretches.push([open, end]);
  return stretches;
}

function namesFor(directory: Directory, message: ScreenedMessage): PersonNames {
  let names = namesByDirectory.get(directory);
  if (!names) {
    names = namesOf(directory.listPeople());
    namesByDirectory.set(directory, names);
  }
  const outsiders = [...message.to, ...message.cc].filter((party) => !party.person && party.displayName && party.roles.includes('external'));
  if (outsiders.length === 0) return names;
  // people outside the directory are known by the display names the message itself gives them
  const extra = namesOf(outsiders.map((party) => ({ name: party.displayName ?? '' })));
  return { single: new Set([...names.single, ...extra.single]), full: new Set([...names.full, ...extra.full]) };
}

/** Why the message counts as public, or undefined: the press, the all-members list, many members. */
export function publicAudience(message: ScreenedMessage, directory: Directory, minMembers: number): string | undefined {
  const parties: Party[] = [...message.recipients, ...message.to, ...message.cc];
  const media = parties.find((party) => party.roles.includes('media'));
  if (media) return `copied to the press (${media.address})`;
  const sender = message.sender ?? message.from[0];
  // a member copying their own other address is not an audience
  const isSender = (address: string, person: string | undefined): boolean => address === sender?.address || (person !== undefined && person === sender?.person);
  const members = new Set<string>();
  for (const party of parties) {
    if (party.roles.includes('member') && !isSender(party.address, party.person)) members.add(party.person ?? party.address);
    for (const expanded of directory.expand(party.address)) {
      const name = directory.lookup(expanded)?.name;
      if (directory.has(expanded, 'member') && !isSender(expanded, name)) members.add(name ?? expanded);
    }
  }
  return members.size >= minMembers ? `before ${members.size} members` : undefined;
}

/**
 * Scores a plain piece of text the way the filter would, for measuring the detector on labelled
 * corpora: `flagged` when any enabled category reaches its threshold, `score` for ranking (the
 * highest of the model's sentence ratings and the reported rule cues). The text is treated as mail
 * between council colleagues, so `undirectedRecipients` does not apply.
 */
export function scoreText(text: string, options: AbusiveLanguageOptions = DEFAULT_OPTIONS, names: PersonNames = namesOf([])): { flagged: Category[]; score: number } {
  const settings: DetectorSettings = { names, model: model(), rateEverySentence: true };
  const flagged = new Set<Category>();
  let score = 0;
  const { sentences, pairs } = analyseText(text.slice(0, options.maxScreenedChars), settings);
  for (const sentence of [...sentences, ...pairs]) {
    score = Math.max(score, sentence.probability);
    for (const cue of sentenceCues(sentence, options, undefined, true).cues) {
      flagged.add(cue.category);
      score = Math.max(score, cue.score);
    }
  }
  return { flagged: [...flagged], score };
}
