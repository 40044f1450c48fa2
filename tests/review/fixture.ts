import { Redis } from 'ioredis';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { Finding } from '../../src/finding.js';
import { silentLogger } from '../../src/log.js';
import { hashPassword } from '../../src/review/password.js';
import { startReviewServer, type EnquiryProvider, type ReleaseTransport, type RunningReviewServer } from '../../src/review/server.js';
import { ReviewStore, type ReviewContent } from '../../src/review/store.js';
import type { Mailer } from '../../src/notify/mailer.js';
import { configWith } from '../helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';

export const REVIEWER = { user: 'nadia', password: 'correct horse battery staple' } as const;

let cheapHash: Promise<string> | undefined;
/** A real scrypt hash with a small cost, so sign-in tests stay quick. */
export function reviewerHash(): Promise<string> {
  cheapHash ??= hashPassword(REVIEWER.password, { N: 2 ** 14, r: 8, p: 1 });
  return cheapHash;
}

export interface ReviewFixture {
  readonly prefix: string;
  readonly redis: Redis;
  readonly store: ReviewStore;
  readonly config: Config;
  readonly server: RunningReviewServer;
  readonly baseUrl: string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly review?: Partial<NonNullable<ConfigInput['review']>>;
  readonly overrides?: Partial<ConfigInput>;
  readonly retentionMs?: number;
  readonly nextHop?: ReleaseTransport;
  readonly enquiries?: EnquiryProvider;
  readonly mailer?: Mailer;
  readonly prefix?: string;
}

const refusingNextHop: ReleaseTransport = {
  deliver: () => Promise.reject(new Error('no next hop in this test')),
};

/** A review server on an ephemeral port over a store with a key prefix of its own. */
export async function startReviewFixture(options: FixtureOptions = {}): Promise<ReviewFixture> {
  const prefix = options.prefix ?? uniquePrefix('review');
  const config = configWith({
    ...options.overrides,
    redis: { url: TEST_REDIS_URL, prefix },
    review: { listen: '127.0.0.1:0', accounts: [{ user: REVIEWER.user, passwordHash: await reviewerHash() }], ...options.review },
  });
  const redis = new Redis(TEST_REDIS_URL);
  const store = new ReviewStore({ redis, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: options.retentionMs ?? config.review.retentionDays * 86_400_000, logger: silentLogger });
  const server = await startReviewServer({
    config,
    store,
    logger: silentLogger,
    nextHop: options.nextHop ?? refusingNextHop,
    ...(options.enquiries ? { enquiries: options.enquiries } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {}),
  });
  return {
    prefix,
    redis,
    store,
    config,
    server,
    baseUrl: `http://127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      redis.disconnect();
      await deleteKeys(prefix);
    },
  };
}

export const CANARY_SUBJECT = 'Canary-subject-7f3a <b>quarterly</b> grant';
export const CANARY_BODY = 'canary-body-91c2: please proceed with the works on the depot roof.';

/** A review item's content as the relay would store it, for tests that need no relay. */
export function sampleContent(overrides: Partial<ReviewContent> = {}): ReviewContent {
  const findings: Finding[] = [
    {
      filter: 'obligation',
      rule: 'INSTRUCTION',
      severity: 'high',
      score: 0.82,
      protocolRef: '10.1.3',
      evidence: [{ location: 'body', text: 'please proceed with the works', start: 19, end: 48 }],
      explanation: 'A member instructs an officer to proceed with works.',
    },
  ];
  return {
    subject: CANARY_SUBJECT,
    messageId: '<canary-1@greyfordvale.gov.uk>',
    date: '2026-11-23T10:00:00.000Z',
    from: [{ address: 'cllr.hadley@greyfordvale.gov.uk', displayName: 'Cllr Tom Hadley', person: 'Tom Hadley', roles: ['member'] }],
    replyTo: [],
    to: [{ address: 'imran.shah@greyfordvale.gov.uk', roles: ['officer'] }],
    cc: [],
    bcc: [],
    envelope: { mailFrom: 'cllr.hadley@greyfordvale.gov.uk', rcptTo: ['imran.shah@greyfordvale.gov.uk', 'cllr.pryce@greyfordvale.gov.uk'] },
    hiddenRecipients: ['cllr.pryce@greyfordvale.gov.uk'],
    headers: [{ key: 'subject', value: CANARY_SUBJECT }],
    text: { body: CANARY_BODY, newText: CANARY_BODY, quoted: [], fromHtml: false, truncated: false },
    attachments: [],
    findings,
    problems: [],
    ...overrides,
  };
}

/** Adds an item straight to the store. */
export async function addItem(store: ReviewStore, status: 'flagged' | 'held', overrides: Partial<ReviewContent> = {}, raw = Buffer.from('Subject: x\r\n\r\nbody\r\n')): Promise<string> {
  const { id } = await store.add({ status, receivedAt: new Date(), dedupeKey: `test-${Math.random()}`, content: sampleContent(overrides), raw });
  return id;
}

/** A browser-like session: keeps cookies, sends same-origin form posts. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly baseUrl: string) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, headers, body: body ?? null, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const equals = pair.indexOf('=');
      const name = pair.slice(0, equals);
      const value = pair.slice(equals + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Signs in through the form; returns the POST response. */
  async signIn(user: string = REVIEWER.user, password: string = REVIEWER.password): Promise<Response> {
    const form = await this.request('/login');
    const token = csrfFrom(await form.text());
    const response = await this.request('/login', { method: 'POST', form: { csrf: token, user, password } });
    if (response.status === 303) this.csrf = csrfFrom(await (await this.request('/')).text());
    return response;
  }
}

/** The synchroniser token from a page's forms. */
export function csrfFrom(page: string): string {
  return /name="csrf" value="([^"]*)"/.exec(page)?.[1] ?? '';
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
