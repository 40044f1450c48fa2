import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { Directory, normaliseAddress } from '../directory.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ScreenedMessage } from '../message/model.js';
import { headerSafe, NOTICE_SEND_LIMIT_MS, type Mailer, type Notice } from '../notify/mailer.js';
import type { ScreeningResult } from '../pipeline.js';
import type { RedisHandle } from '../redis.js';
import { WorkingCalendar } from './calendar.js';
import { classifyOfficerReply, isReplyInThread, normaliseMessageId, normaliseSubject, type EnquiryOpening, type OfficerReply } from './enquiries.js';
import { EnquiryStore, type StoredEnquiry } from './store.js';
import { EnquiryTimers, STAGES, type Deferral, type Stage, type TimerJob } from './timers.js';

/**
 * `open`: no reply yet, no deadline missed. `acknowledged`: a holding reply, the full reply not
 * yet due. `overdue`: a deadline passed without the reply it asked for. `closed`: answered.
 */
export type EnquiryStatus = 'open' | 'acknowledged' | 'overdue' | 'closed';

/** One item of `GET /api/enquiries` and of the `enquiries` listing. */
export interface EnquirySummary {
  readonly id: string;
  /** the member's address */
  readonly member: string;
  /** the officer (or enquiries mailbox) it is with */
  readonly officer: string;
  readonly subject: string;
  readonly receivedAt: string;
  readonly acknowledgeBy: string;
  readonly respondBy: string;
  readonly status: EnquiryStatus;
  /** names from the directory, when known */
  readonly memberName?: string;
  readonly officerName?: string;
  readonly acknowledgedAt?: string;
  readonly closedAt?: string;
  /** deadlines that passed without the reply they asked for */
  readonly missed: ReadonlyArray<'acknowledge' | 'respond'>;
}

/** What `record` did with a message. */
export type RecordOutcome =
  | { readonly kind: 'opened' | 'duplicate'; readonly enquiryId: string }
  | { readonly kind: 'acknowledged' | 'closed'; readonly enquiryId: string; readonly matchedBy: 'thread' | 'subject' }
  | { readonly kind: 'follow-up'; readonly enquiryId: string }
  | { readonly kind: 'unmatched-reply' | 'ignored' };

export interface EnquiryServiceOptions {
  /** who is who; built from the config when absent */
  readonly directory?: Directory;
  /** the clock for statuses, digests and working-hours checks @defaultValue `() => new Date()` */
  readonly now?: () => Date;
  /** run reminder workers in this instance (false: record and list only) @defaultValue true */
  readonly runWorkers?: boolean;
  /** schedule the Monitoring Officer's daily breach digest @defaultValue true */
  readonly scheduleDigest?: boolean;
  /**
   * Held messages still waiting for a decision that were received before the given instant, for
   * the daily digest (the review store provides them; absent, the digest lists none)
   */
  readonly waitingHolds?: (receivedBefore: Date) => Promise<readonly WaitingHold[]>;
  /** notices sent in parallel by this instance @defaultValue 4 */
  readonly concurrency?: number;
  /** BullMQ queue name @defaultValue `'sla-timers'` */
  readonly queueName?: string;
  /** a timer whose notice could not be sent (SMTP or Redis down) runs again after this long, milliseconds @defaultValue 30000 */
  readonly retryDelayMs?: number;
  /** how long a worker's claim on a running timer lasts before another may rerun it, milliseconds @defaultValue 30000 (BullMQ's) */
  readonly lockDurationMs?: number;
  /** how often workers look for timers whose worker died, milliseconds @defaultValue 30000 (BullMQ's) */
  readonly stalledIntervalMs?: number;
  /** a notice claimed longer ago than this and not confirmed sent is sent again, milliseconds @defaultValue NOTICE_SEND_LIMIT_MS (2 min) */
  readonly noticeSendLimitMs?: number;
}

/** A held message waiting for the Monitoring Officer's decision, as the digest names it: no content. */
export interface WaitingHold {
  readonly id: string;
  readonly receivedAt: string;
  /** the filters that held it, with their paragraphs, e.g. "obligation (para 10.1.3)" */
  readonly reasons: readonly string[];
  /** its page on the review site */
  readonly link: string;
}

