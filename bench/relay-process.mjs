// The system under test in its own process, run with plain node on the compiled build (as `start`
// runs): `bare` is smtp-server in and SMTPConnection out with no screening (the pass-through
// baseline); `gateway` is the product's relay with its pipeline. `npm run bench` builds first.
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { parse } from 'yaml';

const dist = new URL('../dist/src/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { defaultConfigPath, validateConfig } = await load('config/load.js');
const { silentLogger } = await load('log.js');
const { NextHopClient } = await load('relay/forward.js');
const { Screener } = await load('relay/screener.js');
const { forwardEnvelopeOf, Relay } = await load('relay/server.js');

const [mode, nextHop, workers, variant] = process.argv.slice(2);
const nextHopClient = new NextHopClient({ address: nextHop, hostname: 'bench.test', poolSize: 40, timeoutMs: 60_000, prefixWaitMs: 10_000, logger: silentLogger });

process.on('message', (request) => {
  // CPU time of the whole process (every thread), microseconds: cost per message on a busy machine
  if (request === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  }
});
process.on('disconnect', () => process.exit(0));

if (mode === 'bare') {
  const server = new SMTPServer({
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: 0,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        nextHopClient.deliver(forwardEnvelopeOf(session), Buffer.alloc(0), Buffer.concat(chunks)).then(() => callback(), (error) => callback(error));
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1', () => process.send?.({ port: server.server.address().port }));
} else {
  const policy = parse(readFileSync(defaultConfigPath(), 'utf8'));
  // 'unscreened': every filter off, so the relay's own cost shows apart from the filters'
  if (variant === 'unscreened') for (const settings of Object.values(policy.filters)) settings.enabled = false;
  const result = validateConfig(
    { ...policy, relay: { ...policy.relay, listen: '127.0.0.1:0', nextHop, hostname: 'bench.test', nextHopPoolSize: 40, screening: { ...policy.relay?.screening, workers: Number(workers ?? 1) } } },
    'bench',
  );
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  // as startGateway does: the holidays are worked out in a thread of their own
  const { HOLIDAY_STATE, holidayYears, preloadBankHolidays } = await load('sla/calendar.js');
  const { from, to } = holidayYears(new Date());
  await preloadBankHolidays(HOLIDAY_STATE[result.config.council.bankHolidays], from, to);
  const screener = new Screener(result.config, silentLogger);
  await screener.ready();
  const relay = new Relay({ config: result.config, logger: silentLogger, screener, nextHop: nextHopClient });
  process.send?.({ port: await relay.listen() });
}
