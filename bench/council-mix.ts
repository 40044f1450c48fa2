/**
 * A council's traffic mix through the gateway and through the bare pass-through, in one run:
 * throughput at concurrency 20, latency added at a steady 100 msg/s, and the share of messages
 * screened in full (the rest are outside every filter's scope and relayed after their header
 * section). The proportions are an assumption, printed with the results; change them with
 * `npm run bench -- --mix inbound=55,internal=25,outbound=10,member=7,press=3`.
 *
 * The default: 55% inbound from residents, businesses and other bodies to officers and service
 * mailboxes; 25% officer to officer; 10% officers to outside addresses; 7% involving members
 * (members writing to officers, officers answering members); 3% press and publicity (the press
 * office to the media). Sizes: 88% text alone of 1–20 KB (spread evenly on a log scale), 9% with
 * an attachment of 100–500 KB, 3% with one of 1–2 MB (images and spreadsheets, which no filter
 * reads). A council that counts its own mail (e.g. a day of its MTA log by sender and recipient
 * domain) should run the benchmark with its own figures.
 */
import { parseArgs } from 'node:util';
import { filters } from '../filters/index.js';
import { defaultConfigPath, loadConfig } from '../src/config/load.js';
import { Directory } from '../src/directory.js';
import { screen } from '../src/pipeline.js';
import { median, openClient, percentile, send, startProcess, stop, type BenchEnvelope, type Started } from './relay.js';

const KINDS = ['inbound', 'internal', 'outbound', 'member', 'press'] as const;
type Kind = (typeof KINDS)[number];
const DEFAULT_MIX: Record<Kind, number> = { inbound: 55, internal: 25, outbound: 10, member: 7, press: 3 };
const MESSAGES = 1000;
const REPEATS = 3;
const STEADY_SECONDS = 10;
const STEADY_ROUNDS = 3;
const TARGET_SHARE = 60;
const TARGET_P99_RATIO = 2;

interface MixMessage {
  readonly kind: Kind;
  readonly raw: Buffer;
  readonly envelope: BenchEnvelope;
}

const OFFICERS = ['Helen Marsh <helen.marsh@greyfordvale.gov.uk>', 'David Osei <david.osei@greyfordvale.gov.uk>', 'Rachel Finch <rachel.finch@greyfordvale.gov.uk>', 'Imran Shah <imran.shah@greyfordvale.gov.uk>', 'Laura Bennett <laura.bennett@greyfordvale.gov.uk>', 'Nadia Kowalski <nadia.kowalski@greyfordvale.gov.uk>'];
const SERVICE_MAILBOXES = ['Planning <planning@greyfordvale.gov.uk>', 'Council Tax <counciltax@greyfordvale.gov.uk>', 'Waste Services <waste@greyfordvale.gov.uk>', 'Customer Services <contact@greyfordvale.gov.uk>'];
const MEMBERS = ['Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk>', 'Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>', 'Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>', 'Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk>'];
const OUTSIDERS = ['Margaret Ellis <m.ellis@example.org.uk>', 'Sunil Patel <sunil@patel-builders.example.co.uk>', 'Accounts <accounts@vale-grounds.example.com>', 'Dr Ruth Adeyemi <ruth.adeyemi@nhs.example.net>', 'Owen Price <owenprice77@mail.example>', 'Parish Clerk <clerk@millbrook-pc.example.org.uk>'];
const PRESS = 'Press Office <press@greyfordvale.gov.uk>';
const MEDIA = ['Newsdesk <newsdesk@greyfordgazette.co.uk>', 'Vale Radio News <news@valeradio.example.co.uk>'];

