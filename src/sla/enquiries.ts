import type { Config } from '../config/schema.js';
import { normaliseAddress, type Directory } from '../directory.js';
import type { MessageParties, Party, ScreenedMessage } from '../message/model.js';
import { WorkingCalendar } from './calendar.js';

/** A member enquiry this message opens, with its deadlines (ISO-8601 strings). */
export interface EnquiryOpening {
  /** the member's address, normalised */
  readonly member: string;
  /** the officer or enquiries mailbox the enquiry is addressed to, normalised */
  readonly officer: string;
  readonly acknowledgeBy: string;
  readonly respondBy: string;
  /** when the clock started: receipt, or the start of the next working period */
  readonly countedFrom: string;
  /** what made this a request: the asking sentence, or the subject */
  readonly evidence: { readonly location: 'subject' | 'body'; readonly text: string };
}

/** An officer writing to a member, which may acknowledge or answer an open enquiry. */
export interface OfficerReply {
  /** the officer (or enquiries mailbox) who wrote, normalised */
  readonly officer: string;
  /** the members the reply goes to, normalised */
  readonly members: readonly string[];
  /** a holding reply acknowledges only; a substantive one closes the enquiry */
  readonly kind: 'holding' | 'substantive';
  /** Message-IDs this message answers (In-Reply-To first, then References, newest first) */
  readonly answers: readonly string[];
  /** the subject without reply and forward prefixes, for the stated fallback match */
  readonly subjectKey: string;
}

/** longest evidence excerpt kept, characters */
const MAX_EVIDENCE_CHARS = 300;
/** only the start of the new text is searched: a request is made early, and matching stays bounded */
const MAX_SCANNED_CHARS = 20_000;

const OUT_OF_OFFICE_SUBJECT =
  /^\s*(automatic reply|auto(matic)?[\s-]?(reply|response|antwort)|autoreply|out of (the )?office|ooo\b|away from (the )?office|on (annual )?leave|abwesenheit|absence|undeliverable|undelivered mail|delivery (status )?notification|mail delivery (failed|subsystem)|read:|not read:|returned mail)/i;
const REPLY_PREFIX = /^\s*(re|aw|sv|antw|ref|réf)\s*(\[\d+\])?\s*:/i;
const FORWARD_PREFIX = /^\s*(fwd?|fw|tr|wg|doorst)\s*(\[\d+\])?\s*:/i;
const SUBJECT_PREFIXES = /^\s*((re|aw|sv|antw|ref|réf|fwd?|fw|tr|wg|doorst)\s*(\[\d+\])?\s*:|\[(external|ext|external email)\]|external:)\s*/i;
const NEWSLETTER_HEADERS = new Set(['list-id', 'list-unsubscribe', 'list-post', 'list-help']);

/** A subject that names the mail as a request, even when the body only describes the problem. */
const REQUEST_SUBJECT = /\b(enquiry|enquiries|inquiry|query|request|casework|case work|complaint|question|help needed|urgent)\b/i;

/** Questions that are greetings, not requests. */
const GREETING_QUESTION =
  /^(hi|hello|dear|hey|good (morning|afternoon))?[\s,!]*(how are (you|things)|how('s| is) (it going|everything|your)|hope (you|all)('re| are)?.{0,20}well|how was your|did you (have|enjoy))/i;
