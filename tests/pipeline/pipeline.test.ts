import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { Filter, Finding } from '../../src/finding.js';
import { screen } from '../../src/pipeline.js';
import { decide, screeningHeaderValue } from '../../src/policy.js';
import { exampleConfig } from '../helpers/config.js';

const RAW = Buffer.from('From: cllr.amber@greyfordvale.gov.uk\r\nTo: rachel.finch@greyfordvale.gov.uk\r\nSubject: Test\r\n\r\nHello\r\n');

function finding(filter: string, score = 0.9): Finding {
  return { filter, rule: 'TEST_RULE', severity: 'high', score, protocolRef: '10.1.3', evidence: [{ location: 'body', text: 'Hello' }], explanation: 'test finding' };
}

function fixedFilter(id: string, behaviour: () => readonly Finding[] | Promise<readonly Finding[]>): Filter {
  return { id, title: id, protocolRefs: ['10.1.3'], rules: [], scope: () => true, screen: behaviour };
}

/** The example policy with settings for test-only filters (the registry does not know them). */
function configFor(settings: Record<string, Partial<Config['filters'][string]>>): Config {
  const base = exampleConfig();
  const filters: Config['filters'] = { ...base.filters };
  for (const [id, value] of Object.entries(settings)) {
    filters[id] = { enabled: true, action: 'flag', minScore: 0, timeoutMs: 200, failOpen: true, ...value };
  }
  return { ...base, filters };
}

async function run(config: Config, filters: Filter[]) {
  return screen({ raw: RAW, envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: ['rachel.finch@greyfordvale.gov.uk'] }, receivedAt: new Date('2026-11-23T10:00:00Z') }, { config, directory: new Directory(config), filters });
}

describe('pipeline', () => {
  it('turns a filter that throws into a screening-error finding and delivers', async () => {
    const config = configFor({ broken: { action: 'hold' } });
    const result = await run(config, [fixedFilter('broken', () => { throw new Error('lexicon missing'); })]);
    expect(result.action).toBe('deliver');
    expect(result.findings).toEqual([expect.objectContaining({ filter: 'screening-error', rule: 'FILTER_FAILED', explanation: expect.stringContaining('filter broken failed: lexicon missing') })]);
  });

  it('turns a filter that overruns its budget into a screening-error finding', async () => {
    const config = configFor({ slow: { timeoutMs: 50 } });
    const result = await run(config, [fixedFilter('slow', () => new Promise((resolve) => setTimeout(() => resolve([finding('slow')]), 500)))]);
    expect(result.action).toBe('deliver');
    expect(result.findings.map((f) => `${f.filter}/${f.rule}`)).toEqual(['screening-error/FILTER_FAILED']);
  });

  it('defers when a fail-closed filter fails', async () => {
    const config = configFor({ strict: { failOpen: false } });
    const result = await run(config, [fixedFilter('strict', () => { throw new Error('boom'); })]);
    expect(result.action).toBe('defer');
    expect(result.reason).toMatch(/^4\.7\.0 /);
  });

  it('skips disabled filters and keeps the rest going after one fails', async () => {
    const config = configFor({ off: { enabled: false }, broken: {}, good: { action: 'flag' } });
    const result = await run(config, [
      fixedFilter('off', () => [finding('off')]),
      fixedFilter('broken', () => { throw new Error('x'); }),
      fixedFilter('good', () => [finding('good')]),
    ]);
    expect(result.findings.map((f) => f.filter)).toEqual(['screening-error', 'good']);
    expect(result.action).toBe('flag');
  });
});

describe('policy', () => {
  const config = configFor({ a: { action: 'tag' }, b: { action: 'flag' }, c: { action: 'hold' }, d: { action: 'reject' }, quiet: { action: 'hold', minScore: 0.95 } });

  it.each([
    [[], 'deliver'],
    [['a'], 'deliver'],
    [['a', 'b'], 'flag'],
    [['b', 'c'], 'hold'],
    [['c', 'd', 'b'], 'reject'],
  ])('findings from %j give %s', (ids, action) => {
    expect(decide(ids.map((id) => finding(id)), config).action).toBe(action);
  });

  it('drops findings below the filter\'s minScore', () => {
    expect(decide([finding('quiet', 0.9)], config)).toEqual({ action: 'deliver', findings: [] });
    expect(decide([finding('quiet', 0.97)], config).action).toBe('hold');
  });

  it('explains a rejection with the protocol paragraph', () => {
    expect(decide([finding('d')], config).reason).toBe('5.7.1 Refused under the Member/Officer Protocol para 10.1.3: test finding');
  });

  it('writes the header as the contract fixes it', () => {
    expect(screeningHeaderValue({ action: 'deliver', findings: [] })).toBe('action=deliver; findings=none');
    expect(screeningHeaderValue({ action: 'flag', findings: [finding('b'), finding('a'), finding('b')] }, 'r-1')).toBe('action=flag; findings=b,a; review=r-1');
  });
});
