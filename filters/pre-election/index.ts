import { z } from 'zod';
import { domainOf, type Directory } from '../../src/directory.js';
import type { Evidence, Filter, FilterContext, Finding, RuleDeclaration, Severity } from '../../src/finding.js';
import type { MessageParties, Party, ScreenedMessage } from '../../src/message/model.js';
import { findCampaigning, type Campaigning } from './campaigning.js';
import { activePeriod, type PreElectionPeriod } from './electoral-timetable.js';
import { shippedPartyModel } from './party-political.js';
import { findParties, findPeople, isLocalPartyReference, politicalNames, type NamedPerson, type PoliticalNames } from '../shared/political-names.js';
import { insideAny } from '../shared/quotations.js';
import { compilePatterns, containsPattern } from '../shared/token-pattern.js';
import { readSentences, sentenceEvidence, textSources, type ReadSentence, type TextSource } from '../shared/text-sources.js';
import { tokenise } from '../shared/tokens.js';

/**
 * Publicity in the pre-election period, and party-political campaigning with council resources at
 * any time (Member/Officer Protocol 9.1, 11.1–11.2, 12.1–12.7, 21.12.1; LGA 1986 s.2 and the
 * Code of Recommended Practice on Local Authority Publicity).
 */
const optionsSchema = z.object({
  largeListThreshold: z
    .number()
    .int()
    .min(2)
    .default(20)
    .describe('a council message to at least this many external recipients is publicity (a bulk list)'),
  periodEnd: z
    .enum(['close-of-poll', 'day-after-poll'])
    .default('close-of-poll')
    .describe('when the pre-election period ends: 22:00 on polling day (close of poll), or the end of the day after it (count and declaration)'),
  publicityMailboxes: z
    .array(z.string().trim().toLowerCase().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'not an email address'))
    .default([])
    .describe('further addresses whose outgoing mail is council publicity (newsletter, web or social media teams), besides mailboxes.press'),
  campaigningAtAnyTime: z
    .boolean()
    .default(true)
    .describe('flag party-political campaigning sent by officers, or by members from a council address to the public or the press, all year round'),
});
type PreElectionOptions = z.infer<typeof optionsSchema>;

interface RuleInfo extends RuleDeclaration {
  readonly protocolRef: string;
}

const RULES = {
  PERIOD_MEMBER_QUOTED: { code: 'PERIOD_MEMBER_QUOTED', description: 'council publicity in the pre-election period quotes a member, candidate or office-holder', severity: 'high', protocolRef: '12.3' },
  PERIOD_INITIATIVE_IN_MEMBER_NAME: { code: 'PERIOD_INITIATIVE_IN_MEMBER_NAME', description: 'council publicity in the pre-election period launches or announces an initiative in a member\'s name', severity: 'high', protocolRef: '12.4' },
  PERIOD_MEMBER_NAMED: { code: 'PERIOD_MEMBER_NAMED', description: 'council publicity in the pre-election period names or pictures a member or candidate', severity: 'medium', protocolRef: '12.3' },
  PERIOD_PARTY_NAMED: { code: 'PERIOD_PARTY_NAMED', description: 'council publicity in the pre-election period names a political party or group', severity: 'medium', protocolRef: '12.3' },
  CAMPAIGNING_IN_COUNCIL_PUBLICITY: { code: 'CAMPAIGNING_IN_COUNCIL_PUBLICITY', description: 'council publicity carries party-political campaigning (any time)', severity: 'high', protocolRef: '11.1' },
  CAMPAIGNING_BY_OFFICER: { code: 'CAMPAIGNING_BY_OFFICER', description: 'an officer sends party-political campaigning (any time)', severity: 'high', protocolRef: '12.7' },
  CAMPAIGNING_VIA_PRESS_OFFICE: { code: 'CAMPAIGNING_VIA_PRESS_OFFICE', description: 'a member sends party-political campaigning to the press office or the media through council mail (any time)', severity: 'high', protocolRef: '9.1' },
  CAMPAIGNING_FROM_COUNCIL_ADDRESS: { code: 'CAMPAIGNING_FROM_COUNCIL_ADDRESS', description: 'a member sends party-political campaigning to the public from a council address (any time)', severity: 'high', protocolRef: '21.12.1' },
} as const satisfies Record<string, RuleInfo>;

/** excerpts kept per finding */
const MAX_EXCERPTS = 3;

