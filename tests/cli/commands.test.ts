import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/review/password.js';
import { runCli } from '../helpers/cli.js';

const ENQUIRY = [
  'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
  'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
  'Bcc: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>',
  'Subject: Pothole on Castle Street',
  'Message-ID: <pothole-cli@greyfordvale.gov.uk>',
  'Date: Thu, 19 Nov 2026 10:00:00 +0000',
  '',
  'Could you let me know when the pothole outside number 12 will be filled?',
  '',
].join('\r\n');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mog-cli-'));
}

describe('check-config', () => {
  it('exits 0 for the shipped example', async () => {
    const result = await runCli(['check-config']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/example-council\.yaml: ok/);
  });

  it('exits 2 and prints file: key.path: reason for each problem', async () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'council: { name: X, domains: [x.gov.uk] }\nrelay: { maxRecipients: 5 }\nsla: { respond: soon }\n');
    const result = await runCli(['check-config', '--config', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${file}: relay.maxRecipients: `);
    expect(result.stderr).toContain(`${file}: sla.respond: "soon" is not a duration`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes the policy from $GATEWAY_CONFIG when --config is absent', async () => {
    const result = await runCli(['check-config'], { env: { GATEWAY_CONFIG: '/nonexistent/policy.yaml' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/nonexistent/policy.yaml: (top level): file not found');
  });
});

describe('screen', () => {
  it('prints one JSON object per message with the contract fields, taking the envelope from To/Cc/Bcc', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.eml'), ENQUIRY);
    // an mbox "From " first line is tolerated
    writeFileSync(join(dir, 'b.eml'), `From someone@example.org Mon Nov 23 10:00:00 2026\n${ENQUIRY.replace('pothole-cli', 'pothole-cli-2')}`);
    const result = await runCli(['screen', '--json', dir]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!).sort()).toEqual(['action', 'direction', 'enquiry', 'file', 'findings', 'messageId', 'scope']);
    expect(lines[0]).toMatchObject({ file: join(dir, 'a.eml'), messageId: '<pothole-cli@greyfordvale.gov.uk>', direction: 'internal', scope: 'in' });
    expect(lines[1]).toMatchObject({ messageId: '<pothole-cli-2@greyfordvale.gov.uk>' });
    expect(Array.isArray(lines[0]!.findings)).toBe(true);
  });

  it('prints nothing but JSON lines on standard output for the shipped fixtures (findings included)', async () => {
    const result = await runCli(['screen', '--json', 'fixtures/obligation']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(15);
    for (const line of lines) expect(() => JSON.parse(line), line.slice(0, 80)).not.toThrow();
    const held = lines.map((line) => JSON.parse(line) as { file: string; action: string }).filter((report) => report.file.includes('/flags-'));
    expect(held.every((report) => report.action === 'hold')).toBe(true);
  });

  it('says "scope": "out" for mail no filter covers, and names it in the readable summary', async () => {
    // a resident's letter to an officer alone: with a member copied in it would be read whole
    const resident = ENQUIRY.replace(/^From: .*$/m, 'From: Jo Bloggs <jo.bloggs@example.org>').replace(/^Bcc: .*\r\n/m, '');
    const json = await runCli(['screen', '--json', '-'], { input: resident });
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ action: 'deliver', scope: 'out', findings: [], enquiry: null });
    const readable = await runCli(['screen', '-'], { input: resident });
    expect(readable.stdout).toContain('out of scope: header section only');
  });

  it('reads standard input with -', async () => {
    const result = await runCli(['screen', '--json', '-'], { input: ENQUIRY });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: '-', messageId: '<pothole-cli@greyfordvale.gov.uk>' });
  });

  it('prints a readable summary with counts when not asked for JSON', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.eml'), ENQUIRY);
    writeFileSync(join(dir, 'b.eml'), ENQUIRY);
    const result = await runCli(['screen', dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/a\.eml: [A-Z]+ \(internal\) "Pothole on Castle Street"/);
    expect(result.stdout).toMatch(/\n2 messages: /);
  });

  it('exits 2 with a message for unreadable input or a bad --at', async () => {
    const missing = await runCli(['screen', '/nonexistent/mail.eml']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/mail.eml');
    const badAt = await runCli(['screen', '--at', 'yesterday', '-'], { input: ENQUIRY });
    expect(badAt.status).toBe(2);
    expect(badAt.stderr).toContain('--at "yesterday" is not an ISO-8601 date-time');
  });
});

describe('hash-password', () => {
  it('prints a scrypt hash carrying its parameters and salt, which verifies the password', async () => {
    const result = await runCli(['hash-password'], { input: 'correct horse battery staple\n' });
    expect(result.status).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('wrong horse battery staple', hash)).toBe(false);
  });

  it('refuses a short password', async () => {
    const result = await runCli(['hash-password'], { input: 'short\n' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('at least 12 characters');
  });
});
