import { get } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS_PER_USER_AND_ADDRESS } from '../../src/review/auth.js';
import { FRAME_CSP, PAGE_CSP } from '../../src/review/server.js';
import { addItem, basic, CANARY_BODY, CANARY_SUBJECT, Client, REVIEWER, startReviewFixture, type ReviewFixture } from './fixture.js';

const AUTH = basic(REVIEWER.user, REVIEWER.password);

describe('review page: access control', () => {
  let fixture: ReviewFixture;
  let itemId: string;
  beforeEach(async () => {
    fixture = await startReviewFixture();
    itemId = await addItem(fixture.store, 'held');
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('answers 401 and no data on every route without credentials, and changes nothing', async () => {
    const routes: Array<[string, string, Record<string, string>?]> = [
      ['GET', '/'],
      ['GET', `/flags/${itemId}`],
      ['GET', `/flags/${itemId}/html`],
      ['POST', `/flags/${itemId}/decision`, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', '/logout', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['GET', '/api/flags'],
      ['GET', `/api/flags/${itemId}`],
      ['POST', `/api/flags/${itemId}/decision`, { 'content-type': 'application/json' }],
      ['GET', '/api/enquiries'],
      ['GET', '/no-such-page'],
      ['GET', '/api/no-such-route'],
    ];
    for (const [method, path, headers] of routes) {
      const response = await fetch(`${fixture.baseUrl}${path}`, {
        method,
        headers: headers ?? {},
        redirect: 'manual',
        ...(method === 'POST' ? { body: headers?.['content-type'] === 'application/json' ? '{"decision":"release","note":""}' : 'decision=release&note=x' } : {}),
      });
      const body = await response.text();
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      if (path.startsWith('/api/')) expect(body).toBe('');
      // a page only points the browser at the sign-in form
      else expect(body.replace(/\s+/g, ' ')).toMatch(/^<!doctype html> <html lang="en-GB"><head>.*<a href="\/login">Sign in<\/a> to see this page\.<\/p><\/body><\/html>$/);
      expect(body).not.toContain(itemId);
      expect(body).not.toContain('Canary');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const api = await fetch(`${fixture.baseUrl}/api/flags`);
    expect(api.headers.get('www-authenticate')).toMatch(/^Basic /);
    const page = await fetch(`${fixture.baseUrl}/`, { redirect: 'manual' });
    expect(page.headers.get('refresh')).toBe('0; url=/login');
    expect((await fixture.store.get(itemId))?.status).toBe('held');
  });

  it('refuses a wrong password on the form and on HTTP Basic, and records both attempts', async () => {
    const client = new Client(fixture.baseUrl);
    const refused = await client.signIn(REVIEWER.user, 'not the password');
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Wrong user name or password.');
    expect([...client.cookies.keys()]).not.toContain('review_session');

    const unknownUser = await new Client(fixture.baseUrl).signIn('mallory', REVIEWER.password);
    expect(unknownUser.status).toBe(401);

    const api = await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: basic(REVIEWER.user, 'nope') } });
    expect(api.status).toBe(401);
    expect(await api.text()).toBe('');

    const accepted = await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: AUTH } });
    expect(accepted.status).toBe(200);

    const logins = (await fixture.store.auditEntries()).filter((entry) => entry.action === 'login');
    expect(logins.map((entry) => [entry.who, entry.via, entry.result])).toEqual([
      ['nadia', 'form', 'failed'],
      ['mallory', 'form', 'failed'],
      ['nadia', 'basic', 'failed'],
      ['nadia', 'basic', 'ok'],
    ]);
  });

  it('stops trying passwords after repeated failures, even the right one', async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_USER_AND_ADDRESS; attempt += 1) {
      expect((await new Client(fixture.baseUrl).signIn(REVIEWER.user, `guess-${attempt}`)).status).toBe(401);
    }
    const limited = await new Client(fixture.baseUrl).signIn();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const api = await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: AUTH } });
    expect(api.status).toBe(429);
    expect((await fixture.store.auditEntries()).some((entry) => entry.action === 'login' && entry.result === 'rate-limited')).toBe(true);
  });

  it('counts a burst of simultaneous guesses before checking them: past the limit none is checked', async () => {
    const guesses = Array.from({ length: 40 }, (_, index) => fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: basic(REVIEWER.user, `guess-${index}`) } }));
    const statuses = (await Promise.all(guesses)).map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_ATTEMPTS_PER_USER_AND_ADDRESS);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40 - MAX_ATTEMPTS_PER_USER_AND_ADDRESS);
    const checked = (await fixture.store.auditEntries()).filter((entry) => entry.action === 'login' && entry.result === 'failed');
    expect(checked).toHaveLength(MAX_ATTEMPTS_PER_USER_AND_ADDRESS);
  });

  it('does not lock the reviewer out from another address when one address guesses their password', async () => {
    for (let attempt = 0; attempt <= MAX_ATTEMPTS_PER_USER_AND_ADDRESS; attempt += 1) await new Client(fixture.baseUrl).signIn(REVIEWER.user, `guess-${attempt}`);
    expect((await new Client(fixture.baseUrl).signIn()).status).toBe(429);
    // the real reviewer, at their own desk (another loopback address)
    expect(await statusFrom('127.0.0.2', `${fixture.baseUrl}/api/flags`, AUTH)).toBe(200);
  });

  it('never limits an API client that signs every request with the right password', async () => {
    for (let request = 0; request < 3 * MAX_ATTEMPTS_PER_USER_AND_ADDRESS; request += 1) {
      expect((await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: AUTH } })).status).toBe(200);
    }
  });

  it('sets the session cookie HttpOnly and SameSite=Strict, and a new one at each sign-in', async () => {
    const client = new Client(fixture.baseUrl);
    const form = await client.request('/login');
    const loginCookie = form.headers.getSetCookie().join('\n');
    expect(loginCookie).toMatch(/review_login=[^;]+; Path=\/login; HttpOnly; SameSite=Strict/);
    const response = await client.signIn();
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('review_session='));
    expect(cookie).toMatch(/^review_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const first = client.cookies.get('review_session');
    await client.signIn();
    expect(client.cookies.get('review_session')).not.toBe(first);
    // the earlier session was ended at the second sign-in
    const old = await fetch(`${fixture.baseUrl}/`, { headers: { cookie: `review_session=${first}` }, redirect: 'manual' });
    expect(old.status).toBe(401);
  });

  it('names the cookie __Host- and marks it Secure when the page is served over https', async () => {
    const secure = await startReviewFixture({ review: { publicUrl: 'https://review.greyfordvale.gov.uk' } });
    try {
      const client = new Client(secure.baseUrl);
      const form = await client.request('/login');
      // a browser on http would not keep a Secure cookie; this client does, to finish the sign-in
      const response = await client.request('/login', {
        method: 'POST',
        form: { csrf: /name="csrf" value="([^"]*)"/.exec(await form.text())?.[1] ?? '', user: REVIEWER.user, password: REVIEWER.password },
      });
      expect(response.status).toBe(303);
      const cookie = response.headers.getSetCookie().find((line) => line.startsWith('__Host-review_session='));
      expect(cookie).toMatch(/; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    } finally {
      await secure.close();
    }
  });

  it('ends the session at sign-out', async () => {
    const client = new Client(fixture.baseUrl);
    await client.signIn();
    const session = client.cookies.get('review_session');
    const out = await client.request('/logout', { method: 'POST', form: { csrf: client.csrf } });
    expect(out.status).toBe(303);
    const after = await fetch(`${fixture.baseUrl}/`, { headers: { cookie: `review_session=${session}` }, redirect: 'manual' });
    expect(after.status).toBe(401);
  });

  it('sends a strict CSP, no-store and no-referrer on pages, API and errors; the message frame gets a sandbox CSP', async () => {
    const client = new Client(fixture.baseUrl);
    await client.signIn();
    const responses = [
      await client.request('/'),
      await client.request(`/flags/${itemId}`),
      await client.request('/login'),
      await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: AUTH } }),
      await fetch(`${fixture.baseUrl}/api/flags`),
    ];
    for (const response of responses) {
      expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(PAGE_CSP).toContain("default-src 'none'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    const withHtml = await addItem(fixture.store, 'flagged', { html: '<p>Hello</p>' });
    const frame = await client.request(`/flags/${withHtml}/html`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get('content-security-policy')).toBe(FRAME_CSP);
    expect(FRAME_CSP.startsWith('sandbox;')).toBe(true);
    expect(frame.headers.get('cache-control')).toBe('no-store');
  });

  it('believes a proxy sign-in header only from the configured proxy address, and only for listed users', async () => {
    const untrusted = await startReviewFixture({ review: { trustedProxy: { header: 'x-remote-user', addresses: ['192.0.2.10'], users: ['nadia'] } } });
    const trusted = await startReviewFixture({ review: { trustedProxy: { header: 'x-remote-user', addresses: ['127.0.0.0/8'], users: ['nadia'] } } });
    try {
      const spoofed = await fetch(`${untrusted.baseUrl}/api/flags`, { headers: { 'x-remote-user': 'nadia' } });
      expect(spoofed.status).toBe(401);
      const fromProxy = await fetch(`${trusted.baseUrl}/api/flags`, { headers: { 'x-remote-user': 'nadia' } });
      expect(fromProxy.status).toBe(200);
      const stranger = await fetch(`${trusted.baseUrl}/api/flags`, { headers: { 'x-remote-user': 'eve' } });
      expect(stranger.status).toBe(403);
      expect(await stranger.text()).not.toContain('items');
      const page = await fetch(`${trusted.baseUrl}/`, { headers: { 'x-remote-user': 'nadia' } });
      expect(await page.text()).toContain('Signed in as nadia');
    } finally {
      await untrusted.close();
      await trusted.close();
    }
  });
});