const SPEECH_VERBS = new Set(['said', 'says', 'say', 'commented', 'comments', 'added', 'adds', 'explained', 'explains', 'stated', 'states', 'remarked', 'noted', 'continued', 'told', 'commenting', 'quoted', 'according']);
const LAUNCH_WORDS = new Set(['launch', 'launches', 'launched', 'launching', 'unveil', 'unveils', 'unveiled', 'unveiling', 'announce', 'announces', 'announced', 'announcing', 'pledge', 'pledges', 'pledged', 'initiative', 'scheme', 'campaign', 'consultation', 'programme', 'opens', 'opened', 'officially']);
const PRESS_RELEASE = compilePatterns([
  '(press|news|media) release',
  'for immediate release',
  'embargoed (until|till|to)',
  'notes (to|for) editors',
  'media (enquiries|contact)',
]);
// statutory notices and the business of meetings carry on in the period (12.6) and may name people
const FACTUAL_NOTICE = compilePatterns([
  'statement of persons nominated',
  'notice of (election|poll)',
  '(list|lists) of candidates',
  'candidates (standing|nominated)',
  'polling (station|stations|card|cards|district|districts)',
  'postal (vote|votes|voting)',
  'returning officer',
  '(committee|council|cabinet) (meeting|agenda|minutes)',
  'agenda (for|item|items)',
]);

interface Channel {
  readonly kind: 'press-office' | 'media' | 'bulk' | 'press-release' | 'member-to-press-office';
  /** in words, for the explanation */
  readonly describe: string;
  readonly evidence?: Evidence;
}

interface Excerpts {
  readonly rule: RuleInfo;
  score: number;
  readonly evidence: Evidence[];
  readonly detail: Set<string>;
}

export const preElection: Filter<PreElectionOptions> = {
  id: 'pre-election',
  title: 'Pre-election publicity and party-political use of council resources',
  protocolRefs: ['9.1', '11.1', '11.2', '12.1', '12.2', '12.3', '12.4', '12.5', '12.6', '12.7', '21.12.1'],
  rules: Object.values(RULES).map(({ code, description, severity }) => ({ code, description, severity })),
  optionsSchema,
  prepare() {
    // a missing or broken model stops the worker at start, not on the first message
    shippedPartyModel();
  },
  scope(parties, context) {
    return councilSenderOf(parties, context) !== undefined;
  },
  screen(message, context) {
    const sender = councilSenderOf(message, context);
    if (!sender) return [];
    const { directory, config, options } = context;
    const names = politicalNames(config);
    const senderIsMember = sender.roles.includes('member');
    const senderIsCouncil = !senderIsMember && directory.isInternal(sender.address);
    const channel = publicityChannel(message, sender, senderIsMember, senderIsCouncil, directory, options);
    const sources = textSources(message, { subject: true, newText: true, attachments: true });
    const sentences = sources.flatMap((source) => readSentences(source));
    const findings = new Map<string, Excerpts>();
    const note = (rule: RuleInfo, score: number, evidence: Evidence, detail: string): void => {
      let entry = findings.get(rule.code);
      if (!entry) {
        entry = { rule, score, evidence: [], detail: new Set() };
        findings.set(rule.code, entry);
      }
      entry.score = Math.max(entry.score, score);
      entry.detail.add(detail);
      if (entry.evidence.length < MAX_EXCERPTS && !entry.evidence.some((seen) => seen.location === evidence.location && seen.start === evidence.start && seen.text === evidence.text)) {
        entry.evidence.push(evidence);
      }
    };

    const period = activePeriod(config, context.now, options.periodEnd);
    // read once, and only when something needs it: most mail is neither publicity nor campaigning
    let factualNotice: boolean | undefined;
    const factual = (): boolean => (factualNotice ??= isFactualNotice(sources));
    if (period && channel) screenPublicity(sentences, sources, message, names, channel, factual(), note);
    if (options.campaigningAtAnyTime) {
      const rule = campaigningRule(message, sender, senderIsMember, senderIsCouncil, channel, directory);
      if (rule) {
        // what an officer or a council mailbox chooses to pass on is theirs to answer for: quoted
        // and forwarded messages are read too, and marked as forwarded in the evidence
        const passedOn = senderIsMember ? [] : textSources(message, { forwarded: true }).flatMap((source) => readSentences(source));
        const model = shippedPartyModel();
        for (const sentence of [...sentences, ...passedOn]) {
          // in publicity (or copy sent to the press office) a quoted slogan is still published, and
          // what an officer quotes to others they pass on; in a member's own mail it is reported speech
          const countQuoted = channel !== undefined || rule === RULES.CAMPAIGNING_VIA_PRESS_OFFICE || !senderIsMember || sentence.source.forwarded === true;
          for (const campaign of findCampaigning(sentence.tokens, names, model)) {
            if (!countQuoted && quoted(sentence, campaign)) continue;
            // a statement of persons nominated, a notice of poll or a declaration of results names
            // parties and candidates as fact: only a plain request for votes counts there
            if (campaign.byModel && factual()) continue;
            const what = sentence.source.forwarded ? `forwards material that ${campaign.what}` : campaign.what;
            note(rule, campaign.strong ? 0.9 : 0.7, { ...sentenceEvidence(sentence), ...(sentence.source.forwarded ? { forwarded: true } : {}) }, what);
          }
        }
      }
    }
    return [...findings.values()].map((entry) => toFinding(entry, sender, channel, period, directory));
  },
};

