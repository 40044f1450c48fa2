import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validateConfig, defaultConfigPath, loadConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';

/** The shipped example policy, validated. */
export function exampleConfig(): Config {
  return loadConfig(defaultConfigPath());
}

/** A config built from the example policy with some top-level keys replaced. */
export function configWith(overrides: Partial<ConfigInput>): Config {
  const base = structuredClone(exampleConfigInput());
  const result = validateConfig({ ...base, ...overrides }, 'test-config');
  if ('problems' in result) throw new Error(result.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  return result.config;
}

let cachedInput: Record<string, unknown> | undefined;
function exampleConfigInput(): Record<string, unknown> {
  if (!cachedInput) {
    // the raw YAML document, so overrides go through the same validation as a real file
    cachedInput = loadRawYaml(defaultConfigPath());
  }
  return cachedInput;
}

function loadRawYaml(path: string): Record<string, unknown> {
  return parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}
