import type { Config } from '../config/schema.js';
import { SCREENING_ERROR } from '../finding.js';
import type { Logger } from '../log.js';
import type { Party, ScreenedMessage } from '../message/model.js';
import type { Mailer } from '../notify/mailer.js';
import type { ScreeningResult } from '../pipeline.js';
import type { ForwardEnvelope } from '../relay/forward.js';
import { HoldNotices } from './notices.js';
import { MAX_SANITISED_HTML_CHARS } from './sanitise.js';
import { reviewDedupeKey, type PartyView, type ReviewContent, type ReviewStore } from './store.js';
import { errorMessage } from '../errors.js';

export interface ReviewEffectsOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** for the hold notice to the Monitoring Officer (and, by policy, to the sender) */
  readonly mailer?: Mailer;
}

/** The `review` side of `RelayEffects`, plus a way to wait for notices still being sent. */
export interface ReviewEffects {
  review(status: 'flagged' | 'held', result: ScreeningResult, raw: Buffer, envelope: ForwardEnvelope, receivedAt: Date, trace?: Buffer): Promise<string>;
  settle(): Promise<void>;
}

/** messages larger than this are not parsed again for their HTML view, bytes */
const MAX_HTML_SOURCE_BYTES = 5 * 1024 * 1024;
/** headers kept for the reviewer, and the longest value kept of each */
const MAX_HEADER_LINES = 200;
const MAX_HEADER_VALUE_CHARS = 4_000;

/**
 * What the relay calls for a flagged or held message: stores it for the Monitoring Officer and
 * returns the review id. For a held message the promise resolves only once the store is durable
 * (see `durability.ts`), and then the Monitoring Officer is told, with a link and no content.
 */
export function createReviewEffects(store: ReviewStore, options: ReviewEffectsOptions): ReviewEffects {
  const notices = new HoldNotices(options.config, options.logger, options.mailer);
  if (!options.mailer) options.logger.warn('no notify settings: the Monitoring Officer is not emailed when a message is held');
  // says at start-up, once, how safe an acknowledged hold is on this Redis
  store.durability().catch((error: unknown) => {
    options.logger.error({ err: errorMessage(error) }, 'could not check how durable held messages are');
  });
  return {
    async review(status, result, raw, envelope, receivedAt, trace) {
      const html = await messageHtml(raw, result, options.logger);
      // the gateway's Received line goes out with the letter if it is released, as it would have
      const content = { ...reviewContent(result.message, envelope, result, html), ...(trace ? { receivedLine: trace.toString('latin1') } : {}) };
      const dedupeKey = reviewDedupeKey(envelope, raw);
      const { id, duplicate } = await store.add({ status, receivedAt, dedupeKey, content, raw });
      if (status === 'held' && !duplicate) {
        const record = await store.get(id);
        const findings = record?.findings ?? [];
        notices.heldForReview(id, receivedAt, findings);
        notices.senderHeld(id, envelope.mailFrom, receivedAt, findings);
      }
      return id;
    },
    settle: () => notices.settle(),
  };
}

/** What the reviewer is shown, taken from the screening result (already parsed off the event loop). */
export function reviewContent(message: ScreenedMessage, envelope: ForwardEnvelope, result: Pick<ScreeningResult, 'findings'>, html: string | undefined): ReviewContent {
  const visible = new Set([...message.to, ...message.cc].map((party) => party.address));
  const hiddenRecipients = message.recipients.filter((party) => !visible.has(party.address)).map((party) => party.original);
  return {
    subject: message.subject,
    ...(message.messageId ? { messageId: message.messageId } : {}),
    ...(message.date ? { date: message.date } : {}),
    from: message.from.map(partyView),
    replyTo: message.replyTo.map(partyView),
    to: message.to.map(partyView),
    cc: message.cc.map(partyView),
    bcc: message.bcc.map(partyView),
    envelope: { mailFrom: envelope.mailFrom, rcptTo: [...envelope.rcptTo], ...(envelope.eightBitMime ? { eightBitMime: true } : {}) },
    hiddenRecipients,
    headers: message.headers.slice(0, MAX_HEADER_LINES).map((line) => ({ key: line.key, value: line.value.slice(0, MAX_HEADER_VALUE_CHARS) })),
    text: {
      body: message.text.body,
      newText: message.text.newText,
      quoted: message.text.quoted,
      ...(message.text.signature ? { signature: message.text.signature } : {}),
      fromHtml: message.text.fromHtml,
      truncated: message.text.truncated,
    },
    ...(html !== undefined ? { html } : {}),
    attachments: message.attachments.map((attachment) => ({ filename: attachment.filename, contentType: attachment.contentType, size: attachment.size })),
    findings: result.findings,
    problems: message.problems,
  };
}

function partyView(party: Party): PartyView {
  return {
    address: party.original,
    ...(party.displayName ? { displayName: party.displayName } : {}),
    ...(party.person ? { person: party.person } : {}),
    roles: party.roles,
  };
}

/**
 * Loaded with the first review item: the relay thread parses no other mail (screening workers do),
 * so a gateway that goes days without a flag does not hold a MIME parser on it.
 */
let mailParser: Promise<typeof import('mailparser')> | undefined;

/**
 * The message's HTML part, for the sanitised view. This parse runs on the relay's event loop, so
 * it is skipped where it could be slow: large messages, and any message screening itself could
 * not get through.
 */
async function messageHtml(raw: Buffer, result: ScreeningResult, logger: Logger): Promise<string | undefined> {
  if (raw.length > MAX_HTML_SOURCE_BYTES) return undefined;
  if (result.findings.some((finding) => finding.filter === SCREENING_ERROR)) return undefined;
  try {
    const { simpleParser } = await (mailParser ??= import('mailparser'));
    const parsed = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      maxHtmlLengthToParse: MAX_SANITISED_HTML_CHARS,
    });
    return typeof parsed.html === 'string' && parsed.html.length <= MAX_SANITISED_HTML_CHARS ? parsed.html : undefined;
  } catch (error) {
    logger.debug({ err: errorMessage(error) }, 'no HTML view for a review item: the message could not be parsed');
    return undefined;
  }
}