/** prose by kind: what each kind of mail says, in a few paragraphs that are cycled to the size */
const PROSE: Record<Kind, readonly string[]> = {
  inbound: [
    'I am writing about planning application 26/0412/FUL for the rear extension at 14 Mill Lane. The drawings show a window overlooking our garden, which the case officer did not mention in the report.',
    'Our green bin was missed again on Tuesday, the third time since September. The crew seem to skip the end of Abbey Close when cars are parked on the corner. Could someone look at the round?',
    'Please find our invoice for the October grounds maintenance visits attached. Payment terms are thirty days from the date of invoice, and the purchase order number is shown on each line.',
    'Thank you for the reminder about the council tax instalment. I have now set up a direct debit and would be grateful if you could confirm that the arrears notice will be withdrawn.',
  ],
  internal: [
    'The agenda for Thursday\'s team meeting is below. Could everyone send their updates on the depot roof survey and the parking review by Wednesday lunchtime so that I can circulate the papers?',
    'I have booked the committee room for the licensing hearing on the 14th. Legal have confirmed they can attend, and the applicant\'s agent has asked for the bundle by Friday.',
    'Following yesterday\'s call, the revised budget figures for the leisure centre are in the shared folder. The main change is the energy line, which now reflects the new contract price.',
  ],
  outbound: [
    'Thank you for your quotation for the replacement of the play area surfacing at Riverside Park. We are comparing it with two others and expect to write to all suppliers by the end of the month.',
    'I am writing to confirm the arrangements for the inspection of the premises on Monday at 10am. Please make sure that the fire safety log and the training records are available.',
    'Further to your enquiry about the licence renewal, the application form and the fee schedule are attached. The renewal must reach us at least four weeks before the current licence expires.',
  ],
  member: [
    'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended. Could you let me know the programme, and whether the contractor will write to each household?',
    'Thank you for your email about the drainage on Castle Street. Highways have inspected the gully outside number 14 and it will be cleared next week; I will write again once the work is done.',
  ],
  press: [
    'Greyford Vale Council has reopened the Riverside Park play area after a six-week refurbishment. The new equipment includes a wheelchair-accessible roundabout and a sensory garden designed with local schools.',
    'The Council\'s recycling rate rose to 52 per cent last year, the highest in the county. Residents can find out what goes in each bin on the Council\'s website or by calling the customer services team.',
  ],
};

/** a small seeded generator, so each run sends the same mix */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const addressOf = (mailbox: string): string => /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox;

function partiesOf(kind: Kind, i: number, next: () => number): { from: string; to: string } {
  const pick = (list: readonly string[]): string => list[Math.floor(next() * list.length)] as string;
  switch (kind) {
    case 'inbound':
      return { from: pick(OUTSIDERS), to: next() < 0.5 ? pick(OFFICERS) : pick(SERVICE_MAILBOXES) };
    case 'internal': {
      const from = pick(OFFICERS);
      return { from, to: OFFICERS.find((officer) => officer !== from && next() < 0.5) ?? (OFFICERS[(OFFICERS.indexOf(from) + 1) % OFFICERS.length] as string) };
    }
    case 'outbound':
      return { from: pick(OFFICERS), to: pick(OUTSIDERS) };
    case 'member':
      return i % 2 === 0 ? { from: pick(MEMBERS), to: pick(OFFICERS) } : { from: pick(OFFICERS), to: pick(MEMBERS) };
    case 'press':
      return { from: PRESS, to: pick(MEDIA) };
  }
}

