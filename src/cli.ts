import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath } from './config/load.js';
import { ConfigError, GatewayError, UnusableSettingError } from './errors.js';
import { createLogger } from './log.js';
import { hashPassword } from './review/password.js';

const USAGE = `usage: member-officer-gateway <command> [options]

commands:
  start [--config FILE]              run the relay, SLA timers and review page
  screen [--config FILE] [--mail-from ADDR] [--rcpt ADDR]... [--at ISO-8601] [--json] FILE.eml|DIR|-...
                                     screen messages offline (no Redis needed)
  check-config [--config FILE]       validate a policy file
  hash-password                      read a password on stdin, print a passwordHash for review.accounts
  enquiries [--config FILE] [--status S[,S]] [--all] [--limit N] [--json]
                                     list member enquiries with their status and due dates

The policy file is --config, else $GATEWAY_CONFIG, else policies/example-council.yaml.
`;

/**
 * Runs one command; returns the exit status. Each command loads only its own modules: `start`
 * leaves parsing and filtering to its screening workers, so the long-running process never holds
 * the offline `screen` command's copy of the pipeline and MIME parser.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(rest);
      case 'screen': {
        const { runScreenCommand } = await import('./screen-command.js');
        return await runScreenCommand(rest);
      }
      case 'check-config':
        return checkConfigCommand(rest);
      case 'hash-password':
        return await hashPasswordCommand();
      case 'enquiries': {
        const { runEnquiriesCommand } = await import('./sla/cli.js');
        // the command reads --config itself; this is the fallback ($GATEWAY_CONFIG, then the example)
        return await runEnquiriesCommand(rest, resolveConfigPath());
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`member-officer-gateway: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof GatewayError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`member-officer-gateway: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function checkConfigCommand(args: readonly string[]): number {
  const { values } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, strict: true });
  const path = resolveConfigPath(values.config);
  const config = loadConfig(path);
  process.stdout.write(`${path}: ok (${config.members.length} members, ${config.officers.length} officers, filters: ${Object.keys(config.filters).join(', ') || 'none'})\n`);
  return 0;
}

async function startCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, strict: true });
  const path = resolveConfigPath(values.config);
  const config = loadConfig(path);
  const logger = createLogger(process.env.LOG_LEVEL ?? config.log.level);
  logger.info({ config: path }, 'policy loaded');
  const { startGateway } = await import('./gateway.js');
  const gateway = await startGateway(config, { logger }).catch((error: unknown) => {
    throw error instanceof UnusableSettingError ? new ConfigError([{ file: path, path: error.key, reason: error.reason }]) : error;
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down: no new connections, finishing messages in flight');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await gateway.close();
  logger.info('stopped');
  return 0;
}

async function hashPasswordCommand(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password.length < 12) {
    process.stderr.write('member-officer-gateway: a review password needs at least 12 characters\n');
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
