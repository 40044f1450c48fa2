import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/schema.js';
import type { Finding } from '../src/finding.js';
import { actionFor, decide } from '../src/policy.js';
import { exampleConfig } from './helpers/config.js';

function finding(filter: string, rule: string, score = 0.9): Finding {
  return { filter, rule, severity: 'high', score, protocolRef: '3.8', evidence: [{ location: 'body', text: 'text' }], explanation: `${rule} found` };
}

/** The example policy with these settings for a test-only filter the registry does not know. */
function configWith(id: string, settings: Record<string, unknown>): Config {
  const base = exampleConfig();
  return { ...base, filters: { ...base.filters, [id]: { enabled: true, action: 'flag', minScore: 0, timeoutMs: 200, failOpen: true, ...settings } } };
}

describe('per-category actions', () => {
  const config = configWith('words', {
    action: 'flag',
    categories: { threat: { action: 'hold' }, 'personal-attack': { threshold: 0.5 }, 'sexual-harassment': { action: 'reject' } },
  });

  it('takes a category\'s own action, named after the rule in kebab case', () => {
    expect(actionFor(finding('words', 'THREAT'), config)).toBe('hold');
    expect(decide([finding('words', 'THREAT')], config).action).toBe('hold');
  });

  it('falls back to the filter action for a category without one, or a rule without a category', () => {
    expect(actionFor(finding('words', 'PERSONAL_ATTACK'), config)).toBe('flag');
    expect(actionFor(finding('words', 'SOMETHING_ELSE'), config)).toBe('flag');
    expect(decide([finding('words', 'PERSONAL_ATTACK')], config).action).toBe('flag');
  });

  it('lets the strictest action win across categories, and explains a rejection by its finding', () => {
    const decision = decide([finding('words', 'THREAT'), finding('words', 'SEXUAL_HARASSMENT'), finding('words', 'PERSONAL_ATTACK')], config);
    expect(decision.action).toBe('reject');
    expect(decision.reason).toBe('5.7.1 Refused under the Member/Officer Protocol para 3.8: SEXUAL_HARASSMENT found');
  });

  it('behaves as before for filters without categories', () => {
    const plain = configWith('plain', { action: 'hold' });
    expect(actionFor(finding('plain', 'THREAT'), plain)).toBe('hold');
    expect(decide([finding('plain', 'THREAT')], plain).action).toBe('hold');
    expect(actionFor(finding('unknown-filter', 'THREAT'), plain)).toBe('tag');
  });

  it('ignores category settings that are not an action, and keys that belong to Object.prototype', () => {
    const odd = configWith('odd', { action: 'flag', categories: { threat: { action: 'explode' }, constructor: { action: 'reject' }, 'to-string': 'reject' } });
    expect(actionFor(finding('odd', 'THREAT'), odd)).toBe('flag');
    expect(actionFor(finding('odd', 'CONSTRUCTOR'), odd)).toBe('reject');
    expect(actionFor(finding('odd', 'TO_STRING'), odd)).toBe('flag');
    const inherited = configWith('inherited', { action: 'flag', categories: {} });
    expect(actionFor(finding('inherited', 'CONSTRUCTOR'), inherited)).toBe('flag');
  });

  it('still drops findings under the filter\'s minScore before choosing an action', () => {
    const quiet = configWith('quiet', { action: 'flag', minScore: 0.95, categories: { threat: { action: 'reject' } } });
    expect(decide([finding('quiet', 'THREAT', 0.9)], quiet)).toEqual({ action: 'deliver', findings: [] });
  });
});
