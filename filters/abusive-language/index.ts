import { z } from 'zod';
import { FILTER_ACTIONS } from '../../src/config/schema.js';
import type { Directory } from '../../src/directory.js';
import type { Evidence, EvidenceLocation, Filter, FilterContext, Finding, Severity } from '../../src/finding.js';
import type { Party, ScreenedMessage } from '../../src/message/model.js';
import { CATEGORIES, CATEGORY_INFO, type Category } from './categories.js';
import { namesOf, type PersonNames, type Target } from './context.js';
import { analyseText, textScore, type Cue, type DetectorSettings, type SentenceAnalysis } from './detector.js';
import { decodeVocabulary } from './lexicon.js';
import { shippedModel, type AbuseModel } from './model.js';
import { tokenize } from './text.js';

/**
 * Abusive language between members and officers (protocol paras 3.8, 21.9.3, 10.2.1): threats,
 * threats to someone's job, personal attacks, discriminatory and sexual remarks, swearing,
 * demeaning forms of address, public undermining and pressure on professional advice; and, when a
 * council turns them on, contempt for someone's work (21.9.1) and shouting.
 *
 * Reads the sender's new text (not quoted replies or signatures) and the subject of a new
 * thread, sentence by sentence. Lexicons and phrase patterns find candidates; the context analysis
 * decides who a remark is aimed at and whether the writer negates, quotes or reports it; a trained
 * model (filters/abusive-language/model.json) adjusts each score and can raise a personal attack on its own when very
 * sure. One finding per category, with every sentence that counted as evidence.
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
  modelOnlyThreshold: z
    .number()
    .min(0.5)
    .max(1)
    .default(0.9)
    .describe('a sentence aimed at a person that the trained model alone rates at least this offensive is a personal attack; 1 turns this off'),
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
      "swearing aimed at no one (profanity), insults about people no one can identify ('some idiot', 'those bastards') and contempt for a thing ('this is stupid') are reported only in mail " +
        "to a member, officer or council address ('council'; the protocol governs dealings between members and officers), or in any mail ('anyone'). " +
        'Swearing or insults aimed at the reader or a person are reported whoever the mail is to',
    ),
  unaimedInsultThreshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.65)
    .describe(
      "an insult about people no one can identify ('some idiot got infected', 'those bastards') is a personal attack only from this score, " +
        'as well as the personal-attack threshold: such remarks are aimed at no one the protocol protects unless the trained model is also fairly sure',
    ),
});

export type AbusiveLanguageOptions = z.infer<typeof abusiveLanguageOptions>;

/** Every option at its default: what a policy file without this filter's section gets. */
export const DEFAULT_OPTIONS: AbusiveLanguageOptions = abusiveLanguageOptions.parse({});

type CategorySettings = AbusiveLanguageOptions['categories'][Category];

/** the roles whose mail the protocol covers */
const COUNCIL_ROLES = new Set(['member', 'officer', 'monitoring-officer', 'council', 'enquiries-mailbox', 'press-mailbox', 'mailing-list']);
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
  screen(message: ScreenedMessage, context: FilterContext<AbusiveLanguageOptions>): Finding[] {
    // the loader fills every default; a context built by hand gets them here
    const options: AbusiveLanguageOptions = { ...DEFAULT_OPTIONS, ...context.options };
    const sender = message.sender ?? message.from[0];
    if (options.senders === 'council' && !sender?.roles.some((role) => COUNCIL_ROLES.has(role))) return [];
    const settings: DetectorSettings = { names: namesFor(context.directory, message), model: model(), modelOnlyThreshold: options.modelOnlyThreshold };
    const audience = publicAudience(message, context.directory, options.publicAudienceMembers);
    const undirectedCounts = options.undirectedRecipients === 'anyone' || [...message.recipients, ...message.to, ...message.cc].some((party) => party.roles.some((role) => COUNCIL_ROLES.has(role)));
    const hits = new Map<Category, Hit[]>();
    for (const segment of segmentsOf(message, options.screenSubject, options.maxScreenedChars)) {
      for (const sentence of analyseText(segment.text, settings)) {
        if (sentence.cues.length === 0 && !(audience && sentence.criticism)) continue;
        const evidence: Evidence = {
          location: segment.location,
          text: segment.text.slice(sentence.start, sentence.end),
          start: segment.base + sentence.start,
          end: segment.base + sentence.end,
        };
        // set aside before choosing each category's best cue, so an unaimed insult cannot hide an aimed one
        const counted = sentence.cues.filter((cue) => !(isUnaimedInsult(cue) && cue.score < options.unaimedInsultThreshold) && (undirectedCounts || !isUndirected(cue)));
        for (const cue of cuesToReport({ ...sentence, cues: counted }, audience)) {
          const setting: CategorySettings = options.categories[cue.category];
          if (!setting.enabled || cue.score < setting.threshold) continue;
          const list = hits.get(cue.category) ?? [];
          const sameSentence = list.findIndex((hit) => hit.evidence.start === evidence.start && hit.evidence.location === evidence.location);
          if (sameSentence < 0) list.push({ cue, evidence });
          else if ((list[sameSentence] as Hit).cue.score < cue.score) list[sameSentence] = { cue, evidence };
          hits.set(cue.category, list);
        }
      }
    }
    const findings: Finding[] = [];
    for (const category of CATEGORIES) {
      const list = hits.get(category);
      if (list && list.length > 0) findings.push(findingOf(category, list, options.maxEvidence, audience));
    }
    return findings;
  },
};

