import { z } from 'zod';
import { normaliseAddress, type Directory } from '../../src/directory.js';
import type { Evidence, Filter, Finding, RuleDeclaration, Severity } from '../../src/finding.js';
import type { ScreenedMessage } from '../../src/message/model.js';
import { findCommitments, type Commitment, type CommitmentKind } from './commitment.js';
import { obligationKind, obligationWords, shippedObligationModel } from './obligation-model.js';
import { preparePartOfSpeech } from '../shared/part-of-speech.js';
import { findPeople, politicalNames, TITLES, type PoliticalNames } from '../shared/political-names.js';
import { insideAny } from '../shared/quotations.js';
import { compilePatterns, containsPattern } from '../shared/token-pattern.js';
import { evidenceFrom, readSentences, sentenceEvidence, textSources, type ReadSentence, type TextSource } from '../shared/text-sources.js';
import { tokenise, type Token } from '../shared/tokens.js';

/**
 * Letters and e-mails in a member's name that create obligations or give instructions on the
 * Council's behalf (Member/Officer Protocol 10.1.3, 21.12.2; parish protocol 8.1): only officers
 * with delegated powers may commit the Council.
 */
const optionsSchema = z.object({
  readAttachments: z
    .boolean()
    .default(true)
    .describe('also read attached letters (.docx, .pdf, plain text) and judge them by whose name they are signed in'),
  exemptExecutiveDecisions: z
    .boolean()
    .default(true)
    .describe('an executive (cabinet) member citing a decision reference (e.g. "Decision ref CAB/2027/014") is acting on a recorded decision: not a finding'),
});
type ObligationOptions = z.infer<typeof optionsSchema>;

interface RuleInfo extends RuleDeclaration {
  readonly protocolRef: string;
  /** what the member appears to do, completing "appears to …" */
  readonly does: string;
  readonly base: number;
}

const RULES: Record<string, RuleInfo> = {
  COMMITS_COUNCIL_MONEY: {
    code: 'COMMITS_COUNCIL_MONEY',
    description: 'commits Council money: "the Council will pay", "we will cover the cost", "invoice the Council"',
    severity: 'high',
    protocolRef: '10.1.3',
    does: 'commit Council money',
    base: 0.8,
  },
  ACCEPTS_QUOTE_OR_CONTRACT: {
    code: 'ACCEPTS_QUOTE_OR_CONTRACT',
    description: 'accepts a quote or tender or confirms a contract: "we accept your quote", "you have the contract"',
    severity: 'high',
    protocolRef: '10.1.3',
    does: 'accept a quote or confirm a contract on the Council\'s behalf',
    base: 0.85,
  },
  PURCHASE_ORDER: {
    code: 'PURCHASE_ORDER',
    description: 'raises or promises a purchase order: "PO to follow", "purchase order 4471"',
    severity: 'high',
    protocolRef: '10.1.3',
    does: 'raise or promise a purchase order',
    base: 0.85,
  },
  INSTRUCTS_CONTRACTOR: {
    code: 'INSTRUCTS_CONTRACTOR',
    description: 'tells a contractor or supplier to act: "please proceed with the works", "go ahead and order"',
    severity: 'high',
    protocolRef: '21.12.2',
    does: 'instruct a contractor or supplier',
    base: 0.8,
  },
  INSTRUCTS_STAFF: {
    code: 'INSTRUCTS_STAFF',
    description: 'instructs officers on a matter for them: "issue the licence", "withdraw the notice", "change your report"',
    severity: 'medium',
    protocolRef: '21.12.2',
    does: 'instruct officers on the Council\'s behalf',
    base: 0.7,
  },
  AUTHORISES_WORKS_OR_SPEND: {
    code: 'AUTHORISES_WORKS_OR_SPEND',
    description: 'authorises works or spending: "I authorise", "you can proceed with the works", "treat this as your instruction"',
    severity: 'high',
    protocolRef: '10.1.3',
    does: 'authorise works or spending',
    base: 0.8,
  },
  PROMISES_OR_WAIVES: {
    code: 'PROMISES_OR_WAIVES',
    description: 'promises an outcome or waives enforcement: "your application will be approved", "the fee is waived", "the Council will not enforce"',
    severity: 'medium',
    protocolRef: '10.1.3',
    does: 'promise a Council decision or waive enforcement',
    base: 0.7,
  },
  SPEAKS_FOR_COUNCIL: {
    code: 'SPEAKS_FOR_COUNCIL',
    description: 'writes "on behalf of the Council" or reports a Council decision with no decision reference',
    severity: 'low',
    protocolRef: '8.1',
    does: 'speak for the Council',
    base: 0.55,
  },
};