/** Offers and sign-offs ("if you have any questions, please let me know") ask for nothing. */
const OFFER =
  /^(if|should) (you|there)\b.{0,80}\b(any|anything|further|more)\b|\b(don't|do not) hesitate\b|\bfeel free\b|\blet (me|us) know if (you|there)('s| is| are)? (need|have|want|require|any)|\bplease (do not|don't) (reply|respond)\b/i;

/**
 * Phrases that ask the reader to do or answer something. Tuned on ../shared/data/enron-intent
 * (sentences labelled by whether they need action from the recipient); tests hold the
 * measured recall and precision so changes here cannot quietly make it worse.
 */
const REQUEST_PATTERNS: readonly RegExp[] = [
  /\bplease\b(?!\s+(note|find|see attached|be aware|be advised|accept my|excuse|ignore|disregard)\b)/i,
  /\b(could|can|would|will|might) (you|someone|somebody|anyone|an officer|officers|the council|your team)\b/i,
  /\b(are|were) you able\b/i,
  /\bis (it|there any way|there anything)\b.{0,40}\bpossible\b|\bwould it be possible\b|\bis it possible\b/i,
  /\bI('d| would| should) (be (most |very )?grateful|appreciate|welcome)\b/i,
  /\bI('d| would) like (to (know|ask|request|see|arrange|have|get|discuss|meet|understand|schedule|visit|sit|talk|speak|raise|find out)|an? (update|response|reply|answer|explanation|meeting|call)|you to)\b/i,
  /\b(let me know|let us know|keep me (posted|informed|updated|in the loop)|get back to me|come back to me|revert to me)\b/i,
  /\b(update me|advise (me|us|whether|if|on|how|what|when)|confirm (whether|if|that|when|what|how|the)|send (me|us|over)|forward (me|us)|provide (me|us|an?|the|details)|give (me|us) (a call|an? update|a ring|details))\b/i,
  /\b(look into|looking into this for|investigate|chase (this|up|it)|follow (this )?up|deal with (this|it)|sort (this|it) out|arrange for|take (this|it) forward|action this)\b/i,
  /\b(I|we) (need|require|want) (to know|an? (update|answer|response|reply|explanation)|you to|someone to|this (done|fixed|sorted|resolved))\b/i,
  /\b(any|an) update (on|about|regarding|please)\b|\bany news\b|\bany progress\b/i,
  /\b(call|ring|phone|email|e-mail) me\b/i,
  /\b(kindly|urgently)\b/i,
  /\b(grateful if|appreciate it if|appreciate if)\b/i,
  /\blet'?s (discuss|talk|meet|get together|have|set up|regroup|arrange|catch up)\b|\bshall we\b/i,
  /\bI (was|am|'m) wondering\b|\b(wanted|want) to (see|check|ask|know) (if|whether|when|what|how|why)\b|\b(curious|keen to know) (where|whether|if|how|what|when|why)\b/i,
  /\b(I|we) (need|require) (your|the|a|an|some|more|to have|to get|to see|to discuss|to talk)\b/i,
  /\bhope (you|someone|officers) (can|could|will)\b/i,
  /\b(would|will) be (much |greatly |very |really |most )?(appreciated|helpful|welcome)\b/i,
  /^(?:(?:also|and|but|so|ok|okay|then|now|secondly|finally|[A-Z][a-z]+),?\s+)?(do|does|did|can|could|would|will|is|are|have|has|was|were|should|shall)\s+(you|we|they|he|she|it|there|the|this|that|anyone|someone|somebody|any)\b/i,
  /^(?:(?:also|and|then|so),?\s+)?(please\s+)?(ask|call|ring|phone|check|schedule|arrange|send|forward|confirm|advise|chase|review|investigate|contact|tell|book|find out|give|make sure|ensure|remind|respond|reply|update|provide|explain|clarify)\b/i,
];

/**
 * Phrases of a holding reply: the officer has the enquiry and will answer later. Such a reply
 * acknowledges the enquiry; any other reply from an officer to the member closes it.
 */
const HOLDING_PATTERNS: readonly RegExp[] = [
  /\b(looking|look|looked) into (it|this|that|the matter|your (enquiry|query|request|email))\b/i,
  /\b(will|'ll|shall|aim to|intend to|hope to) (get back|come back|reply|respond|revert|update you|be in touch|let you know|write again|provide (you with )?(a|an|the) (full |detailed |further )?(response|reply|update|answer))\b/i,
  /\b(have|has|'ve) (passed|forwarded|referred|sent) (this|it|your (enquiry|query|email|request))\b/i,
  /\b(acknowledge|confirm) (receipt|that we have received|that I have received)\b/i,
  /\b(received|receipt of|thank you for) your (e-?mail|enquiry|query|message|request)\b.{0,80}\b(will|shall|'ll)\b/i,
  /\bholding (reply|response)\b/i,
  /\bin due course\b|\bbear with (me|us)\b|\bmaking (some )?enquiries\b|\bchecking with\b|\bawaiting (a )?(response|information|an update) from\b/i,
  /\b(full|detailed|substantive) (response|reply|answer) (by|within|shortly|soon|next week)\b/i,
  /\b(reply|respond|response|answer) (by|before|within) (\w+day|the end of|\d)/i,
];

/** The sentence (or subject) that asks for something, if any. */
export function requestIn(subject: string, text: string): EnquiryOpening['evidence'] | undefined {
  for (const sentence of sentencesOf(text)) {
    if (OFFER.test(sentence)) continue;
    const isQuestion = /\?["')\]]*$/.test(sentence) && !GREETING_QUESTION.test(sentence);
    if (isQuestion || REQUEST_PATTERNS.some((pattern) => pattern.test(sentence))) {
      return { location: 'body', text: sentence.slice(0, MAX_EVIDENCE_CHARS) };
    }
  }
  const topic = normaliseSubject(subject);
  if (REQUEST_SUBJECT.test(topic) || /\?\s*$/.test(topic)) return { location: 'subject', text: subject.slice(0, MAX_EVIDENCE_CHARS) };
  return undefined;
}

/** An auto-reply, bounce or read receipt: never an enquiry, never an officer's answer. */
export function isAutoReply(message: ScreenedMessage): boolean {
  return message.automated || OUT_OF_OFFICE_SUBJECT.test(message.subject);
}

/** Mailing-list or bulk mail: List-* headers or a bulk Precedence. */
export function isNewsletter(message: ScreenedMessage): boolean {
  return message.headers.some(
    (header) => NEWSLETTER_HEADERS.has(header.key) || (header.key === 'precedence' && /^(bulk|list|junk)$/i.test(header.value.trim())),
  );
}

/** A reply within an existing conversation (a forward starts a new one). */
export function isReplyInThread(message: ScreenedMessage): boolean {
  if (FORWARD_PREFIX.test(message.subject)) return false;
  return message.inReplyTo !== undefined || message.references.length > 0 || REPLY_PREFIX.test(message.subject);
}

/** The subject without reply/forward prefixes and [EXTERNAL] tags, in lower case with spaces collapsed. */
export function normaliseSubject(subject: string): string {
  let rest = subject;
  for (let strip = 0; strip < 20; strip++) {
    const next = rest.replace(SUBJECT_PREFIXES, '');
    if (next === rest) break;
    rest = next;
  }
  return rest.replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Whether the message can open, follow up or answer a member enquiry, from its header section
 * alone: a member writes it, or an officer or enquiries mailbox writes to a member.
 */
export function concernsEnquiries(parties: MessageParties): boolean {
  const author = parties.from[0] ?? parties.sender;
  if (!author) return false;
  if (author.roles.includes('member')) return true;
  if (!author.roles.includes('officer') && !author.roles.includes('enquiries-mailbox')) return false;
  return [...parties.to, ...parties.cc, ...parties.recipients].some((party) => party.roles.includes('member'));
}

/**
 * Whether the message opens a member enquiry: a new message (not a reply in a thread, an
 * auto-reply or a newsletter) from a member to an officer or an enquiries mailbox named in To
 * and on the envelope, that asks for something. Deadlines come from the council's calendar.
 */
export function detectEnquiry(message: ScreenedMessage, config: Config, directory: Directory, receivedAt: Date): EnquiryOpening | null {
  const author = message.from[0] ?? message.sender;
  if (!author || !author.roles.includes('member')) return null;
  if (isAutoReply(message) || isNewsletter(message) || isReplyInThread(message)) return null;
  const addressee = addresseeOf(message, author);
  if (!addressee) return null;
  const evidence = requestIn(message.subject, message.text.newText.slice(0, MAX_SCANNED_CHARS));
  if (!evidence) return null;
  const calendar = WorkingCalendar.fromConfig(config);
  return {
    member: author.address,
    officer: addressee.address,
    acknowledgeBy: calendar.deadline(receivedAt, config.sla.acknowledge).toISOString(),
    respondBy: calendar.deadline(receivedAt, config.sla.respond).toISOString(),
    countedFrom: calendar.countingStart(receivedAt).toISOString(),
    evidence,
  };
}

/**
 * An officer's (or enquiries mailbox's) message to one or more members, classified as a holding
 * or a substantive reply; null for anything else, including an officer's auto-reply.
 */
export function classifyOfficerReply(message: ScreenedMessage): OfficerReply | null {
  const author = message.from[0] ?? message.sender;
  if (!author) return null;
  const isOfficer = author.roles.includes('officer') || author.roles.includes('enquiries-mailbox');
  if (!isOfficer || author.roles.includes('member')) return null;
  if (isAutoReply(message) || isNewsletter(message)) return null;
  const members = uniqueAddresses([...message.to, ...message.cc, ...message.recipients].filter((party) => party.roles.includes('member')));
  if (members.length === 0) return null;
  const text = message.text.newText.slice(0, MAX_SCANNED_CHARS);
  const holding = HOLDING_PATTERNS.some((pattern) => pattern.test(text));
  const answers = [...(message.inReplyTo ? [message.inReplyTo] : []), ...[...message.references].reverse()];
  return {
    officer: author.address,
    members,
    kind: holding ? 'holding' : 'substantive',
    answers: [...new Set(answers.map(normaliseMessageId).filter((id) => id.length > 0))],
    subjectKey: normaliseSubject(message.subject),
  };
}

/** A Message-ID compared without angle brackets, case of the domain part ignored. */
export function normaliseMessageId(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

/** The first officer or enquiries mailbox in To who is also an envelope recipient of this delivery. */
function addresseeOf(message: ScreenedMessage, author: Party): Party | undefined {
  const delivered = new Set(message.recipients.map((party) => party.address));
  return message.to.find(
    (party) =>
      party.address !== author.address &&
      !party.roles.includes('member') &&
      (party.roles.includes('officer') || party.roles.includes('enquiries-mailbox')) &&
      (delivered.size === 0 || delivered.has(party.address) || delivered.has(normaliseAddress(party.original))),
  );
}

function uniqueAddresses(parties: readonly Party[]): string[] {
  return [...new Set(parties.map((party) => party.address))];
}

/** The sentences of `text`, trimmed, one at a time: the request is usually in the first few. */
function* sentencesOf(text: string): Generator<string> {
  const boundary = /(?<=[.!?])\s+|\n+/g;
  let start = 0;
  for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
    const sentence = text.slice(start, match.index).trim();
    if (sentence.length > 0) yield sentence;
    start = match.index + match[0].length;
  }
  const last = text.slice(start).trim();
  if (last.length > 0) yield last;
}
