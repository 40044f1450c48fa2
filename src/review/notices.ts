import { filters as registry } from '../../filters/index.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Mailer, Notice } from '../notify/mailer.js';
import type { WaitingHold } from '../sla/service.js';
import type { FindingSummary, ReviewStore } from './store.js';
import { errorMessage } from '../errors.js';

/** The review page's address as the Monitoring Officer reaches it. */
export function reviewBaseUrl(config: Config): string {
  if (config.review.publicUrl) return config.review.publicUrl.replace(/\/+$/, '');
  return `http://${config.review.listen}`;
}

/** "blind-copy (para 10.1.1)", from the permanent finding summary: no message content. */
function citations(findings: readonly FindingSummary[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const finding of findings) {
    const key = `${finding.filter}|${finding.protocolRef}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const title = registry.find((filter) => filter.id === finding.filter)?.title ?? finding.filter;
    lines.push(`- ${title} (${finding.filter}), Member/Officer Protocol paragraph ${finding.protocolRef}`);
  }
  return lines;
}

/** how many waiting holds one digest names at most; the review page lists them all */
const MAX_WAITING_LISTED = 200;

/** Held letters still undecided, received before a given instant, as the daily digest names them: no content. */
export function waitingHoldsIn(store: ReviewStore, config: Config): (receivedBefore: Date) => Promise<WaitingHold[]> {
  return async (receivedBefore) => {
    // the list comes newest first: the letters waiting longest are at its end
    const { items } = await store.list({ status: 'held', receivedTo: receivedBefore, limit: Number.MAX_SAFE_INTEGER });
    return items
      .slice(-MAX_WAITING_LISTED)
      .map(({ record }) => ({
        id: record.id,
        receivedAt: record.receivedAt,
        reasons: [...new Set(record.findings.map((finding) => `${finding.filter} (para ${finding.protocolRef})`))],
        link: `${reviewBaseUrl(config)}/flags/${encodeURIComponent(record.id)}`,
      }))
      .reverse();
  };
}

/**
 * Notices about held messages. None carries message content: the Monitoring Officer gets a link,
 * the sender gets the paragraph. Sending runs in the background; a failure is logged and never
 * undoes a hold or a decision.
 */
export class HoldNotices {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly mailer?: Mailer,
  ) {}

  /** To each Monitoring Officer: one message each, a link and the filters, nothing from the mail. */
  heldForReview(id: string, receivedAt: Date, findings: readonly FindingSummary[]): void {
    if (!this.mailer) return;
    const link = `${reviewBaseUrl(this.config)}/flags/${encodeURIComponent(id)}`;
    const text = [
      'A message has been held by the member-officer gateway and is waiting for your decision.',
      'It will not be delivered unless you release it.',
      '',
      `Review it here (sign-in required): ${link}`,
      `Received: ${formatTime(receivedAt, this.config.council.timezone)}`,
      '',
      'Why it was held:',
      ...citations(findings),
      '',
      'The message itself is shown only on the review page.',
    ].join('\n');
    this.config.monitoringOfficers.forEach((officer, index) => {
      this.send({ to: officer, subject: `Message held for your review (${id})`, text, id: `review-${id}-held-${index}`, kind: 'hold-notice' }, 'hold notice to the Monitoring Officer');
    });
  }

  /** To the sender, if policy says so: the message is held, under which paragraph. */
  senderHeld(id: string, mailFrom: string, receivedAt: Date, findings: readonly FindingSummary[]): void {
    if (!this.mailer || !this.senderMayBeTold(mailFrom)) return;
    const text = [
      `Your message received at ${formatTime(receivedAt, this.config.council.timezone)} has been held for review by the Monitoring Officer of ${this.config.council.name}.`,
      'It has not been delivered yet. You do not need to send it again: it will be delivered if the Monitoring Officer releases it.',
      '',
      'It was held under the Member/Officer Protocol:',
      ...citations(findings),
      '',
      `Reference: ${id}`,
    ].join('\n');
    this.send({ to: mailFrom, subject: 'Your message has been held for review', text, id: `review-${id}-sender-held`, kind: 'sender-notice' }, 'hold notice to the sender');
  }

  /** To the sender, if policy says so: the held message will not be delivered. */
  senderNotDelivered(id: string, mailFrom: string, findings: readonly FindingSummary[]): void {
    if (!this.mailer || !this.senderMayBeTold(mailFrom)) return;
    const text = [
      `The Monitoring Officer of ${this.config.council.name} has reviewed your held message and it will not be delivered.`,
      '',
      'It was held under the Member/Officer Protocol:',
      ...citations(findings),
      '',
      `Reference: ${id}. Please contact the Monitoring Officer if you have questions.`,
    ].join('\n');
    this.send({ to: mailFrom, subject: 'Your held message will not be delivered', text, id: `review-${id}-sender-not-delivered`, kind: 'sender-notice' }, 'not-delivered notice to the sender');
  }

  /** Resolves when every notice started so far has been sent or has failed. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private senderMayBeTold(mailFrom: string): boolean {
    const policy = this.config.review.notifySender;
    if (policy === 'none' || !mailFrom.includes('@')) return false;
    if (policy === 'all') return true;
    const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase();
    return this.config.council.domains.includes(domain);
  }

  private send(notice: Notice & { id: string }, what: string): void {
    const mailer = this.mailer;
    if (!mailer) return;
    const work: Promise<void> = mailer
      .send(notice)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.error({ err: errorMessage(error), notice: notice.id }, `${what} could not be sent`);
      })
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }
}

export function formatTime(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