/** findings scoring below this are noise, not evidence worth a reviewer's time */
const NOISE_FLOOR = 0.2;
/** excerpts kept per finding */
const MAX_EXCERPTS = 3;
/** closing lines searched for the name a letter is signed in */
const SIGNATURE_LINES = 8;

const PERSONAL_CAPACITY = compilePatterns([
  '(personal|private) capacity',
  'as a private (individual|citizen|resident|person)',
  'speaking (personally|privately)',
  'not (as|in) (my|a|your)? (capacity|role)? (as)? (a|your|the)? (councillor|member|cllr)',
  'not on behalf of the (council|authority)',
  'rather than as (a|your|the)? (ward)? (councillor|member)',
  'as a (local)? (resident|parent|neighbour|homeowner) (rather|not|and)',
  'wearing my _ hat',
]);
// a decision reference: "Decision ref CAB/2027/014", "Minute 47", "record of decision"
// single optional spaces only: no two adjacent unbounded runs, so no backtracking blow-up
const DECISION_REFERENCE = /\b(?:decision|resolution|minute)\s(?:(?:ref(?:erence)?|no|number)[.:]?\s?)?[:#]?\s?[A-Z]{0,6}[/-]?\d{1,6}|\brecord of (?:cabinet |executive |delegated )?decision\b/i;
const MONEY = /[£$€]\s?\d|\b\d[\d,.]*\s?(?:k|pounds|gbp)\b/i;

interface Author {
  readonly person: string;
  readonly executive: boolean;
  readonly how: 'address' | 'signature';
  readonly evidence: Evidence;
}

interface Candidate {
  readonly rule: RuleInfo;
  readonly score: number;
  readonly sentence: ReadSentence;
  readonly commitment: Commitment;
  /** the obligation model's probability, when the model rather than a listed shape found it */
  readonly byModel?: number;
}

export const obligation: Filter<ObligationOptions> = {
  id: 'obligation',
  title: 'Obligations or instructions on the Council\'s behalf in a member\'s name',
  protocolRefs: ['8.1', '10.1.3', '21.12.2'],
  rules: Object.values(RULES).map(({ code, description, severity }) => ({ code, description, severity })),
  optionsSchema,
  prepare() {
    preparePartOfSpeech();
    // a missing or broken model stops the worker at start, not on the first message
    shippedObligationModel();
  },
  scope(parties, context) {
    if (parties.automated) return false;
    // the mail may be in a member's name: sent from any of a member's addresses, from inside the
    // council (an officer or a mailbox writing for a member), or by a writer who may be a member
    // using an address the directory does not list (the body's signature then says whose it is).
    // Left out: an outsider's address whose name and address say nothing of any member, even if
    // the body is signed in a member's name; list members' personal addresses to cover those
    const writers = [...parties.from, ...(parties.sender ? [parties.sender] : []), ...parties.replyTo];
    const mailFrom = parties.envelope.mailFrom ? normaliseAddress(parties.envelope.mailFrom) : undefined;
    if (writers.some((party) => context.directory.isInternal(party.address)) || (mailFrom !== undefined && context.directory.isInternal(mailFrom))) return true;
    const names = politicalNames(context.config);
    return [...writers.map((party) => ({ address: party.address, displayName: party.displayName })), ...(mailFrom ? [{ address: mailFrom, displayName: undefined }] : [])].some(
      (writer) => mayBeMember(writer.address, writer.displayName, names),
    );
  },
  screen(message, context) {
    if (message.automated) return [];
    const names = politicalNames(context.config);
    const candidates: Candidate[] = [];
    const authors = new Map<string, Author>();
    const externalRecipient = hasExternalRecipient(message, context.directory);

    const bodySources = textSources(message, { subject: true, newText: true });
    const bodyAuthor = authorOfBody(message, context.directory, names);
    if (bodyAuthor && !writesPersonally(bodySources) && !exemptDecision(bodyAuthor, bodySources, context.options)) {
      for (const source of bodySources) collect(source, bodyAuthor, externalRecipient, candidates, authors);
    }
    if (context.options.readAttachments) {
      for (const source of textSources(message, { attachments: true })) {
        const author = signatoryOfLetter(source, names);
        if (!author || writesPersonally([source]) || exemptDecision(author, [source], context.options)) continue;
        collect(source, author, externalRecipient, candidates, authors);
      }
    }
    return findingsFrom(candidates, authors);
  },
};

function collect(source: TextSource, author: Author, externalRecipient: boolean, into: Candidate[], authors: Map<string, Author>): void {
  authors.set(source.location, author);
  for (const sentence of readSentences(source)) {
    const sentenceText = source.text.slice(sentence.start, sentence.end);
    const money = MONEY.test(sentenceText);
    const commitments = findCommitments(sentence.tokens, sentence.question);
    for (const commitment of commitments) {
      if (reported(sentence, commitment)) continue;
      const rule = ruleFor(commitment.kind, externalRecipient);
      // a supplier among the recipients or a sum of money makes an obligation likelier and costlier
      const boosted = rule.base + (money ? 0.1 : 0) + (externalRecipient && rule.code !== 'INSTRUCTS_STAFF' ? 0.05 : 0);
      const score = Math.min(1, boosted * commitment.strength);
      if (score >= NOISE_FLOOR) into.push({ rule, score, sentence, commitment });
    }
    // what the listed shapes cannot say ("consider it covered", "it's on us this time"): the trained
    // model reads the sentence, unless it is a question or the rules already read it
    if (commitments.length === 0 && !sentence.question && sentence.tokens.length > 0 && !wholeSentenceQuoted(sentence)) {
      const probability = shippedObligationModel().probability(obligationWords(sentence.tokens));
      if (probability >= 0.5) {
        const kind = obligationKind(sentence.tokens);
        const rule = ruleFor(kind, externalRecipient);
        const commitment: Commitment = { kind, start: 0, end: sentence.tokens.length, strength: 1, qualifiers: [], corporate: false, imperative: kind === 'instruction' };
        // the model's rating, on the rule's scale: its operating point at the rule's base
        into.push({ rule, score: Math.min(1, rule.base + (probability - 0.5) * 0.4 + (money ? 0.05 : 0)), sentence, commitment, byModel: probability });
      }
    }
  }
}

/** The whole sentence, from its first word to its last, sits inside quotation marks: someone else's words. */
function wholeSentenceQuoted(sentence: ReadSentence): boolean {
  const isWord = (token: Token): boolean => /[\p{L}\p{N}]/u.test(token.text);
  return quotedSpan(sentence, sentence.tokens.findIndex(isWord), sentence.tokens.findLastIndex(isWord) + 1);
}

/** The commitment sits inside quotation marks: someone else's words, not the writer's. */
function reported(sentence: ReadSentence, commitment: Commitment): boolean {
  return quotedSpan(sentence, commitment.start, commitment.end);
}

/** Tokens [start, end) of the sentence sit inside quotation marks. */
function quotedSpan(sentence: ReadSentence, start: number, end: number): boolean {
  const first = sentence.tokens[start];
  const last = sentence.tokens[end - 1];
  return first !== undefined && last !== undefined && insideAny(sentence.quotations, first.start, last.end);
}

function ruleFor(kind: CommitmentKind, externalRecipient: boolean): RuleInfo {
  const code: Record<CommitmentKind, string> = {
    payment: 'COMMITS_COUNCIL_MONEY',
    acceptance: 'ACCEPTS_QUOTE_OR_CONTRACT',
    'purchase-order': 'PURCHASE_ORDER',
    instruction: externalRecipient ? 'INSTRUCTS_CONTRACTOR' : 'INSTRUCTS_STAFF',
    authorisation: 'AUTHORISES_WORKS_OR_SPEND',
    promise: 'PROMISES_OR_WAIVES',
    'speaking-as-council': 'SPEAKS_FOR_COUNCIL',
  };
  return RULES[code[kind]] as RuleInfo;
}

function findingsFrom(candidates: readonly Candidate[], authors: ReadonlyMap<string, Author>): Finding[] {
  const byRule = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const list = byRule.get(candidate.rule.code) ?? [];
    list.push(candidate);
    byRule.set(candidate.rule.code, list);
  }
  const findings: Finding[] = [];
  for (const list of byRule.values()) {
    const ranked = [...list].sort((a, b) => b.score - a.score);
    const best = ranked[0] as Candidate;
    const excerpts: Evidence[] = [];
    for (const candidate of ranked) {
      const evidence = sentenceEvidence(candidate.sentence);
      if (!excerpts.some((seen) => seen.location === evidence.location && seen.start === evidence.start)) excerpts.push(evidence);
      if (excerpts.length >= MAX_EXCERPTS) break;
    }
    const author = authors.get(best.sentence.source.location);
    if (!author) continue;
    findings.push({
      filter: 'obligation',
      rule: best.rule.code,
      severity: severityOf(best.score),
      score: round(best.score),
      protocolRef: best.rule.protocolRef,
      evidence: [...excerpts, author.evidence],
      explanation: explain(best, author, excerpts[0]?.text ?? ''),
    });
  }
  return findings;
}

