import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mog-config-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(file: string): string[] {
  try {
    loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('policy file', () => {
  it('accepts the shipped example and fills in defaults', () => {
    const config = loadConfig(defaultConfigPath());
    expect(config.council.name).toBe('Greyford Vale District Council');
    expect(config.sla.acknowledge).toEqual({ kind: 'working-days', count: 3, text: '3 working days' });
    expect(config.relay.maxRecipients).toBe(100);
    expect(Object.isFrozen(config.relay)).toBe(true);
  });

  it('names the file, the key path and the reason for every problem', () => {
    const file = writePolicy(
      [
        'council: { name: X, domains: [not a domain] }',
        'members: [{ name: A, emails: [nobody] }]',
        'sla: { acknowledge: "three days" }',
        'relay: { listen: "localhost", maxMessageBytes: 5000000000, heapGrowthPercent: -5, xforwardHosts: [postfix.local] }',
        'redis: { sentinels: ["127.0.0.1:26379"] }',
        'surprise: true',
      ].join('\n'),
    );
    const problems = problemsOf(file);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${file}: council.domains.0: not a domain name`,
        `${file}: members.0.emails.0: not an email address`,
        expect.stringMatching(new RegExp(`^${file}: sla.acknowledge: "three days" is not a duration`)),
        `${file}: relay.listen: expected host:port, e.g. 127.0.0.1:10025`,
        `${file}: relay.maxMessageBytes: at most 1 GiB (1073741824 bytes)`,
        `${file}: relay.xforwardHosts.0: must be an IP address`,
        `${file}: redis.name: sentinels need the name of the master they watch`,
        expect.stringMatching(new RegExp(`^${file}: relay.heapGrowthPercent: .*>=0`)),
        expect.stringMatching(new RegExp(`^${file}: \\(top level\\): .*surprise`)),
      ]),
    );
  });

  it('reports a missing file and broken YAML without a stack trace', () => {
    expect(problemsOf('/nonexistent/policy.yaml')).toEqual(['/nonexistent/policy.yaml: (top level): file not found']);
    const broken = writePolicy('council: [unclosed');
    expect(problemsOf(broken)[0]).toMatch(new RegExp(`^${broken}: \\(top level\\): YAML: `));
  });

  it('refuses an address listed twice and a manager who is not an officer', () => {
    const file = writePolicy(
      [
        'council: { name: X, domains: [x.gov.uk] }',
        'members: [{ name: A, emails: [a@x.gov.uk] }]',
        'officers: [{ name: B, emails: [A@x.gov.uk], manager: boss@x.gov.uk }]',
      ].join('\n'),
    );
    expect(problemsOf(file)).toEqual([
      `${file}: officers.0.emails.0: a@x.gov.uk is already listed at members.0.emails.0`,
      `${file}: officers.0.manager: boss@x.gov.uk is not listed under officers`,
    ]);
  });

  it('refuses settings for a filter that does not exist', () => {
    const file = writePolicy(['council: { name: X, domains: [x.gov.uk] }', 'filters: { blindcopy: { action: hold } }'].join('\n'));
    expect(problemsOf(file)[0]).toMatch(new RegExp(`^${file}: filters.blindcopy: unknown filter`));
  });
});
