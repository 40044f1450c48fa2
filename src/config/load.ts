import { readFileSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { filters as registry } from '../../filters/index.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { configSchema, filterSettingsSchema, type Config, type FilterSettings } from './schema.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `--config`, else `$GATEWAY_CONFIG`, else the shipped example policy. */
export function resolveConfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.GATEWAY_CONFIG) return resolve(env.GATEWAY_CONFIG);
  return defaultConfigPath();
}

export function defaultConfigPath(): string {
  // dist/src/config -> project root, or src/config when run from source
  const fromDist = join(projectRoot, 'policies', 'example-council.yaml');
  const fromSource = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies', 'example-council.yaml');
  return import.meta.url.includes('/dist/') ? fromDist : fromSource;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Validates a parsed document; returns the frozen config or every problem found. */
export function validateConfig(document: unknown, file: string): { config: Config } | { problems: ConfigProblem[] } {
  const parsed = configSchema.safeParse(document ?? {});
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => ({ file, path: pathOf(issue.path), reason: issue.message })) };
  }
  const problems: ConfigProblem[] = [];
  const config = parsed.data;
  const known = new Map(registry.map((filter) => [filter.id, filter]));
  const filterSettings: Record<string, FilterSettings & Record<string, unknown>> = {};
  for (const [id, settings] of Object.entries(config.filters)) {
    const filter = known.get(id);
    if (!filter) {
      problems.push({
        file,
        path: `filters.${id}`,
        reason: `unknown filter; known filters: ${[...known.keys()].join(', ') || '(none)'}`,
      });
      continue;
    }
    const schema = filterSettingsSchema.extend(filter.optionsSchema?.shape ?? {}).strict();
    const result = schema.safeParse(settings);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ file, path: pathOf(['filters', id, ...issue.path]), reason: issue.message });
      }
    } else {
      filterSettings[id] = result.data as FilterSettings & Record<string, unknown>;
    }
  }
  // every registered filter gets its defaults, so a filter absent from the file still runs
  for (const filter of registry) {
    if (!(filter.id in filterSettings) && !(filter.id in config.filters)) {
      filterSettings[filter.id] = filterSettingsSchema.extend(filter.optionsSchema?.shape ?? {}).parse({}) as FilterSettings &
        Record<string, unknown>;
    }
  }
  problems.push(...crossCheck(config, file));
  if (problems.length > 0) return { problems };
  return { config: deepFreeze({ ...config, filters: filterSettings }) };
}

/** Problems a schema cannot see: the same address in two roles, dangling references. */
function crossCheck(config: Config, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owner = new Map<string, string>();
  const claim = (address: string, path: string): void => {
    const previous = owner.get(address);
    if (previous) problems.push({ file, path, reason: `${address} is already listed at ${previous}` });
    else owner.set(address, path);
  };
  config.members.forEach((member, i) => member.emails.forEach((address, j) => claim(address, `members.${i}.emails.${j}`)));
  config.officers.forEach((officer, i) => officer.emails.forEach((address, j) => claim(address, `officers.${i}.emails.${j}`)));
  const officerAddresses = new Set(config.officers.flatMap((officer) => officer.emails));
  config.officers.forEach((officer, i) => {
    if (officer.manager && !officerAddresses.has(officer.manager)) {
      problems.push({ file, path: `officers.${i}.manager`, reason: `${officer.manager} is not listed under officers` });
    }
  });
  config.elections.forEach((election, i) => {
    if (election.periodStart && election.periodStart >= election.pollingDay) {
      problems.push({ file, path: `elections.${i}.periodStart`, reason: 'must be before pollingDay' });
    }
  });
  if (config.relay.listen === config.relay.nextHop) {
    problems.push({ file, path: 'relay.nextHop', reason: 'is the same as relay.listen: mail would loop' });
  }
  return problems;
}

/** Reads, parses and validates a policy file; throws ConfigError naming file, key and reason. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'file not found' : `cannot read: ${String(error)}`;
    throw new ConfigError([{ file: path, path: '', reason }]);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({ file: path, path: '', reason: `YAML: ${error.message.split('\n')[0] ?? error.message}` })),
    );
  }
  const result = validateConfig(document.toJS(), path);
  if ('problems' in result) throw new ConfigError(result.problems);
  return result.config;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