function explain(candidate: Candidate, author: Author, excerpt: string): string {
  const where = candidate.sentence.source.location.startsWith('attachment:')
    ? `an attached letter (${candidate.sentence.source.location.slice('attachment:'.length)}) signed in the name of ${author.person}`
    : author.how === 'address'
      ? `mail from ${author.person}'s address`
      : `mail signed in the name of ${author.person}`;
  const qualifiers = candidate.commitment.qualifiers.length > 0 ? ` Qualified (${candidate.commitment.qualifiers.join(', ')}), which lowers the score.` : '';
  const rated = candidate.byModel !== undefined ? ` (obligation model ${shippedObligationModel().version}, ${candidate.byModel.toFixed(2)})` : '';
  const paragraph =
    candidate.rule.protocolRef === '8.1'
      ? 'communications on official Council business go out in the name of an officer, not a member (8.1; see also 10.1.2 and 21.12.2)'
      : 'letters that create obligations or give instructions on the Council\'s behalf must never be sent in a member\'s name; only officers with delegated powers may do so (10.1.3, 21.12.2)';
  const quoted = clip(excerpt);
  return `In ${where}, a member appears to ${candidate.rule.does}: "${quoted}"${/[.!?]$/.test(quoted) ? '' : '.'}${rated} Under the Member/Officer Protocol, ${paragraph}.${qualifiers}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** the words of a display name or of an address's local part, lower case */
function nameWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((word) => word.length > 0);
}

/**
 * A writer the directory does not list who may still be a member: a councillor's title, a member's
 * surname, or a member's first name with the surname's initial ("Tom H"), in the display name or
 * the address. Loose on purpose: it only decides whether the body is read.
 */
function mayBeMember(address: string, displayName: string | undefined, names: PoliticalNames): boolean {
  const localPart = address.split('@')[0] ?? '';
  const words = [...nameWords(displayName ?? ''), ...nameWords(localPart)];
  if (words.some((word) => word === 'cllr' || word === 'councillor')) return true;
  const runTogether = localPart.toLowerCase().replace(/[^\p{L}]+/gu, '');
  return memberNamesOf(names).some(({ first, surname }) => {
    if (words.includes(surname) || (surname.length >= 4 && runTogether.includes(surname))) return true;
    return first !== undefined && words.some((word, i) => word === first && words[i + 1] === surname[0]);
  });
}

const memberNameCache = new WeakMap<PoliticalNames, ReadonlyArray<{ first?: string; surname: string }>>();

/** Each member's surname and, when the name has more than one word, first name, in lower case; read once per policy. */
function memberNamesOf(names: PoliticalNames): ReadonlyArray<{ first?: string; surname: string }> {
  let known = memberNameCache.get(names);
  if (!known) {
    known = names.members.flatMap((member) => {
      // "Cllr Tom Hadley": the first name is Tom, not the title
      const parts = nameWords(member.name).filter((word) => !TITLES.has(word));
      const surname = parts[parts.length - 1];
      if (!surname) return [];
      return [parts.length > 1 ? { first: parts[0], surname } : { surname }];
    });
    memberNameCache.set(names, known);
  }
  return known;
}

function severityOf(score: number): Severity {
  return score >= 0.75 ? 'high' : score >= 0.5 ? 'medium' : 'low';
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}

/**
 * Whose name the body is in: a member's address (any of them, personal ones too), or, from any
 * address, a closing signature with a member's name. An officer's own mail is written under
 * delegated authority and is not the member's.
 */
function authorOfBody(message: ScreenedMessage, directory: Directory, names: PoliticalNames): Author | undefined {
  // the From header names the author; the envelope sender only stands in when there is none
  const from = message.from[0];
  const address = from?.address ?? message.envelope.mailFrom ?? undefined;
  const entry = address ? directory.lookup(address) : undefined;
  if (address && entry?.roles.includes('member')) {
    const header = message.headers.find((line) => line.key === 'from');
    const evidence: Evidence = header ? { location: 'header:from', text: header.value } : { location: 'envelope', text: address };
    return { person: entry.name ?? address, executive: entry.executive ?? false, how: 'address', evidence };
  }
  for (const source of closingSources(message)) {
    const signed = signatureIn(source, names);
    if (signed) return signed;
  }
  return undefined;
}

/** The signature block, else the last lines of the new text: where a sender signs. */
function closingSources(message: ScreenedMessage): TextSource[] {
  const sources = textSources(message, { signature: true });
  const fresh = textSources(message, { newText: true });
  const last = fresh[fresh.length - 1];
  if (last) {
    const lines = last.text.split('\n');
    const keep = lines.slice(-SIGNATURE_LINES).join('\n');
    sources.push({ location: last.location, text: keep, offset: last.offset + last.text.length - keep.length });
  }
  return sources;
}

/** A line that is a member's name and little else ("Cllr Priya Amber", "Councillor Tom Hadley"). */
function signatureIn(source: TextSource, names: PoliticalNames): Author | undefined {
  let lineStart = 0;
  const lines = source.text.split('\n');
  for (const line of lines) {
    const tokens = tokenise(source.text, lineStart, lineStart + line.length);
    const words = tokens.filter((token) => /\p{L}/u.test(token.text));
    if (words.length > 0 && words.length <= 7) {
      const person = findPeople(tokens, names).find((match) => match.value.kind === 'member' && match.start === firstWordIndex(tokens));
      if (person) {
        return { person: person.value.name, executive: person.value.executive ?? false, how: 'signature', evidence: evidenceFrom(source, lineStart, lineStart + line.length) };
      }
    }
    lineStart += line.length + 1;
  }
  return undefined;
}

function firstWordIndex(tokens: readonly Token[]): number {
  return Math.max(0, tokens.findIndex((token) => /\p{L}/u.test(token.text)));
}

/** An attached letter counts when its closing lines carry a member's name. */
function signatoryOfLetter(source: TextSource, names: PoliticalNames): Author | undefined {
  const lines = source.text.split('\n');
  const closingLines = lines.slice(-15).join('\n');
  const closing: TextSource = { location: source.location, text: closingLines, offset: source.offset + source.text.length - closingLines.length };
  return signatureIn(closing, names);
}

function writesPersonally(sources: readonly TextSource[]): boolean {
  // sentence by sentence: the tokens are the ones the commitment search reads next, made once
  return sources.some((source) => readSentences(source).some((sentence) => containsPattern(sentence.tokens, PERSONAL_CAPACITY)));
}

function exemptDecision(author: Author, sources: readonly TextSource[], options: ObligationOptions): boolean {
  return options.exemptExecutiveDecisions && author.executive && sources.some((source) => DECISION_REFERENCE.test(source.text));
}

function hasExternalRecipient(message: ScreenedMessage, directory: Directory): boolean {
  const recipients = message.recipients.length > 0 ? message.recipients : [...message.to, ...message.cc];
  return recipients.some((party) => !directory.isInternal(party.address));
}
