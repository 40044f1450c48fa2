import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../helpers/shared-data.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /^(PROVENANCE|LICENSE)/.test(name) ? [] : [path];
  });
}

/** What a sending MTA hands on: CRLF line endings (Postfix normalises stray CR and LF), no mbox "From " line. */
function asSent(file: Buffer): Buffer {
  let text = file.toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

interface Outcome {
  readonly file: string;
  readonly status: 'exact' | 'altered' | 'refused' | 'lost';
  readonly reply: string;
}

/** One client connection kept open to a port, reopened after a refusal. */
class Courier {
  private connection?: SMTPConnection;
  constructor(private readonly port: number) {}

  async send(message: Buffer): Promise<{ ok: boolean; text: string }> {
    this.connection ??= await this.open();
    const connection = this.connection;
    const reply = await new Promise<{ ok: boolean; text: string }>((resolve) => {
      connection.send({ from: 'sender@example.org', to: ['rachel.finch@greyfordvale.gov.uk'], use8BitMime: true }, message, (error, info) =>
        resolve(error ? { ok: false, text: String((error as Error & { response?: string }).response ?? error.message) } : { ok: true, text: String(info.response) }),
      );
    });
    if (!reply.ok) this.close();
    return reply;
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }

  private async open(): Promise<SMTPConnection> {
    const fresh = new SMTPConnection({ host: '127.0.0.1', port: this.port, ignoreTLS: true, allowInternalNetworkInterfaces: true, logger: false, socketTimeout: 60_000 });
    await new Promise<void>((resolve, reject) => {
      fresh.once('error', reject);
      fresh.connect(() => resolve());
    });
    fresh.on('error', () => {});
    return fresh;
  }
}

/** Sends each file through the relay and, as the reference, straight to a second sink. */
async function sendAll(relayPort: number, sink: Sink, direct: Sink, files: readonly string[], root: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const viaRelay = new Courier(relayPort);
  const straight = new Courier(direct.port);
  for (const file of files) {
    const message = asSent(readFileSync(file));
    const name = relative(root, file);
    const reply = await viaRelay.send(message);
    if (!reply.ok) {
      outcomes.push({ file: name, status: 'refused', reply: reply.text });
      continue;
    }
    const received = sink.messages.shift();
    if (!received) {
      outcomes.push({ file: name, status: 'lost', reply: reply.text });
      continue;
    }
    await straight.send(message);
    const reference = direct.messages.shift();
    const exact = reference !== undefined && withoutAddedHeaders(received.raw).rest.equals(reference.raw);
    outcomes.push({ file: name, status: exact ? 'exact' : 'altered', reply: reply.text });
  }
  viaRelay.close();
  straight.close();
  return outcomes;
}

function summarise(label: string, outcomes: readonly Outcome[]): void {
  const refused = new Map<string, number>();
  for (const outcome of outcomes.filter((o) => o.status === 'refused')) {
    const code = outcome.reply.slice(0, 9);
    refused.set(code, (refused.get(code) ?? 0) + 1);
  }
  const exact = outcomes.filter((o) => o.status === 'exact').length;
  process.stderr.write(`${label}: ${outcomes.length} messages, ${exact} relayed byte-exact, refused: ${JSON.stringify(Object.fromEntries(refused))}\n`);
}

describe.runIf(hasSharedData('mime-torture') && hasSharedData('spamassassin'))('public corpora through the relay', () => {
  let sink: Sink;
  let direct: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    direct = await startSink();
    relay = await startRelay(sink.address, { relay: { screening: { workers: 1, timeoutMs: 10_000, maxParseBytes: 10_485_760 } } });
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
    await direct.close();
  });

  it.each(['mime-torture', 'spamassassin'])('relays every message of %s byte-exact or refuses it with a clear code', async (corpus) => {
    const root = sharedDataPath(corpus);
    const outcomes = await sendAll(relay.port, sink, direct, filesUnder(root), root);
    summarise(corpus, outcomes);
    expect(outcomes.filter((o) => o.status === 'altered' || o.status === 'lost')).toEqual([]);
    // a refusal names its reason: an SMTP code with an enhanced status and words
    for (const outcome of outcomes.filter((o) => o.status === 'refused')) expect(outcome.reply).toMatch(/^[45]\d\d [45]\.\d\.\d+ \w+/);
    expect(outcomes.filter((o) => o.status === 'exact').length).toBeGreaterThan(outcomes.length * 0.9);
  }, 600_000);
});