export interface ListOptions {
  /** newest first, at most this many @defaultValue 1000 */
  readonly limit?: number;
  /** only these statuses */
  readonly status?: readonly EnquiryStatus[];
}

/** One timed step of an enquiry. */
interface PlannedStage {
  readonly stage: Stage;
  readonly at: Date;
  /** the deadline this stage belongs to */
  readonly deadline: Date;
  /** still needed: the reply it waits for has not come */
  readonly needed: boolean;
}

/** a reminder this late (worker down, Redis restarted) outside working hours waits for the next working morning */
const LATE_REMINDER_GRACE_MS = 60_000;
/** a timer that fires this much early (config changed) is put back to its time */
const EARLY_TOLERANCE_MS = 1_000;
const MS_PER_DAY = 86_400_000;
/** enquiries reconciled at once: enough to keep Redis busy, few enough not to flood it */
const RECONCILE_BATCH = 200;

/**
 * Member-enquiry deadlines for one council: opens enquiries from screened mail, applies officer
 * replies, runs the reminder and escalation timers, sends the Monitoring Officer's breach digest
 * and lists enquiries. Every step is idempotent, so duplicate deliveries, several gateway
 * instances on one Redis and restarts never double or lose a notice.
 */
export class EnquiryService {
  private readonly directory: Directory;
  private readonly calendar: WorkingCalendar;
  private readonly now: () => Date;
  private readonly connection: Redis;
  private readonly store: EnquiryStore;
  private readonly timers: EnquiryTimers;
  private readonly instance = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private connecting: Promise<void> | undefined;
  private started = false;