/**
 * The sender, when the message can be council publicity or campaigning with council resources:
 * a member or anyone inside the council writes it, and either campaigning is screened at any time
 * or a pre-election period is running. Undefined otherwise; the header section is enough to tell.
 */
function councilSenderOf(parties: MessageParties, context: FilterContext<PreElectionOptions>): Party | undefined {
  if (parties.automated) return undefined;
  const sender = parties.from[0] ?? parties.sender;
  if (!sender || !(sender.roles.includes('member') || context.directory.isInternal(sender.address))) return undefined;
  const { config, options, now } = context;
  return options.campaigningAtAnyTime || activePeriod(config, now, options.periodEnd) ? sender : undefined;
}

function screenPublicity(
  sentences: readonly ReadSentence[],
  sources: readonly TextSource[],
  message: ScreenedMessage,
  names: PoliticalNames,
  channel: Channel,
  factual: boolean,
  note: (rule: RuleInfo, score: number, evidence: Evidence, detail: string) => void,
): void {
  const discount = channel.kind === 'member-to-press-office' ? 0.85 : 1;
  for (const [index, sentence] of sentences.entries()) {
    const people = findPeople(sentence.tokens, names).filter((match) => match.value.kind !== 'councillor' || !factual);
    // a short national form ("Labour party conference") is news, not a local group, unless tied to local politics
    const parties = findParties(sentence.tokens, names).filter((match) => isLocalPartyReference(sentence.tokens, match));
    if (people.length > 0) {
      const person = people[0]?.value as NamedPerson;
      const sentenceText = sentence.source.text.slice(sentence.start, sentence.end);
      const hasQuotation = /["“”]/.test(sentenceText) || quotationNext(sentences, index);
      const speaks = sentence.tokens.some((token) => SPEECH_VERBS.has(token.lower));
      const launches = sentence.tokens.some((token) => LAUNCH_WORDS.has(token.lower));
      const who = describePerson(person);
      if (speaks || (hasQuotation && person.kind !== 'councillor')) {
        note(RULES.PERIOD_MEMBER_QUOTED, 0.9 * discount, sentenceEvidence(sentence), `quotes ${who}`);
      } else if (launches) {
        note(RULES.PERIOD_INITIATIVE_IN_MEMBER_NAME, 0.85 * discount, sentenceEvidence(sentence), `announces an initiative in the name of ${who}`);
      } else if (!factual) {
        note(RULES.PERIOD_MEMBER_NAMED, (person.kind === 'member' || person.kind === 'candidate' ? 0.65 : 0.55) * discount, sentenceEvidence(sentence), `names ${who}`);
      }
    }
    if (parties.length > 0 && !factual) {
      note(RULES.PERIOD_PARTY_NAMED, 0.7 * discount, sentenceEvidence(sentence), `names ${parties[0]?.value.party}`);
    }
  }
  // a photograph of a member or candidate, going by the file name
  for (const attachment of message.attachments) {
    if (!attachment.contentType.startsWith('image/')) continue;
    const words = new Set(attachment.filename.toLowerCase().split(/[^\p{L}]+/u));
    // a surname alone is often a word ("amber", "wells"): it needs the given name or a title beside it
    const pictured = [...names.members, ...names.candidates].find(
      (person) => person.surname !== undefined && words.has(person.surname) && (words.has('cllr') || words.has('councillor') || words.has(givenName(person.name))),
    );
    if (pictured) {
      note(RULES.PERIOD_MEMBER_NAMED, 0.6 * discount, { location: `attachment:${attachment.filename}`, text: attachment.filename }, `pictures ${describePerson(pictured)}`);
    }
  }
}

/** statutory notices and the business of meetings, which may name parties and candidates as fact (12.6) */
function isFactualNotice(sources: readonly TextSource[]): boolean {
  return sources.some((source) => containsPattern(tokenise(source.text, 0, source.text.length, 5_000), FACTUAL_NOTICE));
}

function givenName(name: string): string {
  return name.toLowerCase().split(/\s+/).find((word) => !['cllr', 'councillor', 'mr', 'mrs', 'ms', 'miss', 'dr'].includes(word)) ?? '';
}

function quotationNext(sentences: readonly ReadSentence[], index: number): boolean {
  const next = sentences[index + 1];
  if (!next || next.source !== sentences[index]?.source) return false;
  return /^["“]/.test(next.source.text.slice(next.start, next.end));
}

function quoted(sentence: ReadSentence, campaign: Campaigning): boolean {
  const first = sentence.tokens[campaign.start];
  const last = sentence.tokens[campaign.end - 1];
  return first !== undefined && last !== undefined && insideAny(sentence.quotations, first.start, last.end);
}

/**
 * Whether the message is council publicity, and how: from the press office (or another publicity
 * mailbox), to the media, to a bulk list, or shaped as a press release; or a member's request to
 * the press office. Mail from outside the council is never council publicity.
 */
function publicityChannel(
  message: ScreenedMessage,
  sender: Party,
  senderIsMember: boolean,
  senderIsCouncil: boolean,
  directory: Directory,
  options: PreElectionOptions,
): Channel | undefined {
  const recipients = recipientsOf(message);
  const fromHeader = headerEvidence(message, 'from');
  if (senderIsMember) {
    const press = recipients.find((party) => party.roles.includes('press-mailbox') || options.publicityMailboxes.includes(party.address));
    if (press && (pressReleaseShaped(message) || asksForPublication(message))) {
      const evidence = toEvidence(message, press);
      return { kind: 'member-to-press-office', describe: `a member's request to the press office (${press.address}) to publish`, ...(evidence ? { evidence } : {}) };
    }
    return undefined;
  }
  if (!senderIsCouncil) return undefined;
  if (sender.roles.includes('press-mailbox') || options.publicityMailboxes.includes(sender.address)) {
    return { kind: 'press-office', describe: `mail from the press office (${sender.address})`, ...(fromHeader ? { evidence: fromHeader } : {}) };
  }
  const media = recipients.find((party) => party.roles.includes('media'));
  if (media) {
    const evidence = toEvidence(message, media);
    return { kind: 'media', describe: `mail to the media (${domainOf(media.address) ?? media.address})`, ...(evidence ? { evidence } : {}) };
  }
  const external = recipients.filter((party) => !directory.isInternal(party.address));
  if (external.length >= options.largeListThreshold) {
    return { kind: 'bulk', describe: `mail to ${external.length} external recipients` };
  }
  if (pressReleaseShaped(message)) {
    return { kind: 'press-release', describe: 'a press release', ...(message.subject ? { evidence: { location: 'subject', text: message.subject } } : {}) };
  }
  return undefined;
}

function recipientsOf(message: ScreenedMessage): readonly Party[] {
  return message.recipients.length > 0 ? message.recipients : [...message.to, ...message.cc, ...message.bcc];
}

function pressReleaseShaped(message: ScreenedMessage): boolean {
  const opening = message.text.newText.slice(0, 400);
  return containsPattern(tokenise(`${message.subject}\n${opening}`, 0, undefined, 200), PRESS_RELEASE) || /\bnotes to editors\b/i.test(message.text.newText.slice(0, 20_000));
}

const PUBLICATION_REQUEST = compilePatterns(['(please|can|could) (you)? (issue|publish|send|put|share) (this|it|the|a)? (out|statement|release|story|post)?', 'for publication', 'go out (today|tomorrow|this|on)']);

function asksForPublication(message: ScreenedMessage): boolean {
  return containsPattern(tokenise(message.text.newText, 0, Math.min(message.text.newText.length, 4_000), 800), PUBLICATION_REQUEST);
}

function headerEvidence(message: ScreenedMessage, key: string): Evidence | undefined {
  const header = message.headers.find((line) => line.key === key);
  return header ? { location: `header:${key}`, text: header.value } : undefined;
}

/** The To/Cc header line naming a recipient, else the envelope address. */
function toEvidence(message: ScreenedMessage, party: Party): Evidence | undefined {
  for (const key of ['to', 'cc']) {
    const header = message.headers.find((line) => line.key === key && line.value.toLowerCase().includes(party.address));
    if (header) return { location: `header:${key}`, text: header.value };
  }
  const envelope = message.envelope.rcptTo.find((address) => address.toLowerCase().includes(party.address));
  return envelope ? { location: 'envelope', text: envelope } : undefined;
}

function campaigningRule(
  message: ScreenedMessage,
  sender: Party,
  senderIsMember: boolean,
  senderIsCouncil: boolean,
  channel: Channel | undefined,
  directory: Directory,
): RuleInfo | undefined {
  if (!senderIsMember && !senderIsCouncil) return undefined;
  if (!senderIsMember) return channel ? RULES.CAMPAIGNING_IN_COUNCIL_PUBLICITY : RULES.CAMPAIGNING_BY_OFFICER;
  const recipients = recipientsOf(message);
  if (recipients.some((party) => party.roles.includes('press-mailbox') || party.roles.includes('media'))) return RULES.CAMPAIGNING_VIA_PRESS_OFFICE;
  const fromCouncilAddress = directory.isCouncilDomain(domainOf(sender.address) ?? '');
  const toPublic = recipients.some((party) => !directory.isInternal(party.address));
  return fromCouncilAddress && toPublic ? RULES.CAMPAIGNING_FROM_COUNCIL_ADDRESS : undefined;
}

function describePerson(person: NamedPerson): string {
  switch (person.kind) {
    case 'member':
      return `${person.name} (member${person.party ? `, ${person.party}` : ''})`;
    case 'candidate':
      return `${person.name} (candidate${person.party ? `, ${person.party}` : ''})`;
    case 'office-holder':
      return `the ${person.name}`;
    case 'councillor':
      return person.name;
  }
}

function toFinding(entry: Excerpts, sender: Party, channel: Channel | undefined, period: PreElectionPeriod | undefined, directory: Directory): Finding {
  const details = [...entry.detail].slice(0, 3).join('; ');
  const senderName = sender.person ?? sender.displayName ?? sender.address;
  const senderRole = sender.roles.includes('member') ? 'member' : directory.has(sender.address, 'press-mailbox') ? 'press office' : 'officer';
  const evidence = channel?.evidence ? [...entry.evidence, channel.evidence] : [...entry.evidence];
  const periodWords = period
    ? `the pre-election period for ${period.election} (from ${period.startDate}${period.startSource === 'computed' ? ', the latest notice-of-election date' : ''} to the close of poll on ${period.pollingDay})`
    : '';
  const explanation = ((): string => {
    switch (entry.rule.code) {
      case 'PERIOD_MEMBER_QUOTED':
      case 'PERIOD_MEMBER_NAMED':
      case 'PERIOD_PARTY_NAMED':
      case 'PERIOD_INITIATIVE_IN_MEMBER_NAME':
        return `Council publicity (${channel?.describe ?? 'publicity'}) sent during ${periodWords} ${details}. Under the Member/Officer Protocol (${entry.rule.protocolRef}) publicity in this period must not promote the image of a candidate or group of candidates; officers rather than members are quoted on Council news releases (12.3), and public funds are not used for initiatives associated with a political point of view (12.4).`;
      case 'CAMPAIGNING_IN_COUNCIL_PUBLICITY':
        return `Council publicity (${channel?.describe ?? 'publicity'}) from ${senderName} ${details}. The Council must not publish, or help publish, material designed to affect support for a political party, at any time (11.1; 12.2; LGA 1986 s.2).`;
      case 'CAMPAIGNING_BY_OFFICER':
        return `Mail from ${senderName} (${senderRole}) ${details}. Officers must not engage in party-political activity in working hours or with Council facilities, at any time (12.7; 11.1).`;
      case 'CAMPAIGNING_VIA_PRESS_OFFICE':
        return `${senderName} (member) sends party-political material that ${details} to the press office or the media through Council mail. Political press releases must not be issued at a member's initiative using Council resources (9.1; 21.12.1).`;
      default:
        return `${senderName} (member) sends, from a Council address to the public, material that ${details}. Council support services and facilities must not be used for party-political or campaigning activity (21.12.1; 9.2).`;
    }
  })();
  return {
    filter: 'pre-election',
    rule: entry.rule.code,
    severity: severityOf(entry.score, entry.rule.severity),
    score: Math.round(entry.score * 100) / 100,
    protocolRef: entry.rule.protocolRef,
    evidence,
    explanation,
  };
}

function severityOf(score: number, declared: Severity): Severity {
  if (score >= 0.85) return 'high';
  if (score >= 0.6) return declared === 'high' ? 'medium' : declared;
  return 'low';
}

