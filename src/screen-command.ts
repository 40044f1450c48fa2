import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { filters } from '../filters/index.js';
import { loadConfig, resolveConfigPath } from './config/load.js';
import { Directory } from './directory.js';
import { errorMessage, GatewayError } from './errors.js';
import { screen, type ScreeningResult } from './pipeline.js';

/** One line of `screen --json`, as the contract fixes it. */
export interface ScreenReport {
  readonly file: string;
  readonly messageId: string | null;
  readonly direction: string;
  readonly action: string;
  /** `out`: no filter's scope and no enquiry rule applied, so only the header section was read */
  readonly scope: ScreeningResult['scope'];
  readonly findings: ScreeningResult['findings'];
  readonly enquiry: ScreeningResult['enquiry'];
}

/** progress goes to stderr every this many messages when screening a large folder */
const PROGRESS_EVERY = 500;

/** `screen`: the relay's pipeline over .eml files, offline, no Redis. Exit 0 whatever the verdict. */
export async function runScreenCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      'mail-from': { type: 'string' },
      rcpt: { type: 'string', multiple: true },
      at: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new GatewayError('USAGE', 'screen needs at least one FILE.eml, DIR or - (standard input)');
  let at: Date | undefined;
  if (values.at !== undefined) {
    at = new Date(values.at);
    if (Number.isNaN(at.getTime())) throw new GatewayError('USAGE', `--at "${values.at}" is not an ISO-8601 date-time`);
  }
  const config = loadConfig(resolveConfigPath(values.config));
  const environment = { config, directory: new Directory(config), filters };
  const inputs = positionals.flatMap(expandInput);
  const counts = new Map<string, number>();
  const actions = new Map<string, number>();
  const showProgress = inputs.length >= PROGRESS_EVERY && process.stderr.isTTY === true;
  let screened = 0;
  for (const input of inputs) {
    const raw = stripMboxLine(input.read());
    const receivedAt = at ?? dateHeaderOf(raw) ?? new Date();
    const result = await screen(
      { raw, envelope: { mailFrom: values['mail-from'] ?? null, rcptTo: values.rcpt && values.rcpt.length > 0 ? values.rcpt : null }, receivedAt },
      environment,
    );
    screened += 1;
    for (const id of new Set(result.findings.map((finding) => finding.filter))) counts.set(id, (counts.get(id) ?? 0) + 1);
    actions.set(result.action, (actions.get(result.action) ?? 0) + 1);
    const report: ScreenReport = {
      file: input.name,
      messageId: result.message.messageId ?? null,
      direction: result.message.direction,
      action: result.action,
      scope: result.scope,
      findings: result.findings,
      enquiry: result.enquiry,
    };
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : readable(report, result));
    if (showProgress && screened % PROGRESS_EVERY === 0) process.stderr.write(`screened ${screened} of ${inputs.length}\n`);
  }
  if (!values.json && inputs.length > 1) {
    process.stdout.write(`\n${inputs.length} messages: ${[...actions].map(([action, n]) => `${n} ${action}`).join(', ')}\n`);
    process.stdout.write(counts.size === 0 ? 'no findings\n' : [...counts].map(([id, n]) => `  ${id}: ${n} message(s)\n`).join(''));
  }
  return 0;
}

interface Input {
  readonly name: string;
  read(): Buffer;
}

function expandInput(path: string): Input[] {
  if (path === '-') return [{ name: '-', read: () => readFileSync(0) }];
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new GatewayError('INPUT_UNREADABLE', `cannot read ${path}: no such file or directory`);
  }
  if (stats.isDirectory()) {
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
      .map((name) => fileInput(join(path, name)));
  }
  return [fileInput(path)];
}

function fileInput(path: string): Input {
  return {
    name: path,
    read: () => {
      try {
        return readFileSync(path);
      } catch (error) {
        throw new GatewayError('INPUT_UNREADABLE', `cannot read ${path}: ${errorMessage(error)}`);
      }
    },
  };
}

/** mbox files start with a `From sender date` line that is not part of the message */
function stripMboxLine(raw: Buffer): Buffer {
  if (raw.subarray(0, 5).toString('latin1') !== 'From ') return raw;
  const end = raw.indexOf(0x0a);
  return end === -1 ? Buffer.alloc(0) : raw.subarray(end + 1);
}

function dateHeaderOf(raw: Buffer): Date | undefined {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const match = /^date:[ \t]*(.+(?:\r?\n[ \t].+)*)/im.exec(head);
  if (!match?.[1]) return undefined;
  const date = new Date(match[1].replace(/\r?\n[ \t]+/g, ' ').trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function readable(report: ScreenReport, result: ScreeningResult): string {
  const scope = report.scope === 'out' ? ', out of scope: header section only' : '';
  const lines = [`${report.file}: ${report.action.toUpperCase()} (${report.direction}${scope})${result.message.subject ? ` "${result.message.subject.slice(0, 80)}"` : ''}`];
  for (const finding of report.findings) {
    lines.push(`  ${finding.filter}/${finding.rule} [${finding.severity}, score ${finding.score.toFixed(2)}, para ${finding.protocolRef}]: ${finding.explanation}`);
    for (const evidence of finding.evidence.slice(0, 3)) lines.push(`    ${evidence.location}: "${evidence.text.slice(0, 160).replace(/\s+/g, ' ')}"`);
  }
  if (report.enquiry) {
    lines.push(`  enquiry: ${report.enquiry.member} -> ${report.enquiry.officer}, acknowledge by ${report.enquiry.acknowledgeBy}, respond by ${report.enquiry.respondBy}`);
  }
  return `${lines.join('\n')}\n`;
}
