import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { filters as registry } from '../../filters/index.js';
import type { Config } from '../config/schema.js';
import { MEMBER_TEXT_NOT_READ, SCREENING_ERROR, SCREENING_INCOMPLETE, TEXT_NOT_READ } from '../finding.js';
import type { Logger } from '../log.js';
import type { Mailer } from '../notify/mailer.js';
import { screeningHeaderValue } from '../policy.js';
import { NextHopError, type ForwardEnvelope } from '../relay/forward.js';
import { REVIEW_CSS } from './assets.js';
import { Accounts, basicCredentials, LoginLimiter, normaliseAddress, proxyCsrfToken, Sessions, tokensEqual, TrustedProxy, type Principal } from './auth.js';
import { html, trusted, type SafeHtml } from './html.js';
import { HoldNotices } from './notices.js';
import { htmlFrame, itemPage, listPage, loginPage, messagePage, signInRequiredPage, type FilterInfo, type Flash, type ListFilters, type PageContext } from './pages.js';
import { sanitiseMessageHtml } from './sanitise.js';
import { isReviewId, REVIEW_DECISIONS, REVIEW_STATUSES, type AuditEntry, type ListedItem, type ListQuery, type ReviewDecision, type ReviewRecord, type ReviewStatus, type ReviewStore } from './store.js';
import type { EnquirySummary } from '../sla/service.js';
import { listenOn } from '../listen.js';
import { errorMessage } from '../errors.js';

/** One member enquiry as `/api/enquiries` lists it: the contract's fields of the enquiry service's summary. */
export type EnquiryListItem = Pick<EnquirySummary, 'id' | 'member' | 'officer' | 'subject' | 'receivedAt' | 'acknowledgeBy' | 'respondBy' | 'status'>;

/** Where `/api/enquiries` gets its data: the enquiry service. */
export interface EnquiryProvider {
  list(): Promise<EnquiryListItem[]>;
}

/** The part of the next-hop client a release needs. */
export interface ReleaseTransport {
  deliver(envelope: ForwardEnvelope, prefix: Buffer, raw: Buffer): Promise<string>;
}

export interface ReviewServerOptions {
  readonly config: Config;
  readonly store: ReviewStore;
  readonly logger: Logger;
  /** releases go here, byte-exact, with the original envelope */
  readonly nextHop: ReleaseTransport;
  /** for the notice to a held message's sender that it will not be delivered (policy `review.notifySender`) */
  readonly mailer?: Mailer;
  readonly enquiries?: EnquiryProvider;
  /** overrides `review.listen`; tests use port 0 */
  readonly listen?: string;
  /**
   * retention as the store applies it, for the wording on pages; defaults to `review.retentionDays`
   */
  readonly retentionDays?: number;
}

export interface RunningReviewServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The app's policy: no inline script or style, nothing from elsewhere, never framed. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** The sanitised message frame: its own opaque origin, no script, only inline images. */
export const FRAME_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

const MAX_BODY_BYTES = 64 * 1024;
const MAX_NOTE_CHARS = 2_000;
const LOGIN_COOKIE = 'review_login';
/** the sign-in form's own token lives this long, seconds */
const LOGIN_FORM_SECONDS = 30 * 60;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly ip: string;
  readonly cookies: ReadonlyMap<string, string>;
  readonly api: boolean;
}

type DecisionResult =
  | { readonly ok: true; readonly record: ReviewRecord }
  | { readonly ok: false; readonly status: number; readonly error: string; readonly message: string };