/** an insult about someone no one can identify: "some idiot", "those bastards", "morons" */
function isUnaimedInsult(cue: Cue): boolean {
  return cue.category === 'personal-attack' && (cue.target === 'implicit' || cue.target === 'plural');
}

/** language aimed at no one the message is to or about: undirected swearing, unaimed insults, contempt for a thing */
function isUndirected(cue: Cue): boolean {
  return cue.category === 'profanity' || isUnaimedInsult(cue) || (cue.category === 'discourtesy' && (cue.target === 'situation' || cue.target === 'none'));
}

/** The sentence's cues, one per category, plus public undermining when the audience is public. */
function cuesToReport(sentence: SentenceAnalysis, audience: string | undefined): Cue[] {
  const best = new Map<Category, Cue>();
  for (const cue of sentence.cues) {
    const current = best.get(cue.category);
    if (!current || cue.score > current.score) best.set(cue.category, cue);
  }
  if (audience && sentence.criticism) {
    const current = best.get('public-undermining');
    if (!current || sentence.criticism.score > current.score) best.set('public-undermining', { ...sentence.criticism, category: 'public-undermining', label: `criticism of a person ${audience}` });
  }
  return [...best.values()];
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };
const TARGET_WORDS: Readonly<Record<Target, string>> = {
  you: ' aimed at the reader',
  vocative: ' addressed to the reader',
  named: ' aimed at a named person',
  person: ' aimed at a person',
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
  const quoted = cue.matched.length > 120 ? `${cue.matched.slice(0, 117)}...` : cue.matched;
  const more = hits.length > 1 ? ` (${hits.length} sentences)` : '';
  const where = category === 'public-undermining' && audience && !cue.label.includes(audience) ? ` ${audience}` : '';
  const modelNote = cue.label.includes('trained model') ? ` (model ${model().version}, ${cue.score.toFixed(2)})` : '';
  return {
    filter: ID,
    rule: info.rule,
    severity,
    score: Math.round(cue.score * 100) / 100,
    protocolRef: info.protocolRef,
    evidence: hits.slice(0, maxEvidence).map((hit) => hit.evidence),
    explanation: `${label}${TARGET_WORDS[cue.target]}${where}: "${quoted}"${modelNote}${more}.`,
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
 * corpora: `flagged` when any enabled category reaches its threshold, `score` for ranking. The
 * text is treated as mail between council colleagues, so `undirectedRecipients` does not apply.
 */
export function scoreText(text: string, options: AbusiveLanguageOptions = DEFAULT_OPTIONS, names: PersonNames = namesOf([])): { flagged: Category[]; score: number } {
  const settings: DetectorSettings = { names, model: model(), modelOnlyThreshold: options.modelOnlyThreshold, rateEverySentence: true };
  const flagged = new Set<Category>();
  const threshold = (category: Category): number => (options.categories[category].enabled ? options.categories[category].threshold : 2);
  const screened = text.slice(0, options.maxScreenedChars);
  const analyses = analyseText(screened, settings).map((sentence) => ({
    ...sentence,
    // below its own threshold an unaimed insult is not reported, so it does not rank the text as one
    cues: sentence.cues.map((cue) => (isUnaimedInsult(cue) && cue.score < options.unaimedInsultThreshold ? { ...cue, score: Math.min(cue.score, threshold(cue.category) - 0.001) } : cue)),
  }));
  for (const sentence of analyses) {
    for (const cue of sentence.cues) if (cue.score >= threshold(cue.category)) flagged.add(cue.category);
  }
  const whole = model().probability(tokenize(screened, decodeVocabulary()));
  return { flagged: [...flagged], score: textScore(analyses, whole, threshold) };
}
