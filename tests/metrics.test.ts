import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { GatewayMetrics, startMetricsServer } from '../src/metrics.js';
import { nextHopClientFor } from '../src/relay/forward.js';
import { freePort } from '../src/redis.js';
import { configWith } from './helpers/config.js';

describe('readiness', () => {
  it('answers 503 naming what is down when the next hop does not greet, and 200 for health all the same', async () => {
    // a next hop nobody listens on, as the gateway's own client sees it
    const config = configWith({ relay: { nextHop: `127.0.0.1:${await freePort()}`, nextHopTimeoutMs: 1_000 } });
    const nextHop = nextHopClientFor(config, silentLogger);
    const server = await startMetricsServer('127.0.0.1:0', new GatewayMetrics(), { redis: async () => undefined, nextHop: () => nextHop.probe() }, silentLogger);
    try {
      const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/^not ready: next hop: .*(ECONNREFUSED|unavailable)/);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/nothing`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
      await nextHop.close();
    }
  });
});