  constructor(
    private readonly config: Config,
    redis: RedisHandle,
    private readonly logger: Logger,
    private readonly mailer: Mailer,
    private readonly options: EnquiryServiceOptions = {},
  ) {
    this.directory = options.directory ?? new Directory(config);
    this.calendar = WorkingCalendar.fromConfig(config);
    this.now = options.now ?? (() => new Date());
    // fail fast while Redis is down: the relay logs and delivers rather than waiting
    this.connection = redis.connect({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.connection.on('error', (error: Error) => logger.warn({ err: error.message }, 'sla: redis connection error'));
    this.store = new EnquiryStore(this.connection, config.redis.prefix);
    this.timers = new EnquiryTimers(redis, {
      prefix: config.redis.prefix,
      logger,
      ...(options.queueName ? { queueName: options.queueName } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
    });
  }

  /** Connects, starts the reminder workers and puts back any timer Redis lost. */
  async start(): Promise<void> {
    await this.ready();
    if (this.started) return;
    this.started = true;
    const reconciled = await this.reconcile();
    if (this.options.scheduleDigest ?? true) await this.scheduleNextDigest();
    if (this.options.runWorkers ?? true) await this.timers.startWorker((job) => this.runTimer(job));
    this.logger.info({ ...reconciled }, 'sla: enquiry timers started');
  }

  /**
   * Takes note of one delivered message: a member's enquiry opens (once, however often it is
   * delivered), an officer's reply in the thread acknowledges or closes. Throws when Redis is
   * unavailable; the caller logs and delivers anyway.
   */
  async record(result: ScreeningResult, receivedAt: Date): Promise<RecordOutcome> {
    await this.ready();
    if (result.action === 'reject' || result.action === 'defer') return { kind: 'ignored' };
    if (result.enquiry) return this.open(result.enquiry, result.message, receivedAt);
    const reply = classifyOfficerReply(result.message);
    if (reply) return this.applyReply(reply, result.message, receivedAt);
    return this.noteFollowUp(result.message);
  }

  /** Enquiries, newest first, with their status now. */
  async list(options: ListOptions = {}): Promise<EnquirySummary[]> {
    await this.ready();
    const records = await this.store.listRecent(options.limit ?? 1000);
    const now = this.now();
    const summaries = records.map((record) => this.summarise(record, now));
    return options.status ? summaries.filter((summary) => options.status?.includes(summary.status)) : summaries;
  }

  /** Puts back the timer of every enquiry that still has one to run (Redis without persistence loses delayed jobs). */
  async reconcile(): Promise<{ checked: number; scheduled: number }> {
    await this.ready();
    // a timer left failed (by an older version, or data it could not read) gets another round; its handler re-checks the enquiry
    await this.timers.retryFailed();
    const ids = await this.store.allIds();
    let scheduled = 0;
    for (let start = 0; start < ids.length; start += RECONCILE_BATCH) {
      const batch = ids.slice(start, start + RECONCILE_BATCH);
      const records = await this.store.getMany(batch);
      const outcomes = await Promise.all(
        records.map(async (record, index) => {
          if (record) return !record.closedAt && this.syncTimers(record, { ensure: true });
          await this.store.forget(batch[index] ?? '');
          return false;
        }),
      );
      scheduled += outcomes.filter(Boolean).length;
    }
    return { checked: ids.length, scheduled };
  }

  /**
   * Sends the Monitoring Officer(s) the breaches since the last digest and the enquiries still
   * overdue; once per recipient per date, however often it is called. Returns messages sent.
   */
  async sendBreachDigest(date: string = this.calendar.localDate(this.now())): Promise<number> {
    await this.ready();
    const now = this.now();
    const since = await this.store.lastDigestCovered();
    const fresh = await this.store.breachesBetween(since, now.getTime());
    const all = await this.store.breachesBetween(0, now.getTime());
    const records = new Map<string, StoredEnquiry>();
    const ids = [...new Set(all.map((breach) => breach.id))];
    for (const [index, record] of (await this.store.getMany(ids)).entries()) if (record) records.set(ids[index] ?? '', record);
    const stillOverdue = [...records.values()].filter((record) => this.statusOf(record, now) === 'overdue');
    // a letter held for over a working day is waiting on the Monitoring Officer alone
    const waiting = this.options.waitingHolds ? await this.options.waitingHolds(this.calendar.subtractWorkingTime(now, this.calendar.workingDayMs)) : [];
    // breaches of enquiries that have expired from the store will never be listed again
    await this.store.forgetBreachesBefore(now.getTime() - this.config.review.retentionDays * MS_PER_DAY);
    let sent = 0;
    if (fresh.length > 0 || stillOverdue.length > 0 || waiting.length > 0) {
      const text = this.digestText(date, since, fresh, stillOverdue, records, waiting);
      const holds = waiting.length > 0 ? `${waiting.length} held message${waiting.length === 1 ? '' : 's'} waiting for a decision, ` : '';
      for (const recipient of this.config.monitoringOfficers) {
        if (!(await this.store.claimDigest(date, recipient, `claimed ${now.toISOString()} ${this.instance}`))) continue;
        try {
          await this.mailer.send({
            to: recipient,
            subject: `${holds ? `Gateway digest: ${holds}member enquiries` : 'Member enquiries'}: ${fresh.length} missed deadline${fresh.length === 1 ? '' : 's'}, ${stillOverdue.length} still overdue (${date})`,
            text,
            id: `digest-${date}-${shortId(recipient)}`,
            kind: 'digest',
          });
        } catch (error) {
          await this.store.releaseDigest(date, recipient);
          throw error;
        }
        await this.store.markDigest(date, recipient, `sent ${this.now().toISOString()}`);
        sent++;
      }
    }
    await this.store.markDigestDone(date, now.getTime());
    return sent;
  }

  /** Stops the workers (running notices finish) and disconnects. */
  async close(): Promise<void> {
    await this.timers.close();
    this.connection.disconnect();
  }

  /** Timer job counts, for tests and health checks. */
  async timerCounts(): Promise<Record<string, number>> {
    return this.timers.counts();
  }

  /** Connected, or a fast failure: callers on the mail path must never wait for Redis to come back. */
  private async ready(): Promise<void> {
    if (this.connection.status === 'wait') {
      this.connecting ??= this.connection.connect().catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
    }
    if (this.connecting) await this.connecting;
    if (this.connection.status !== 'ready') {
      throw new GatewayError('REDIS_UNAVAILABLE', `enquiry store: Redis is not connected (${this.connection.status})`);
    }
    await this.timers.ready();
  }

  private async open(opening: EnquiryOpening, message: ScreenedMessage, receivedAt: Date): Promise<RecordOutcome> {
    const id = enquiryIdOf(message, opening.officer);
    const record: StoredEnquiry = {
      id,
      member: opening.member,
      officer: opening.officer,
      officerIsMailbox: this.directory.has(opening.officer, 'enquiries-mailbox') && !this.directory.has(opening.officer, 'officer') ? '1' : '0',
      subject: message.subject,
      receivedAt: receivedAt.toISOString(),
      acknowledgeBy: opening.acknowledgeBy,
      respondBy: opening.respondBy,
    };
    const first = this.planStages(record).find((planned) => planned.needed)?.stage;
    if (first) record.timer = first;
    const created = await this.store.open(record, {
      threadIds: message.messageId ? [normaliseMessageId(message.messageId)] : [],
      // an empty subject would match every subject-less message to this member
      ...(normaliseSubject(message.subject) ? { subjectKey: this.subjectIndexKey(message.subject, opening.member) } : {}),
      expireAtSeconds: this.expiryOf(record),
    });
    const stored = created ? record : await this.store.get(id);
    // also for a duplicate: heals a crash between storing the enquiry and scheduling its timer
    if (stored) await this.syncTimers(stored, { ensure: true });
    this.logger.info({ enquiryId: id, duplicate: !created }, created ? 'sla: enquiry opened' : 'sla: duplicate delivery of an open enquiry');
    return { kind: created ? 'opened' : 'duplicate', enquiryId: id };
  }

  private async applyReply(reply: OfficerReply, message: ScreenedMessage, receivedAt: Date): Promise<RecordOutcome> {
    const match = await this.matchReply(reply);
    if (!match) return { kind: 'unmatched-reply' };
    const updated = await this.store.applyReply(
      match.record.id,
      { kind: reply.kind, at: receivedAt, by: reply.officer, byIsOfficer: this.directory.has(reply.officer, 'officer') },
      Math.ceil((receivedAt.getTime() + this.config.review.retentionDays * MS_PER_DAY) / 1000),
    );
    if (!updated) return { kind: 'unmatched-reply' };
    if (message.messageId) await this.store.indexThread(normaliseMessageId(message.messageId), updated.id, this.expiryOf(updated));
    await this.syncTimers(updated);
    this.logger.info({ enquiryId: updated.id, kind: reply.kind, matchedBy: match.by }, 'sla: officer reply recorded');
    return { kind: updated.closedAt ? 'closed' : 'acknowledged', enquiryId: updated.id, matchedBy: match.by };
  }

  /**
   * The enquiry an officer's message answers: by In-Reply-To/References; failing that (a client
   * that drops thread headers), by subject and parties: same member, same normalised subject,
   * and written by the enquiry's officer or on behalf of the mailbox it went to.
   */
  private async matchReply(reply: OfficerReply): Promise<{ record: StoredEnquiry; by: 'thread' | 'subject' } | undefined> {
    const threadId = await this.store.findByThread(reply.answers);
    if (threadId) {
      const record = await this.store.get(threadId);
      if (record && reply.members.some((member) => this.samePerson(member, record.member))) return { record, by: 'thread' };
    }
    if (!reply.subjectKey) return undefined;
    for (const member of reply.members) {
      const id = await this.store.findBySubject(this.subjectIndexKey(reply.subjectKey, member));
      const record = id ? await this.store.get(id) : undefined;
      if (!record || record.closedAt) continue;
      if (record.officer === reply.officer || record.officerIsMailbox === '1') return { record, by: 'subject' };
    }
    return undefined;
  }

  /** A member writing again in their enquiry's thread: later answers to that message still match. */
  private async noteFollowUp(message: ScreenedMessage): Promise<RecordOutcome> {
    const author = message.from[0];
    if (!author?.roles.includes('member') || !message.messageId || !isReplyInThread(message)) return { kind: 'ignored' };
    const answers = [...(message.inReplyTo ? [message.inReplyTo] : []), ...message.references].map(normaliseMessageId);
    const id = await this.store.findByThread(answers);
    const record = id ? await this.store.get(id) : undefined;
    if (!record || !this.samePerson(author.address, record.member)) return { kind: 'ignored' };
    await this.store.indexThread(normaliseMessageId(message.messageId), record.id, this.expiryOf(record));
    return { kind: 'follow-up', enquiryId: record.id };
  }

  /** The timed steps of an enquiry, in firing order. */
  private planStages(record: StoredEnquiry): PlannedStage[] {
    const { acknowledge, respond, remindBefore } = this.config.sla;
    const receivedAt = new Date(record.receivedAt);
    const acknowledgeBy = new Date(record.acknowledgeBy);
    const respondBy = new Date(record.respondBy);
    const acknowledged = record.acknowledgedAt !== undefined;
    const closed = record.closedAt !== undefined;
    // "a full reply or an explanatory acknowledgement within N days": one deadline, any reply meets it
    const singleDeadline = respondBy.getTime() <= acknowledgeBy.getTime();
    const stages: PlannedStage[] = [];
    const reminder = (deadline: Date, wallClock: boolean): Date => this.calendar.before(deadline, remindBefore, wallClock);
    if (!singleDeadline) {
      const at = reminder(acknowledgeBy, acknowledge.kind === 'wall-clock');
      const needed = !acknowledged && !closed;
      if (at.getTime() > receivedAt.getTime()) stages.push({ stage: 'ack-reminder', at, deadline: acknowledgeBy, needed });
      stages.push({ stage: 'ack-escalation', at: acknowledgeBy, deadline: acknowledgeBy, needed });
    }
    const respondNeeded = !closed && !(singleDeadline && acknowledged);
    const respondReminder = reminder(respondBy, respond.kind === 'wall-clock');
    if (respondReminder.getTime() > receivedAt.getTime()) {
      stages.push({ stage: 'reply-reminder', at: respondReminder, deadline: respondBy, needed: respondNeeded });
    }
    stages.push({ stage: 'reply-escalation', at: respondBy, deadline: respondBy, needed: respondNeeded });
    return stages.sort((a, b) => a.at.getTime() - b.at.getTime() || STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  }

  /**
   * Makes the queue hold exactly the enquiry's next timer: cancels one no longer needed and
   * schedules the next stage. With `ensure`, re-adds the current one too (a no-op if it exists).
   * Returns whether a timer is scheduled.
   */
  private async syncTimers(record: StoredEnquiry, { ensure = false, running }: { ensure?: boolean; running?: Stage } = {}): Promise<boolean> {
    const next = this.planStages(record).find((planned) => planned.needed && record[`done:${planned.stage}`] === undefined);
    const current = record.timer as Stage | undefined;
    // the job being run finishes by itself; any other stale timer goes
    if (current && current !== next?.stage && current !== running) await this.timers.cancel({ kind: 'stage', enquiryId: record.id, stage: current });
    if (!next) {
      if (current) await this.store.compareAndSet(record.id, 'timer', '', current);
      return false;
    }
    if (current !== next.stage || ensure) await this.timers.schedule({ kind: 'stage', enquiryId: record.id, stage: next.stage }, next.at);
    if (current !== next.stage) await this.store.compareAndSet(record.id, 'timer', next.stage);
    return true;
  }

  private async runTimer(job: TimerJob): Promise<void | Deferral> {
    if (job.kind === 'digest') {
      await this.sendBreachDigest(job.date);
      await this.scheduleDigestFor(this.calendar.workingDayAfter(job.date));
      return;
    }
    return this.runStage(job.enquiryId, job.stage);
  }

  private async runStage(enquiryId: string, stage: Stage): Promise<void | Deferral> {
    const record = await this.store.get(enquiryId);
    if (!record) return;
    const planned = this.planStages(record).find((entry) => entry.stage === stage);
    if (!planned || !planned.needed || record[`done:${stage}`] !== undefined) {
      await this.syncTimers(record, { running: stage });
      return;
    }
    const now = this.now();
    if (planned.at.getTime() - now.getTime() > EARLY_TOLERANCE_MS) return { deferUntil: planned.at };
    const deadlineKind = deadlineOf(stage);
    if (stage.endsWith('reminder')) {
      const decision = decideReminder(now, planned, this.calendar, this.config.sla[deadlineKind].kind === 'wall-clock');
      if (decision.action === 'defer') return { deferUntil: decision.until };
      if (decision.action === 'skip') {
        this.logger.warn({ enquiryId, stage }, 'sla: reminder not sent: its deadline passed before it could go');
      } else {
        await this.sendOnce(record, stage, record.officer);
      }
    } else {
      await this.store.setIfAbsent(enquiryId, `breach:${deadlineKind}`, planned.deadline.toISOString());
      await this.store.recordBreach(enquiryId, deadlineKind, planned.deadline);
      const recipients = this.escalationRecipients(record);
      if (recipients.length === 0) this.logger.warn({ enquiryId, stage }, 'sla: missed deadline has nobody to escalate to (no manager, no Monitoring Officer)');
      for (const recipient of recipients) await this.sendOnce(record, stage, recipient);
    }
    await this.store.setIfAbsent(enquiryId, `done:${stage}`, now.toISOString());
    // a reply recorded meanwhile runs its own sync; at worst this one schedules a stage that will find itself not needed
    await this.syncTimers({ ...record, [`done:${stage}`]: now.toISOString() }, { running: stage });
  }

  /**
   * Sends one notice, once as a rule. The claim is taken before sending and marked sent after. A
   * rerun that finds a claim without the mark, older than any send could take (so the attempt that
   * took it is gone), sends the notice itself: a lost reminder is the worse failure, and a rare second
   * copy carries the same Message-ID, so it is recognisably the same notice.
   */
  private async sendOnce(record: StoredEnquiry, stage: Stage, recipient: string): Promise<void> {
    const field = `notice:${stage}:${recipient}` as const;
    const claim = `claimed ${this.now().toISOString()} ${this.instance}`;
    const stored = await this.store.setIfAbsent(record.id, field, claim);
    if (stored === undefined) return;
    if (stored !== claim) {
      if (stored.startsWith('sent')) return;
      const claimedAt = Date.parse(stored.split(' ')[1] ?? '');
      // older than any send could take: the attempt that claimed it is gone
      const lapsed = !Number.isFinite(claimedAt) || this.now().getTime() - claimedAt >= (this.options.noticeSendLimitMs ?? NOTICE_SEND_LIMIT_MS);
      // a live attempt elsewhere is still sending it
      if (!lapsed) return;
      if (!(await this.store.compareAndSet(record.id, field, claim, stored))) return;
      this.logger.warn({ enquiryId: record.id, stage }, 'sla: an earlier attempt claimed this notice and did not confirm sending it; sending it now (a second copy would carry the same Message-ID)');
    }
    try {
      await this.mailer.send(this.noticeFor(record, stage, recipient));
    } catch (error) {
      await this.store.compareAndSet(record.id, field, '', claim);
      throw error;
    }
    await this.store.compareAndSet(record.id, field, `sent ${this.now().toISOString()}`, claim);
    this.logger.info({ enquiryId: record.id, stage }, 'sla: notice sent');
  }

  private escalationRecipients(record: StoredEnquiry): string[] {
    const manager = this.directory.lookup(record.officer)?.manager;
    return manager ? [manager] : [...this.config.monitoringOfficers];
  }

  private noticeFor(record: StoredEnquiry, stage: Stage, recipient: string): Notice & { id: string } {
    const member = this.nameOf(record.member);
    const officer = this.nameOf(record.officer);
    const subject = headerSafe(record.subject || '(no subject)', 120);
    const single = new Date(record.respondBy).getTime() <= new Date(record.acknowledgeBy).getTime();
    const deadlineKind = deadlineOf(stage);
    const due = deadlineKind === 'acknowledge' ? record.acknowledgeBy : record.respondBy;
    const what = deadlineKind === 'acknowledge' ? 'an acknowledgement' : single ? 'a reply' : 'a full reply';
    const recipientName = this.directory.lookup(recipient)?.name;
    const id = `${record.id}-${stage}-${shortId(recipient)}`;
    const lines = (...text: string[]): string => `${text.join('\n')}\n`;
    if (stage.endsWith('reminder')) {
      return {
        to: recipient,
        kind: 'reminder',
        ...(recipientName ? { toName: recipientName } : {}),
        subject: `Reminder: member enquiry from ${member}: ${what.replace(/^an? /, '')} due ${this.format(due)}`,
        text: lines(
          `${recipientName ?? officer},`,
          '',
          `${member} <${record.member}> sent a member enquiry on ${this.format(record.receivedAt)}:`,
          `  Subject: ${subject}`,
          '',
          `${capitalise(what)} is due by ${this.format(due)}.`,
          ...(deadlineKind === 'acknowledge' && !single ? [`The full reply is due by ${this.format(record.respondBy)}.`] : []),
          '',
          'Reply to the member in the same email thread: the gateway recognises the reply and stops the reminders.',
          'A holding reply ("I am looking into this and will reply by ...") counts as an acknowledgement.',
          '',
          `Enquiry reference: ${record.id}`,
        ),
        id,
      };
    }
    return {
      to: recipient,
      kind: 'escalation',
      ...(recipientName ? { toName: recipientName } : {}),
      subject: `Missed deadline: member enquiry from ${member} to ${officer}`,
      text: lines(
        `${recipientName ?? 'Hello'},`,
        '',
        `${capitalise(what)} to a member enquiry was due by ${this.format(due)} and has not been sent.`,
        '',
        `  From:     ${member} <${record.member}>`,
        `  To:       ${officer} <${record.officer}>`,
        `  Subject:  ${subject}`,
        `  Received: ${this.format(record.receivedAt)}`,
        '',
        'You receive this as the officer’s manager (or as Monitoring Officer where no manager is set).',
        'The Monitoring Officer sees every missed deadline in the daily digest.',
        '',
        `Enquiry reference: ${record.id}`,
      ),
      id,
    };
  }

  private digestText(
    date: string,
    sinceMs: number,
    fresh: ReadonlyArray<{ id: string; deadline: 'acknowledge' | 'respond'; at: Date }>,
    stillOverdue: readonly StoredEnquiry[],
    records: ReadonlyMap<string, StoredEnquiry>,
    waiting: readonly WaitingHold[] = [],
  ): string {
    const line = (record: StoredEnquiry | undefined, id: string, detail: string): string =>
      record
        ? `  - ${detail}: ${this.nameOf(record.member)} to ${this.nameOf(record.officer)}, "${headerSafe(record.subject, 100)}" (received ${this.format(record.receivedAt)}; ref ${id})`
        : `  - ${detail}: enquiry ${id} (no longer stored)`;
    const out = [`Member enquiry deadlines, digest for ${date}`, ''];
    if (waiting.length > 0) {
      out.push('Held messages waiting for your decision for more than a working day (they are not delivered until you release them):');
      for (const hold of waiting) out.push(`  - held since ${this.format(hold.receivedAt)} under ${hold.reasons.join(', ')}: ${hold.link}`);
      out.push('');
    }
    out.push(sinceMs > 0 ? `Deadlines missed since ${this.format(new Date(sinceMs).toISOString())}:` : 'Deadlines missed:');
    if (fresh.length === 0) out.push('  none');
    for (const breach of fresh) {
      out.push(line(records.get(breach.id), breach.id, `${breach.deadline === 'acknowledge' ? 'acknowledgement' : 'reply'} due ${this.format(breach.at.toISOString())}`));
    }
    out.push('', 'Still overdue:');
    if (stillOverdue.length === 0) out.push('  none');
    for (const record of stillOverdue) out.push(line(record, record.id, `reply due ${this.format(record.respondBy)}`));
    out.push('', 'Run `member-officer-gateway enquiries --status overdue` or open /api/enquiries for the full list.');
    return `${out.join('\n')}\n`;
  }

  private async scheduleNextDigest(): Promise<void> {
    const today = this.calendar.localDate(this.now());
    const date = this.calendar.isWorkingDay(today) && !(await this.store.digestDone(today)) ? today : this.calendar.workingDayAfter(today);
    await this.scheduleDigestFor(date);
  }

  private async scheduleDigestFor(date: string): Promise<void> {
    const startMs = clockToMs(this.config.sla.workingHours.start);
    await this.timers.schedule({ kind: 'digest', date }, this.calendar.instantOf(date, startMs));
  }

  private summarise(record: StoredEnquiry, now: Date): EnquirySummary {
    const memberName = this.directory.lookup(record.member)?.name;
    const officerName = this.directory.lookup(record.officer)?.name;
    return {
      id: record.id,
      member: record.member,
      officer: record.officer,
      subject: record.subject,
      receivedAt: record.receivedAt,
      acknowledgeBy: record.acknowledgeBy,
      respondBy: record.respondBy,
      status: this.statusOf(record, now),
      ...(memberName ? { memberName } : {}),
      ...(officerName ? { officerName } : {}),
      ...(record.acknowledgedAt ? { acknowledgedAt: record.acknowledgedAt } : {}),
      ...(record.closedAt ? { closedAt: record.closedAt } : {}),
      missed: missedDeadlines(record),
    };
  }

  private statusOf(record: StoredEnquiry, now: Date): EnquiryStatus {
    if (record.closedAt) return 'closed';
    const nowMs = now.getTime();
    const single = Date.parse(record.respondBy) <= Date.parse(record.acknowledgeBy);
    if (!record.acknowledgedAt && nowMs > Date.parse(record.acknowledgeBy)) return 'overdue';
    if (!(single && record.acknowledgedAt) && nowMs > Date.parse(record.respondBy)) return 'overdue';
    return record.acknowledgedAt ? 'acknowledged' : 'open';
  }

  private samePerson(a: string, b: string): boolean {
    if (normaliseAddress(a) === normaliseAddress(b)) return true;
    const nameA = this.directory.lookup(a)?.name;
    return nameA !== undefined && nameA === this.directory.lookup(b)?.name;
  }

  /** Subject index key: the same person under any of their addresses. */
  private subjectIndexKey(subject: string, member: string): string {
    return `${normaliseSubject(subject)}\n${this.directory.lookup(member)?.name ?? normaliseAddress(member)}`;
  }

  /** Records and indexes live until the reply deadline plus the retention period. */
  private expiryOf(record: StoredEnquiry): number {
    const base = Math.max(Date.parse(record.respondBy), Date.parse(record.closedAt ?? record.respondBy));
    return Math.ceil((base + this.config.review.retentionDays * MS_PER_DAY) / 1000);
  }

  private nameOf(address: string): string {
    return headerSafe(this.directory.lookup(address)?.name ?? address, 100);
  }

  private format(iso: string): string {
    return formatLocal(new Date(iso), this.config.council.timezone);
  }
}

/**
 * Whether a reminder due at `planned.at` goes now. Reminders of working-time deadlines go in
 * working hours only: one that fires late (workers were down) outside them waits for the next
 * working morning, and is dropped if that is past its deadline (the escalation follows).
 * Reminders of wall-clock deadlines go whenever they fall due.
 */
export function decideReminder(
  now: Date,
  planned: { readonly at: Date; readonly deadline: Date },
  calendar: WorkingCalendar,
  wallClock: boolean,
): { action: 'send' } | { action: 'skip' } | { action: 'defer'; until: Date } {
  if (now.getTime() >= planned.deadline.getTime()) return { action: 'skip' };
  const late = now.getTime() - planned.at.getTime() > LATE_REMINDER_GRACE_MS;
  if (wallClock || !late || calendar.isWithinWorkingHours(now)) return { action: 'send' };
  const morning = calendar.nextWorkingInstant(now);
  return morning.getTime() < planned.deadline.getTime() ? { action: 'defer', until: morning } : { action: 'skip' };
}

/**
 * Derived from the message, so every delivery of it agrees: the Message-ID (or, when a message
 * has none, a fingerprint of envelope, date, sender, subject and text) and the officer it is for.
 */
export function enquiryIdOf(message: ScreenedMessage, officer: string): string {
  const identity = message.messageId
    ? `mid:${normaliseMessageId(message.messageId)}`
    : `fp:${[message.envelope.mailFrom ?? '', [...message.envelope.rcptTo].map(normaliseAddress).sort().join(','), message.date ?? '', message.from[0]?.address ?? '', message.subject, message.text.newText].join('\n')}`;
  return `e${createHash('sha256').update(`${identity}\n${normaliseAddress(officer)}`).digest('hex').slice(0, 14)}`;
}

/** Which deadline a stage belongs to, named as the policy file names them. */
function deadlineOf(stage: Stage): 'acknowledge' | 'respond' {
  return stage.startsWith('ack-') ? 'acknowledge' : 'respond';
}

function missedDeadlines(record: StoredEnquiry): Array<'acknowledge' | 'respond'> {
  const missed: Array<'acknowledge' | 'respond'> = [];
  if (record['breach:acknowledge']) missed.push('acknowledge');
  if (record['breach:respond']) missed.push('respond');
  return missed;
}

/** "Tue 6 Oct 2026, 17:00" in the council's zone (seconds shown when not zero). */
export function formatLocal(date: Date, timezone: string): string {
  const withSeconds = date.getUTCSeconds() !== 0;
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).format(date);
}

function shortId(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clockToMs(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number) as [number, number];
  return (hours * 60 + minutes) * 60_000;
}