/**
 * The Monitoring Officer's review page and API on `review.listen`. Plain node:http: a handful of
 * routes, every one behind sign-in except the sign-in form and the style sheet. Pages take a
 * session cookie; `/api/*` also takes HTTP Basic.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<RunningReviewServer> {
  const app = new ReviewApp(options);
  await app.init();
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    app.handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'review request failed');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      }
      res.end(res.headersSent ? undefined : 'Internal error');
    });
  });
  const listen = options.listen ?? options.config.review.listen;
  const port = await listenOn(server, listen);
  options.logger.info({ listen, port, accounts: options.config.review.accounts.length, proxy: options.config.review.trustedProxy ? 'on' : 'off' }, 'review page started');
  return {
    port,
    close: () => closeServer(server, app),
  };
}

async function closeServer(server: Server, app: ReviewApp): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await app.settle();
}

class ReviewApp {
  private readonly config: Config;
  private readonly store: ReviewStore;
  private readonly logger: Logger;
  private readonly accounts: Accounts;
  private readonly sessions: Sessions;
  private readonly limiter: LoginLimiter;
  private readonly proxy?: TrustedProxy;
  private readonly notices: HoldNotices;
  private readonly secureCookies: boolean;
  private readonly sessionCookie: string;
  private readonly filterInfo: readonly FilterInfo[];
  private readonly retentionDays: number;
  private proxySecret = '';

  constructor(private readonly options: ReviewServerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.logger = options.logger;
    const review = options.config.review;
    this.accounts = new Accounts(review.accounts);
    this.sessions = new Sessions(options.store.redis, options.store.keyPrefix, review.sessionIdleMinutes * 60_000, review.sessionMaxHours * 3_600_000);
    this.limiter = new LoginLimiter(options.store.redis, options.store.keyPrefix);
    if (review.trustedProxy) this.proxy = new TrustedProxy(review.trustedProxy);
    this.notices = new HoldNotices(options.config, options.logger, options.mailer);
    this.secureCookies = review.publicUrl?.startsWith('https:') ?? false;
    // the __Host- prefix makes the browser insist on Secure, Path=/ and no Domain
    this.sessionCookie = this.secureCookies ? '__Host-review_session' : 'review_session';
    this.retentionDays = options.retentionDays ?? review.retentionDays;
    this.filterInfo = [
      ...registry.map((filter) => ({ id: filter.id, title: filter.title, rules: new Map(filter.rules.map((rule) => [rule.code, rule.description])) })),
      { id: SCREENING_ERROR, title: 'Screening error', rules: new Map<string, string>() },
      {
        id: SCREENING_INCOMPLETE,
        title: 'Not all of the message could be screened',
        rules: new Map([
          [MEMBER_TEXT_NOT_READ, "part of a member's correspondence could not be read (past a limit, or a document that could not be opened); the evidence says what"],
          [TEXT_NOT_READ, 'part of the message could not be read; the evidence says what'],
        ]),
      },
    ];
  }

  async init(): Promise<void> {
    if (this.proxy) {
      // shared by every instance, so a form rendered by one is accepted by another
      const key = this.store.key('proxy-csrf-secret');
      await this.store.redis.set(key, randomBytes(32).toString('base64url'), 'NX');
      this.proxySecret = (await this.store.redis.get(key)) ?? '';
    }
    if (this.config.review.accounts.length === 0 && !this.proxy) {
      this.logger.warn('review.accounts is empty and no trustedProxy is set: nobody can sign in to the review page');
    }
    await this.completeInterruptedReleases();
  }

  /**
   * A release the next hop accepted, whose decision a crash kept from being recorded, is recorded
   * now, so the letter shows as released and cannot be released a second time. One interrupted
   * before the next hop answered stays held; its reviewer sees it and may release it again.
   */
  private async completeInterruptedReleases(): Promise<void> {
    for (const id of await this.store.interruptedReleases()) {
      const record = await this.store.releaseRecord(id);
      const current = await this.store.get(id);
      // an unaccepted release of an item gone or decided has nothing more to say; of a held one, it
      // waits for its reviewer
      if (!current || record?.state !== 'accepted') {
        if (!current || current.status !== 'held') await this.store.clearRelease(id);
        continue;
      }
      const note = 'Release completed on restart: the next hop had accepted the message before the decision could be recorded.';
      const outcome = await this.store.decide(id, { decision: 'release', note, by: record.by, ...(record.response !== undefined ? { nextHopResponse: record.response } : {}) });
      if (outcome.kind === 'ok' || outcome.kind === 'conflict') await Promise.all([this.store.clearRelease(id), this.store.dropReleaseClaim(id)]);
      await this.store.audit({ who: 'gateway', role: 'gateway', via: 'restart', action: 'release-recovered', item: id, result: outcome.kind === 'ok' ? 'ok' : 'conflict', detail: 'next hop had accepted it' });
      this.logger.warn({ review: id }, 'completed a release interrupted after the next hop accepted it');
    }
  }

  settle(): Promise<void> {
    return this.notices.settle();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://review.invalid');
    const ip = this.clientAddress(req);
    const context: RequestContext = { req, res, url, ip, cookies: parseCookies(req.headers.cookie), api: url.pathname === '/api' || url.pathname.startsWith('/api/') };
    this.securityHeaders(res);
    const method = req.method ?? 'GET';
    const path = url.pathname;

    try {
      if (path === '/assets/review.css') {
        return this.send(res, 200, 'text/css; charset=utf-8', REVIEW_CSS);
      }
      if (path === '/login') {
        if (method === 'GET') return await this.loginForm(context);
        if (method === 'POST') return await this.login(context);
        return this.methodNotAllowed(res, 'GET, POST');
      }

      const principal = await this.authenticate(context);
      if (principal === 'forbidden') return this.forbidden(context);
      if (principal === 'rate-limited') return;
      if (!principal) return this.unauthorised(context);

      if (context.api) return await this.routeApi(context, principal, method, path);
      return await this.routePage(context, principal, method, path);
    } catch (error) {
      if (error instanceof HttpError) {
        if (context.api) return this.json(res, error.status, { error: error.message });
        return this.send(res, error.status, 'text/plain; charset=utf-8', error.message);
      }
      throw error;
    }
  }

  // --- routing ---------------------------------------------------------------------------------

  private async routeApi(context: RequestContext, principal: Principal, method: string, path: string): Promise<void> {
    const { res } = context;
    if (path === '/api/flags') {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      return this.apiList(context, principal);
    }
    if (path === '/api/enquiries') {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      const items = this.options.enquiries ? await this.options.enquiries.list() : [];
      await this.audit(context, principal, { action: 'enquiries', result: 'ok', detail: `${items.length} listed` });
      return this.json(res, 200, { items });
    }
    const item = /^\/api\/flags\/([^/]+)$/.exec(path);
    if (item?.[1]) {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      return this.apiItem(context, principal, item[1]);
    }
    const decision = /^\/api\/flags\/([^/]+)\/decision$/.exec(path);
    if (decision?.[1]) {
      if (method !== 'POST') return this.methodNotAllowed(res, 'POST');
      return this.apiDecision(context, principal, decision[1]);
    }
    return this.json(res, 404, { error: 'not found' });
  }

  private async routePage(context: RequestContext, principal: Principal, method: string, path: string): Promise<void> {
    const { res } = context;
    if (path === '/') {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      return this.listPage(context, principal);
    }
    if (path === '/logout') {
      if (method !== 'POST') return this.methodNotAllowed(res, 'POST');
      return this.logout(context, principal);
    }
    const frame = /^\/flags\/([^/]+)\/html$/.exec(path);
    if (frame?.[1]) {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      return this.htmlFrame(context, principal, frame[1]);
    }
    const decision = /^\/flags\/([^/]+)\/decision$/.exec(path);
    if (decision?.[1]) {
      if (method !== 'POST') return this.methodNotAllowed(res, 'POST');
      return this.pageDecision(context, principal, decision[1]);
    }
    const item = /^\/flags\/([^/]+)$/.exec(path);
    if (item?.[1]) {
      if (method !== 'GET') return this.methodNotAllowed(res, 'GET');
      return this.itemPage(context, principal, item[1]);
    }
    return this.page(res, 404, messagePage(this.pageContext(principal), 'Not found', 'There is no such page.'));
  }

  // --- authentication --------------------------------------------------------------------------

  private async authenticate(context: RequestContext): Promise<Principal | 'forbidden' | 'rate-limited' | null> {
    const { req, ip } = context;
    if (this.proxy && this.proxy.isProxy(normaliseAddress(req.socket.remoteAddress))) {
      const value = req.headers[this.proxy.header];
      const user = (Array.isArray(value) ? value[0] : value)?.trim();
      if (user) {
        if (!this.proxy.mayReview(user)) {
          await this.store.audit({ who: user.slice(0, 128), role: 'anonymous', via: 'proxy', action: 'login', ip, result: 'denied', detail: 'not a reviewer' });
          return 'forbidden';
        }
        return { user, via: 'proxy', csrfToken: proxyCsrfToken(this.proxySecret, user) };
      }
    }
    const token = context.cookies.get(this.sessionCookie);
    if (token) {
      const session = await this.sessions.get(token);
      if (session) return { user: session.user, via: 'session', csrfToken: session.csrfToken, sessionToken: token };
    }
    if (context.api) {
      const credentials = basicCredentials(req.headers.authorization);
      if (credentials) {
        // an API client signing every request with the right password is not guessing
        if (this.accounts.knownGood(credentials.user, credentials.password)) return { user: credentials.user, via: 'basic', csrfToken: '' };
        const wait = await this.limiter.attempt(credentials.user, ip);
        if (wait > 0) {
          await this.store.audit({ who: credentials.user.slice(0, 128), role: 'anonymous', via: 'basic', action: 'login', ip, result: 'rate-limited' });
          context.res.setHeader('Retry-After', String(wait));
          this.json(context.res, 429, { error: 'too many failed sign-ins; try again later' });
          return 'rate-limited';
        }
        const { ok, cached } = await this.accounts.verifyBasic(credentials.user, credentials.password);
        if (!ok) {
          await this.store.audit({ who: credentials.user.slice(0, 128), role: 'anonymous', via: 'basic', action: 'login', ip, result: 'failed' });
          return null;
        }
        if (!cached) {
          await this.limiter.succeeded(credentials.user, ip);
          await this.store.audit({ who: credentials.user, role: 'reviewer', via: 'basic', action: 'login', ip, result: 'ok' });
        }
        // Basic needs no synchroniser token: JSON bodies and the origin check keep other sites out
        return { user: credentials.user, via: 'basic', csrfToken: '' };
      }
    }
    return null;
  }

  private unauthorised(context: RequestContext): void {
    const { res } = context;
    if (context.api) {
      res.setHeader('WWW-Authenticate', 'Basic realm="member-officer review", charset="UTF-8"');
      res.statusCode = 401;
      res.end();
      return;
    }
    // no data, only the way to the sign-in page; Chromium shows its own error page for an empty
    // 4xx body and then ignores the Refresh header, hence the few lines of markup
    res.setHeader('Refresh', '0; url=/login');
    this.page(res, 401, signInRequiredPage());
  }

  private forbidden(context: RequestContext): void {
    if (context.api) return this.json(context.res, 403, { error: 'not a reviewer' });
    this.send(context.res, 403, 'text/plain; charset=utf-8', 'Signed in, but not as a reviewer.');
  }

  private async loginForm(context: RequestContext, message?: Flash, status = 200, user?: string): Promise<void> {
    const formToken = randomBytes(24).toString('base64url');
    context.res.appendHeader('Set-Cookie', this.cookie(LOGIN_COOKIE, formToken, { path: '/login', maxAge: LOGIN_FORM_SECONDS }));
    this.page(context.res, status, loginPage({ timeZone: this.config.council.timezone }, { csrfToken: formToken, ...(message ? { message } : {}), ...(user ? { user } : {}) }));
  }

  private async login(context: RequestContext): Promise<void> {
    const { res, ip } = context;
    if (!this.sameOrigin(context)) return this.loginForm(context, { kind: 'error', text: 'The sign-in form came from another site.' }, 403);
    const form = await readForm(context.req);
    const expected = context.cookies.get(LOGIN_COOKIE) ?? '';
    if (!tokensEqual(form.get('csrf') ?? '', expected)) {
      return this.loginForm(context, { kind: 'error', text: 'The sign-in form had expired. Please try again.' }, 403);
    }
    const user = (form.get('user') ?? '').trim().slice(0, 256);
    const password = form.get('password') ?? '';
    const wait = await this.limiter.attempt(user, ip);
    if (wait > 0) {
      await this.store.audit({ who: user.slice(0, 128), role: 'anonymous', via: 'form', action: 'login', ip, result: 'rate-limited' });
      res.setHeader('Retry-After', String(wait));
      return this.loginForm(context, { kind: 'error', text: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minutes.` }, 429, user);
    }
    if (!user || !password || !(await this.accounts.verify(user, password))) {
      await this.store.audit({ who: user.slice(0, 128), role: 'anonymous', via: 'form', action: 'login', ip, result: 'failed' });
      return this.loginForm(context, { kind: 'error', text: 'Wrong user name or password.' }, 401, user);
    }
    await this.limiter.succeeded(user, ip);
    const old = context.cookies.get(this.sessionCookie);
    if (old) await this.sessions.destroy(old);
    const { token } = await this.sessions.create(user);
    await this.store.audit({ who: user, role: 'reviewer', via: 'form', action: 'login', ip, result: 'ok' });
    res.appendHeader('Set-Cookie', this.cookie(this.sessionCookie, token, { path: '/' }));
    res.appendHeader('Set-Cookie', this.cookie(LOGIN_COOKIE, '', { path: '/login', maxAge: 0 }));
    this.redirect(res, '/');
  }

  private async logout(context: RequestContext, principal: Principal): Promise<void> {
    const form = await readForm(context.req);
    this.requireCsrf(context, principal, form.get('csrf') ?? undefined);
    if (principal.sessionToken) await this.sessions.destroy(principal.sessionToken);
    await this.audit(context, principal, { action: 'logout', result: 'ok' });
    context.res.appendHeader('Set-Cookie', this.cookie(this.sessionCookie, '', { path: '/', maxAge: 0 }));
    this.redirect(context.res, '/login');
  }

  /** A form POST must come from our own pages: same origin, and the synchroniser token. */
  private requireCsrf(context: RequestContext, principal: Principal, token: string | undefined): void {
    if (!this.sameOrigin(context)) throw new HttpError(403, 'Refused: the request came from another site.');
    if (!tokensEqual(token ?? '', principal.csrfToken)) throw new HttpError(403, 'Refused: the form had no valid token. Reload the page and try again.');
  }

  /** Refuses requests a browser marks as cross-site, and any Origin that is not this page's. */
  private sameOrigin(context: RequestContext): boolean {
    const site = context.req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
    const origin = context.req.headers.origin;
    if (!origin) return true;
    // with Referrer-Policy no-referrer, browsers send "Origin: null" even for our own forms;
    // then only a same-origin Sec-Fetch-Site vouches for the request
    if (origin === 'null') return site === 'same-origin';
    const allowed = new Set<string>();
    const host = context.req.headers.host;
    if (host) {
      allowed.add(`http://${host}`);
      allowed.add(`https://${host}`);
    }
    if (this.config.review.publicUrl) allowed.add(new URL(this.config.review.publicUrl).origin);
    return allowed.has(origin);
  }

  // --- list and item ---------------------------------------------------------------------------

  private listFilters(url: URL): { filters: ListFilters; query: ListQuery } {
    const statusParam = url.searchParams.get('status') ?? 'open';
    const status: ListFilters['status'] = statusParam === 'open' || statusParam === 'all' || (REVIEW_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as ListFilters['status']) : 'open';
    const filter = (url.searchParams.get('filter') ?? '').slice(0, 100);
    const from = validDate(url.searchParams.get('from'));
    const to = validDate(url.searchParams.get('to'));
    const sender = (url.searchParams.get('sender') ?? '').slice(0, 200);
    const timeZone = this.config.council.timezone;
    const query: ListQuery = {
      status,
      ...(filter ? { filter } : {}),
      ...(from ? { receivedFrom: startOfDay(from, timeZone) } : {}),
      ...(to ? { receivedTo: new Date(startOfDay(nextDay(to), timeZone).getTime() - 1) } : {}),
      ...(sender ? { sender } : {}),
    };
    return { filters: { status, filter, from, to, sender }, query };
  }

  private async listPage(context: RequestContext, principal: Principal): Promise<void> {
    const { filters, query } = this.listFilters(context.url);
    const [counts, listed] = await Promise.all([this.store.counts(), this.store.list(query)]);
    await this.audit(context, principal, { action: 'list', result: 'ok', detail: listDetail(filters, listed.items.length) });
    this.page(context.res, 200, listPage(this.pageContext(principal), { counts, items: listed.items, total: listed.total, filters, filterInfo: this.filterInfo, retentionDays: this.retentionDays }));
  }

  private async apiList(context: RequestContext, principal: Principal): Promise<void> {
    const status = context.url.searchParams.get('status');
    const { filters, query } = this.listFilters(context.url);
    // the API lists every status unless asked for one
    const apiQuery: ListQuery = { ...query, status: status ? filters.status : 'all', limit: 1_000 };
    const listed = await this.store.list(apiQuery);
    await this.audit(context, principal, { action: 'list', result: 'ok', detail: listDetail({ ...filters, status: apiQuery.status ?? 'all' }, listed.items.length) });
    this.json(context.res, 200, { items: listed.items.map(apiSummary), total: listed.total });
  }

  private async loadItem(context: RequestContext, principal: Principal, id: string, action: AuditEntry['action']): Promise<ReviewRecord> {
    const record = isReviewId(id) ? await this.store.get(id) : null;
    if (!record) {
      await this.audit(context, principal, { action, result: 'gone', item: id.slice(0, 64), detail: 'no such item' });
      throw new HttpError(404, 'No such item.');
    }
    return record;
  }

  private async itemPage(context: RequestContext, principal: Principal, id: string, flash?: Flash, status = 200): Promise<void> {
    const record = await this.loadItem(context, principal, id, 'view');
    const content = await this.store.content(id);
    await this.audit(context, principal, { action: 'view', item: id, result: content ? 'ok' : 'gone' });
    const view = context.url.searchParams.get('view') === 'html' && context.req.method === 'GET' ? 'html' : 'text';
    const done = context.url.searchParams.get('done');
    const shownFlash = flash ?? (done && (REVIEW_DECISIONS as readonly string[]).includes(done) ? { kind: 'ok' as const, text: DONE_TEXT[done as ReviewDecision] } : undefined);
    this.page(
      context.res,
      status,
      itemPage(this.pageContext(principal), { record, content, view, filterInfo: this.filterInfo, retentionDays: this.retentionDays, ...(shownFlash ? { flash: shownFlash } : {}) }),
    );
  }

  private async htmlFrame(context: RequestContext, principal: Principal, id: string): Promise<void> {
    await this.loadItem(context, principal, id, 'view-html');
    const content = await this.store.content(id);
    await this.audit(context, principal, { action: 'view-html', item: id, result: content?.html !== undefined ? 'ok' : 'gone' });
    const sanitised = content?.html !== undefined ? sanitiseMessageHtml(content.html) : undefined;
    const { res } = context;
    res.setHeader('Content-Security-Policy', FRAME_CSP);
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const document = htmlFrame(sanitised !== undefined ? trusted(sanitised) : html`<p>No formatted version is available.</p>`);
    this.send(res, sanitised !== undefined ? 200 : 404, 'text/html; charset=utf-8', document.value);
  }

  private async apiItem(context: RequestContext, principal: Principal, id: string): Promise<void> {
    const record = await this.loadItem(context, principal, id, 'view');
    const content = await this.store.content(id);
    await this.audit(context, principal, { action: 'view', item: id, result: content ? 'ok' : 'gone' });
    const summary = apiSummary({ record, summary: content ? { subject: content.subject, from: content.from[0]?.address ?? content.envelope.mailFrom, to: content.to.map((party) => party.address), mailFrom: content.envelope.mailFrom } : null });
    this.json(context.res, 200, {
      ...summary,
      findings: content?.findings ?? summary.findings,
      text: content?.text.body ?? null,
      newText: content?.text.newText ?? null,
      envelope: content ? { mailFrom: content.envelope.mailFrom, rcptTo: content.envelope.rcptTo } : null,
      hiddenRecipients: content?.hiddenRecipients ?? [],
      cc: content?.cc.map((party) => party.address) ?? [],
      bcc: content?.bcc.map((party) => party.address) ?? [],
      headers: content?.headers ?? [],
      attachments: content?.attachments ?? [],
      hasHtml: content?.html !== undefined,
      contentExpired: content === null,
      contentExpiresAt: record.contentExpiresAt,
      decision: record.decision ?? null,
    });
  }

  // --- decisions -------------------------------------------------------------------------------

  private async pageDecision(context: RequestContext, principal: Principal, id: string): Promise<void> {
    const form = await readForm(context.req);
    this.requireCsrf(context, principal, form.get('csrf') ?? undefined);
    const result = await this.decide(context, principal, id, form.get('decision') ?? '', form.get('note') ?? '');
    if (result.ok) return this.redirect(context.res, `/flags/${encodeURIComponent(id)}?done=${encodeURIComponent(result.record.decision?.decision ?? '')}`);
    if (result.status === 404) throw new HttpError(404, 'No such item.');
    return this.itemPage(context, principal, id, { kind: 'error', text: result.message }, result.status);
  }

  private async apiDecision(context: RequestContext, principal: Principal, id: string): Promise<void> {
    if (!this.sameOrigin(context)) throw new HttpError(403, 'cross-site request refused');
    const type = context.req.headers['content-type'] ?? '';
    // a cross-site form cannot send JSON without a preflight, which this server never grants
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send the decision as application/json');
    if (principal.via !== 'basic') {
      const token = context.req.headers['x-csrf-token'];
      if (!tokensEqual(typeof token === 'string' ? token : '', principal.csrfToken)) throw new HttpError(403, 'X-CSRF-Token header required with a session');
    }
    const body = await readJson(context.req);
    const decision = typeof body.decision === 'string' ? body.decision : '';
    const note = typeof body.note === 'string' ? body.note : '';
    const result = await this.decide(context, principal, id, decision, note);
    if (!result.ok) return this.json(context.res, result.status, { error: result.error, message: result.message });
    this.json(context.res, 200, { id, status: result.record.status, decision: result.record.decision ?? null });
  }

  /** Validates and applies a decision; a release delivers the held bytes to the next hop first. */
  private async decide(context: RequestContext, principal: Principal, id: string, decisionText: string, noteText: string): Promise<DecisionResult> {
    if (!(REVIEW_DECISIONS as readonly string[]).includes(decisionText)) {
      return { ok: false, status: 400, error: 'bad-decision', message: `decision must be one of ${REVIEW_DECISIONS.join(', ')}` };
    }
    const decision = decisionText as ReviewDecision;
    const note = cleanNote(noteText);
    const record = isReviewId(id) ? await this.store.get(id) : null;
    if (!record) {
      await this.audit(context, principal, { action: 'decision', item: id.slice(0, 64), result: 'gone', detail: decision });
      return { ok: false, status: 404, error: 'not-found', message: 'No such item.' };
    }
    let nextHopResponse: string | undefined;
    if (decision === 'release') {
      const released = await this.release(context, principal, record);
      if (!released.ok) return released;
      nextHopResponse = released.response;
    }
    const outcome = await this.store.decide(id, { decision, note, by: principal.user, ...(nextHopResponse !== undefined ? { nextHopResponse } : {}) });
    if (decision === 'release') await Promise.all([this.store.dropReleaseClaim(id), this.store.clearRelease(id)]);
    // a release interrupted before the next hop answered, then decided otherwise: nothing is left to recover
    else if (outcome.kind === 'ok') await this.store.clearRelease(id);
    if (outcome.kind === 'ok') {
      await this.audit(context, principal, { action: 'decision', item: id, result: 'ok', detail: decision });
      if (outcome.previous === 'held' && decision !== 'release') {
        const content = await this.store.content(id);
        if (content) this.notices.senderNotDelivered(id, content.envelope.mailFrom, outcome.record.findings);
      }
      return { ok: true, record: outcome.record };
    }
    await this.audit(context, principal, { action: 'decision', item: id, result: outcome.kind === 'missing' ? 'gone' : 'conflict', detail: decision });
    if (outcome.kind === 'missing') return { ok: false, status: 404, error: 'not-found', message: 'No such item.' };
    if (outcome.kind === 'busy') return { ok: false, status: 409, error: 'release-in-progress', message: 'Another reviewer is releasing this message right now.' };
    return { ok: false, status: 409, error: 'conflict', message: `This item is already ${outcome.status}; a ${decision} decision is not possible now.` };
  }

  private async release(context: RequestContext, principal: Principal, record: ReviewRecord): Promise<{ ok: true; response: string } | (DecisionResult & { ok: false })> {
    const id = record.id;
    if (record.status !== 'held') {
      await this.audit(context, principal, { action: 'decision', item: id, result: 'conflict', detail: 'release' });
      return { ok: false, status: 409, error: 'conflict', message: record.status === 'flagged' ? 'A flagged message was already delivered; there is nothing to release.' : `This item is already ${record.status}.` };
    }
    const [raw, content] = await Promise.all([this.store.raw(id), this.store.content(id)]);
    if (!raw || !content) {
      await this.audit(context, principal, { action: 'release-failed', item: id, result: 'gone', detail: 'content expired' });
      return { ok: false, status: 410, error: 'content-expired', message: 'The held message was deleted at the end of the retention period and cannot be released.' };
    }
    if (!(await this.store.claimRelease(id, principal.user))) {
      await this.audit(context, principal, { action: 'decision', item: id, result: 'conflict', detail: 'release in progress' });
      return { ok: false, status: 409, error: 'release-in-progress', message: 'Another reviewer is releasing this message right now.' };
    }
    // a decision may have landed between the first read and the claim
    const current = await this.store.get(id);
    if (current?.status !== 'held') {
      await this.store.dropReleaseClaim(id);
      await this.audit(context, principal, { action: 'decision', item: id, result: 'conflict', detail: 'release' });
      return { ok: false, status: 409, error: 'conflict', message: `This item is already ${current?.status ?? 'gone'}.` };
    }
    const earlier = await this.store.releaseRecord(id);
    if (earlier?.state === 'accepted') {
      // the next hop took it before a crash kept the decision from being recorded: not again
      await this.audit(context, principal, { action: 'release-recovered', item: id, result: 'ok', detail: 'next hop had accepted it' });
      return { ok: true, response: earlier.response ?? '' };
    }
    if (earlier?.state === 'sending') this.logger.warn({ review: id, since: earlier.at }, 'an earlier release of this message was interrupted before the next hop answered; releasing it again');
    await this.store.recordRelease(id, { state: 'sending', by: principal.user, at: new Date().toISOString() });
    const envelope: ForwardEnvelope = { mailFrom: content.envelope.mailFrom, rcptTo: content.envelope.rcptTo, ...(content.envelope.eightBitMime ? { eightBitMime: true } : {}) };
    // only our trace line and our header are added on top, as on any relayed message: the held
    // bytes go out exactly as they came in
    const prefix = Buffer.from(`${content.receivedLine ?? ''}X-Member-Officer-Screening: ${screeningHeaderValue({ action: 'hold', findings: content.findings }, id)}\r\n`, 'latin1');
    let response: string;
    try {
      response = (await this.options.nextHop.deliver(envelope, prefix, raw)).replace(/[\r\n]+/g, ' ').slice(0, 300);
    } catch (error) {
      const possiblyDelivered = error instanceof NextHopError && error.possiblyDelivered;
      // if the next hop may have the message, the claim stays until it lapses so a quick retry cannot send a second copy
      if (!possiblyDelivered) await Promise.all([this.store.dropReleaseClaim(id), this.store.clearRelease(id)]);
      const reply = errorMessage(error);
      this.logger.warn({ review: id, reply, possiblyDelivered }, 'release of a held message failed');
      await this.audit(context, principal, { action: 'release-failed', item: id, result: 'failed', detail: error instanceof NextHopError ? String(error.responseCode) : 'error' });
      return { ok: false, status: 502, error: 'next-hop-refused', message: `The next hop did not accept the message: ${reply}. It is still held; try again later.` };
    }
    // delivered: whatever happens to the records now, the claim and the release record stay, so
    // that no retry can send it again
    try {
      await this.store.recordRelease(id, { state: 'accepted', by: principal.user, at: new Date().toISOString(), response });
    } catch (error) {
      this.logger.error({ review: id, err: errorMessage(error) }, 'a released message was delivered but its release could not be recorded; it will not be sent again');
    }
    this.logger.info({ review: id, bytes: raw.length }, 'held message released to the next hop');
    return { ok: true, response };
  }

  // --- responses -------------------------------------------------------------------------------

  private async audit(context: RequestContext, principal: Principal, entry: Pick<AuditEntry, 'action' | 'result'> & Partial<Pick<AuditEntry, 'item' | 'detail'>>): Promise<void> {
    await this.store.audit({ who: principal.user, role: 'reviewer', via: principal.via, ip: context.ip, ...entry });
  }

  private pageContext(principal: Principal): PageContext {
    return { user: principal.user, csrfToken: principal.csrfToken, timeZone: this.config.council.timezone };
  }

  private clientAddress(req: IncomingMessage): string {
    const direct = normaliseAddress(req.socket.remoteAddress);
    if (this.proxy?.isProxy(direct)) {
      const forwarded = req.headers['x-forwarded-for'];
      const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
      if (last) return normaliseAddress(last).slice(0, 64);
    }
    return direct;
  }

  private securityHeaders(res: ServerResponse): void {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    if (this.secureCookies) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  }

  private cookie(name: string, value: string, options: { path: string; maxAge?: number }): string {
    const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Strict'];
    if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
    if (this.secureCookies) parts.push('Secure');
    return parts.join('; ');
  }

  private page(res: ServerResponse, status: number, document: SafeHtml): void {
    this.send(res, status, 'text/html; charset=utf-8', document.value);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    this.send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
  }

  private send(res: ServerResponse, status: number, type: string, body: string): void {
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  private redirect(res: ServerResponse, location: string): void {
    res.statusCode = 303;
    res.setHeader('Location', location);
    res.end();
  }

  private methodNotAllowed(res: ServerResponse, allow: string): void {
    res.setHeader('Allow', allow);
    this.send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
  }
}

const DONE_TEXT: Record<ReviewDecision, string> = {
  release: 'Released: the message was delivered to its recipients.',
  confirm: 'Recorded: breach confirmed.',
  dismiss: 'Recorded: dismissed.',
};

/** The contract's list entry: `{ id, status, receivedAt, from, to, subject, action, findings }`. */
function apiSummary(item: ListedItem): {
  id: string;
  status: ReviewStatus;
  receivedAt: string;
  from: string | null;
  to: readonly string[];
  subject: string | null;
  action: 'flag' | 'hold';
  findings: ReviewRecord['findings'];
  decision: ReviewRecord['decision'] | null;
} {
  return {
    id: item.record.id,
    status: item.record.status,
    receivedAt: item.record.receivedAt,
    from: item.summary?.from ?? null,
    to: item.summary?.to ?? [],
    subject: item.summary?.subject ?? null,
    action: item.record.action,
    findings: item.record.findings,
    decision: item.record.decision ?? null,
  };
}

/** Which list filters were used, by name only: the values (e.g. a sender) are personal data. */
function listDetail(filters: ListFilters, count: number): string {
  const used = [`status=${filters.status}`];
  if (filters.filter) used.push(`filter=${filters.filter}`);
  if (filters.from || filters.to) used.push('date');
  if (filters.sender) used.push('sender');
  return `${used.join(' ')}; ${count} shown`;
}

function cleanNote(note: string): string {
  // newlines and tabs stay; other control characters could only hide text in the record
  return note.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, MAX_NOTE_CHARS);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals <= 0) continue;
    const name = part.slice(0, equals).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(equals + 1).trim());
  }
  return cookies;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    await readBody(req);
    return new URLSearchParams();
  }
  return new URLSearchParams(await readBody(req));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await readBody(req));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    if (error instanceof HttpError) throw error;
  }
  throw new HttpError(400, 'expected a JSON object: { "decision": "dismiss|confirm|release", "note": "..." }');
}

function validDate(value: string | null): string {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? value : '';
}

function nextDay(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

/** Midnight at the start of `date` in the council's time zone, as an instant. */
function startOfDay(date: string, timeZone: string): Date {
  const utcMidnight = new Date(`${date}T00:00:00Z`);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(utcMidnight);
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  // the zone's offset at that moment; midnight local is that much before midnight UTC
  return new Date(utcMidnight.getTime() - (wallAsUtc - utcMidnight.getTime()));
}
