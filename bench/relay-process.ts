/**
 * The system under test in its own process: `bare` is smtp-server in and SMTPConnection out with
 * no screening (the pass-through baseline); `gateway` is the product's relay with its pipeline.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parse } from 'yaml';
import { defaultConfigPath, validateConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { NextHopClient } from '../src/relay/forward.js';
import { Screener } from '../src/relay/screener.js';
import { forwardEnvelopeOf, Relay } from '../src/relay/server.js';

const [mode, nextHop, workers] = process.argv.slice(2) as [string, string, string | undefined];
const nextHopClient = new NextHopClient({ address: nextHop, hostname: 'bench.test', poolSize: 40, timeoutMs: 60_000, logger: silentLogger });

function memoryReporter(): void {
  process.on('message', (request: string) => {
    if (request === 'memory') process.send?.({ rss: process.memoryUsage().rss, peak: peakRss() });
  });
}

function peakRss(): number {
  // VmHWM: the process's peak resident set, worker threads included
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

if (mode === 'bare') {
  const server = new SMTPServer({
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: 0,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        nextHopClient.deliver(forwardEnvelopeOf(session), Buffer.alloc(0), Buffer.concat(chunks)).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.server.address() as AddressInfo).port }));
} else {
  const policy = parse(readFileSync(defaultConfigPath(), 'utf8')) as Record<string, Record<string, unknown>>;
  const result = validateConfig(
    { ...policy, relay: { ...policy.relay, listen: '127.0.0.1:0', nextHop, hostname: 'bench.test', nextHopPoolSize: 40, screening: { workers: Number(workers ?? 1) } } },
    'bench',
  );
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  const config = result.config;
  const screener = new Screener(config, silentLogger);
  const relay = new Relay({ config, logger: silentLogger, screener, nextHop: nextHopClient });
  relay.listen().then((port) => process.send?.({ port }));
}
memoryReporter();
process.on('disconnect', () => process.exit(0));