function messageOf(kind: Kind, i: number, next: () => number): MixMessage {
  const { from, to } = partiesOf(kind, i, next);
  const sizeRoll = next();
  const textBytes = Math.round(1024 * Math.exp(next() * Math.log(20)));
  const attachmentBytes = sizeRoll < 0.88 ? 0 : sizeRoll < 0.97 ? Math.round(100_000 + next() * 400_000) : Math.round(1_000_000 + next() * 1_000_000);
  const paragraphs = PROSE[kind];
  let text = '';
  for (let p = i; text.length < textBytes; p += 1) text += `${paragraphs[p % paragraphs.length]}\n\n`;
  const body = text.slice(0, textBytes).replace(/(.{1,76})( |$)/g, '$1\r\n');
  const head = [`From: ${from}`, `To: ${to}`, `Subject: ${kind} message ${i}`, `Message-ID: <mix-${i}@bench.invalid>`, 'Date: Tue, 24 Nov 2026 10:15:00 +0000', 'MIME-Version: 1.0'];
  let raw: string;
  if (attachmentBytes === 0) {
    raw = `${head.join('\r\n')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
  } else {
    const [name, type] = next() < 0.5 ? ['site-photo.jpg', 'image/jpeg'] : ['figures.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'];
    const content = Buffer.alloc(attachmentBytes);
    for (let b = 0; b < content.length; b += 1) content[b] = Math.floor(next() * 256);
    const encoded = content.toString('base64').replace(/(.{76})/g, '$1\r\n');
    raw =
      `${head.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n--mix\r\n` +
      `Content-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${encoded}\r\n--mix--\r\n`;
  }
  return { kind, raw: Buffer.from(raw), envelope: { from: addressOf(from), to: [addressOf(to)] } };
}

export function councilMix(shares: Record<Kind, number>, count: number): MixMessage[] {
  const next = random(20261207);
  const total = KINDS.reduce((sum, kind) => sum + shares[kind], 0);
  const messages: MixMessage[] = [];
  for (const kind of KINDS) {
    const n = Math.round((shares[kind] / total) * count);
    for (let i = 0; i < n; i += 1) messages.push(messageOf(kind, messages.length, next));
  }
  // interleaved, as mail arrives
  for (let i = messages.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [messages[i], messages[j]] = [messages[j] as MixMessage, messages[i] as MixMessage];
  }
  return messages;
}

function mixFromArguments(): Record<Kind, number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { mix: { type: 'string' } }, strict: false });
  const mix = { ...DEFAULT_MIX };
  if (typeof values.mix !== 'string') return mix;
  for (const part of values.mix.split(',')) {
    const [kind, share] = part.split('=');
    if (!KINDS.includes(kind as Kind) || !share || !Number.isFinite(Number(share)) || Number(share) < 0) {
      throw new Error(`--mix ${values.mix}: each part is KIND=PERCENT with KIND one of ${KINDS.join(', ')}`);
    }
    mix[kind as Kind] = Number(share);
  }
  return mix;
}

/** `total` messages of the mix over `concurrency` connections; messages per second */
export async function mixLoop(port: number, concurrency: number, total: number, messages: readonly MixMessage[]): Promise<number> {
  const clients = await Promise.all(Array.from({ length: concurrency }, () => openClient(port)));
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      while (next < total) {
        const message = messages[next % messages.length] as MixMessage;
        next += 1;
        await send(client, message.raw, message.envelope);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const client of clients) client.close();
  return total / seconds;
}

/** the mix at a steady rate (open loop) on ten pooled connections; sorted latencies */
async function mixSteady(port: number, perSecond: number, seconds: number, messages: readonly MixMessage[]): Promise<number[]> {
  const pool = await Promise.all(Array.from({ length: 10 }, () => openClient(port)));
  const free = [...pool];
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < perSecond * seconds; i += 1) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const client = free.pop();
    if (!client) continue;
    const message = messages[i % messages.length] as MixMessage;
    pending.push(
      send(client, message.raw, message.envelope).then((ms) => {
        latencies.push(ms);
        free.push(client);
      }),
    );
  }
  await Promise.all(pending);
  for (const client of pool) client.close();
  return latencies.sort((a, b) => a - b);
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export async function run(): Promise<void> {
  const shares = mixFromArguments();
  const messages = councilMix(shares, MESSAGES);
  const config = loadConfig(defaultConfigPath());
  const environment = { config, directory: new Directory(config), filters };
  const inScope = new Map<Kind, { all: number; full: number }>();
  for (const message of messages) {
    const result = await screen({ raw: message.raw, envelope: { mailFrom: message.envelope.from, rcptTo: message.envelope.to }, receivedAt: new Date('2026-11-24T10:15:00Z') }, environment);
    const row = inScope.get(message.kind) ?? { all: 0, full: 0 };
    row.all += 1;
    if (result.scope === 'in') row.full += 1;
    inScope.set(message.kind, row);
  }
  const fullShare = ([...inScope.values()].reduce((sum, row) => sum + row.full, 0) / messages.length) * 100;
  const bytes = messages.reduce((sum, message) => sum + message.raw.length, 0);

  console.log(`\nCouncil mix (${messages.length} messages, mean ${fmt(bytes / messages.length / 1024, 1)} KB; the proportions are an assumption: --mix KIND=PERCENT,...)`);
  console.log('kind        share   screened in full (the rest: outside every scope, header section only)');
  for (const kind of KINDS) {
    const row = inScope.get(kind) ?? { all: 0, full: 0 };
    console.log(`${kind.padEnd(10)} ${fmt((row.all / messages.length) * 100).padStart(5)}%   ${row.full} of ${row.all}`);
  }
  console.log(`all        100%    ${fmt(fullShare, 1)}% screened in full`);

  const sink = await startProcess('sink-process.ts');
  const bare = await startProcess('relay-process.mjs', ['bare', `127.0.0.1:${sink.port}`]);
  const gateway = await startProcess('relay-process.mjs', ['gateway', `127.0.0.1:${sink.port}`, '1']);
  const targets: Array<[string, Started]> = [
    ['direct to sink', sink],
    ['bare pass-through', bare],
    ['gateway', gateway],
  ];
  try {
    for (const [, target] of targets) await mixLoop(target.port, 4, 300, messages);
    const rates = new Map<string, number>();
    for (const [name, target] of targets) {
      const runs: number[] = [];
      for (let r = 0; r < REPEATS; r += 1) runs.push(await mixLoop(target.port, 20, messages.length, messages));
      rates.set(name, median(runs));
    }
    const bareRate = rates.get('bare pass-through') ?? Number.NaN;
    console.log(`\nthroughput at concurrency 20 (median of ${REPEATS} runs of ${messages.length})`);
    console.log('path                   msg/s   vs bare');
    for (const [name, rate] of rates) console.log(`${name.padEnd(20)} ${fmt(rate).padStart(7)}   ${fmt((rate / bareRate) * 100).padStart(5)}%`);

    const added = new Map<Started, number[]>(targets.map(([, target]) => [target, []]));
    for (let round = 0; round < STEADY_ROUNDS; round += 1) {
      await mixSteady(sink.port, 100, 1, messages);
      const direct = await mixSteady(sink.port, 100, STEADY_SECONDS, messages);
      for (const [, target] of targets) {
        if (target === sink) continue;
        await mixSteady(target.port, 100, 1, messages);
        const through = await mixSteady(target.port, 100, STEADY_SECONDS, messages);
        added.get(target)?.push(percentile(through, 99) - percentile(direct, 99));
      }
    }
    const gatewayAdded = median(added.get(gateway) ?? []);
    const bareAdded = median(added.get(bare) ?? []);
    console.log(`\nlatency added at a steady 100 msg/s (p99 through the path minus p99 direct to the sink; median of ${STEADY_ROUNDS} rounds of ${STEADY_SECONDS} s)`);
    console.log(`bare pass-through    ${fmt(bareAdded, 2).padStart(7)} ms   (rounds: ${(added.get(bare) ?? []).map((x) => fmt(x, 2)).join(', ')})`);
    console.log(`gateway              ${fmt(gatewayAdded, 2).padStart(7)} ms   (rounds: ${(added.get(gateway) ?? []).map((x) => fmt(x, 2)).join(', ')})`);

    const share = ((rates.get('gateway') ?? Number.NaN) / bareRate) * 100;
    const ratio = gatewayAdded / bareAdded;
    console.log('\nCouncil mix targets, judged on this run');
    console.log(`  throughput c=20, gateway / bare                ${fmt(share).padStart(8)}%   >= ${TARGET_SHARE}%    ${share >= TARGET_SHARE ? 'met' : 'missed'}`);
    console.log(`  added p99 at 100 msg/s, gateway / bare         ${fmt(ratio, 2).padStart(9)}   <= ${TARGET_P99_RATIO}      ${ratio <= TARGET_P99_RATIO ? 'met' : 'missed'}`);
  } finally {
    await stop(gateway);
    await stop(bare);
    await stop(sink);
  }
}