describe('review page: CSRF', () => {
  let fixture: ReviewFixture;
  let client: Client;
  let itemId: string;
  beforeEach(async () => {
    fixture = await startReviewFixture();
    itemId = await addItem(fixture.store, 'flagged');
    client = new Client(fixture.baseUrl);
    await client.signIn();
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('refuses a decision form without the token, with a wrong token, or from another site', async () => {
    const path = `/flags/${itemId}/decision`;
    const attempts: Array<{ form: Record<string, string>; headers?: Record<string, string> }> = [
      { form: { decision: 'dismiss', note: 'x' } },
      { form: { decision: 'dismiss', note: 'x', csrf: 'forged-token' } },
      { form: { decision: 'dismiss', note: 'x', csrf: client.csrf }, headers: { origin: 'https://evil.example' } },
      { form: { decision: 'dismiss', note: 'x', csrf: client.csrf }, headers: { 'sec-fetch-site': 'cross-site' } },
    ];
    for (const attempt of attempts) {
      const response = await client.request(path, { method: 'POST', form: attempt.form, ...(attempt.headers ? { headers: attempt.headers } : {}) });
      expect(response.status).toBe(403);
    }
    // Origin: null (what a sandboxed frame sends) counts only when the browser vouches same-origin
    expect((await client.request(path, { method: 'POST', form: { decision: 'dismiss', note: 'x', csrf: client.csrf }, headers: { origin: 'null' } })).status).toBe(403);
    expect((await fixture.store.get(itemId))?.status).toBe('flagged');
    const accepted = await client.request(path, { method: 'POST', form: { decision: 'dismiss', note: 'x', csrf: client.csrf }, headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(accepted.status).toBe(303);
    expect((await fixture.store.get(itemId))?.status).toBe('dismissed');
  });

  it('refuses sign-out and sign-in forms without their tokens', async () => {
    expect((await client.request('/logout', { method: 'POST', form: {} })).status).toBe(403);
    expect((await client.request('/', {})).status).toBe(200);
    const fresh = await fetch(`${fixture.baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user: REVIEWER.user, password: REVIEWER.password }).toString(),
      redirect: 'manual',
    });
    expect(fresh.status).toBe(403);
    expect(fresh.headers.getSetCookie().some((line) => line.startsWith('review_session='))).toBe(false);
  });

  it('asks the API for X-CSRF-Token with a session cookie, and for JSON with Basic', async () => {
    const path = `/api/flags/${itemId}/decision`;
    const body = JSON.stringify({ decision: 'confirm', note: 'n' });
    expect((await client.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(403);
    const form = await fetch(`${fixture.baseUrl}${path}`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=confirm' });
    expect(form.status).toBe(415);
    expect((await fixture.store.get(itemId))?.status).toBe('flagged');
    const withToken = await client.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': client.csrf }, body });
    expect(withToken.status).toBe(200);
  });
});

describe('review page: lists, items and decisions', () => {
  let fixture: ReviewFixture;
  beforeEach(async () => {
    fixture = await startReviewFixture({
      enquiries: {
        list: async () => [{ id: 'enq-1', member: 'cllr.hadley@greyfordvale.gov.uk', officer: 'imran.shah@greyfordvale.gov.uk', subject: 'Pothole', receivedAt: '2026-11-23T10:00:00.000Z', acknowledgeBy: '2026-11-26T17:00:00.000Z', respondBy: '2026-12-07T17:00:00.000Z', status: 'open' }],
      },
    });
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('lists items through the API in the contract shape', async () => {
    const flagged = await addItem(fixture.store, 'flagged');
    const held = await addItem(fixture.store, 'held');
    const response = await fetch(`${fixture.baseUrl}/api/flags`, { headers: { authorization: AUTH } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { items } = (await response.json()) as { items: Array<Record<string, unknown>> };
    expect(items.map((item) => item.id).sort()).toEqual([flagged, held].sort());
    const item = items.find((entry) => entry.id === held)!;
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'status', 'receivedAt', 'from', 'to', 'subject', 'action', 'findings']));
    expect(item).toMatchObject({ status: 'held', action: 'hold', from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'], subject: CANARY_SUBJECT });
    expect(item.findings).toEqual([{ filter: 'obligation', rule: 'INSTRUCTION', severity: 'high', score: 0.82, protocolRef: '10.1.3' }]);

    const one = await fetch(`${fixture.baseUrl}/api/flags/${held}`, { headers: { authorization: AUTH } });
    const detail = (await one.json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ id: held, status: 'held', text: CANARY_BODY, hiddenRecipients: ['cllr.pryce@greyfordvale.gov.uk'] });
    expect((detail.findings as Array<{ evidence: unknown[] }>)[0]?.evidence).toEqual([{ location: 'body', text: 'please proceed with the works', start: 19, end: 48 }]);

    expect((await fetch(`${fixture.baseUrl}/api/flags/AAAAAAAAAAAA`, { headers: { authorization: AUTH } })).status).toBe(404);
  });

  it('lists enquiries from the enquiry service, and an empty list without one', async () => {
    const response = await fetch(`${fixture.baseUrl}/api/enquiries`, { headers: { authorization: AUTH } });
    expect(await response.json()).toEqual({ items: [expect.objectContaining({ id: 'enq-1', status: 'open', respondBy: '2026-12-07T17:00:00.000Z' })] });
    const bare = await startReviewFixture();
    try {
      const empty = await fetch(`${bare.baseUrl}/api/enquiries`, { headers: { authorization: AUTH } });
      expect(await empty.json()).toEqual({ items: [] });
    } finally {
      await bare.close();
    }
  });

  it('records dismiss and confirm with who, when and the note, and refuses a second decision', async () => {
    const first = await addItem(fixture.store, 'flagged');
    const second = await addItem(fixture.store, 'flagged');
    const before = Date.now();
    const dismissed = await fetch(`${fixture.baseUrl}/api/flags/${first}/decision`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'dismiss', note: 'Copy to a colleague was routine.' }),
    });
    expect(dismissed.status).toBe(200);
    expect(await dismissed.json()).toMatchObject({ id: first, status: 'dismissed', decision: { decision: 'dismiss', by: 'nadia', note: 'Copy to a colleague was routine.' } });

    const client = new Client(fixture.baseUrl);
    await client.signIn();
    const confirmed = await client.request(`/flags/${second}/decision`, { method: 'POST', form: { csrf: client.csrf, decision: 'confirm', note: 'Raised with the member.' } });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`/flags/${second}?done=confirm`);

    for (const [id, decision, note] of [
      [first, 'dismiss', 'Copy to a colleague was routine.'],
      [second, 'confirm', 'Raised with the member.'],
    ] as const) {
      const record = await fixture.store.get(id);
      expect(record?.decision).toMatchObject({ decision, by: 'nadia', note });
      expect(Date.parse(record?.decision?.at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    }
    const page = await (await client.request(`/flags/${second}`)).text();
    expect(page).toContain('Raised with the member.');
    expect(page).toContain('Confirmed breach');

    const again = await fetch(`${fixture.baseUrl}/api/flags/${first}/decision`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'confirm', note: '' }),
    });
    expect(again.status).toBe(409);
    const release = await fetch(`${fixture.baseUrl}/api/flags/${await addItem(fixture.store, 'flagged')}/decision`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'release' }),
    });
    expect(release.status).toBe(409);
    const bad = await fetch(`${fixture.baseUrl}/api/flags/${first}/decision`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'delete' }),
    });
    expect(bad.status).toBe(400);
    expect((await fixture.store.get(first))?.decision?.decision).toBe('dismiss');
  });

  it('shows counts per status, filters the list, and escapes what the message says', async () => {
    await addItem(fixture.store, 'flagged');
    await addItem(fixture.store, 'held');
    await addItem(fixture.store, 'held', { subject: '<script>alert(1)</script> rates', from: [{ address: 'someone@elsewhere.example', roles: [] }], envelope: { mailFrom: 'someone@elsewhere.example', rcptTo: ['imran.shah@greyfordvale.gov.uk'] } });
    const client = new Client(fixture.baseUrl);
    await client.signIn();
    const list = await (await client.request('/')).text();
    expect(list).toContain('Open <span class="count">(3)</span>');
    expect(list).toContain('Held (not delivered) <span class="count">(2)</span>');
    expect(list).toContain('Flagged (delivered) <span class="count">(1)</span>');
    expect(list).not.toContain('<script>alert(1)</script>');
    expect(list).toContain('&lt;script&gt;alert(1)&lt;/script&gt; rates');
    expect(list).toContain('Canary-subject-7f3a &lt;b&gt;quarterly&lt;/b&gt; grant');

    const bySender = await (await client.request('/?status=all&sender=elsewhere.example')).text();
    expect(bySender).toContain('1 item<');
    expect(bySender).not.toContain('Canary-subject');
    const flaggedOnly = await (await client.request('/?status=flagged')).text();
    expect(flaggedOnly).toContain('1 item<');
    const future = await (await client.request('/?status=all&from=2099-01-01')).text();
    expect(future).toContain('Nothing matches.');
  });

  it('shows the evidence highlighted, the paragraph, hidden recipients and a button per decision', async () => {
    const id = await addItem(fixture.store, 'held');
    const client = new Client(fixture.baseUrl);
    await client.signIn();
    const page = await (await client.request(`/flags/${id}`)).text();
    expect(page).toContain('canary-body-91c2: <mark>please proceed with the works</mark> on the depot roof.');
    expect(page).toContain('Member/Officer Protocol paragraph 10.1.3');
    expect(page).toContain('cllr.pryce@greyfordvale.gov.uk (hidden: not in To or Cc)');
    for (const decision of ['release', 'confirm', 'dismiss']) expect(page).toContain(`name="decision" value="${decision}"`);
    expect(page).toMatch(/<label for="note">/);
  });
});

/** The status of a GET sent from `localAddress` (fetch cannot choose the address it sends from). */
function statusFrom(localAddress: string, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { localAddress, headers: { authorization } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}
