import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { DocumentThread } from '../../src/message/attachments.js';
import { createReviewEffects } from '../../src/review/effects.js';
import { ReviewStore } from '../../src/review/store.js';
import { configWith } from '../helpers/config.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix, VOLATILE_TEST_REDIS } from '../helpers/redis.js';
import { pdfBomb } from '../helpers/bombs.js';
import { withAttachment } from '../helpers/messages.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { buildPdf } from '../../scripts/fixtures/office-documents.js';

const ENVELOPE = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['quotes@valesurfacing.example.co.uk'] };

/** A member accepting a contractor's quote in the body: on its own, the example policy holds it. */
function heldLetter(index: number): string {
  return [
    'From: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>',
    'To: quotes@valesurfacing.example.co.uk',
    `Subject: RE: Quotation Q-${2300 + index}`,
    `Message-ID: <letter-${index}-${Date.now()}@greyfordvale.gov.uk>`,
    '',
    'Good afternoon,',
    '',
    `Thank you for the quotation. We accept your quote of £${8_000 + index},000 for resurfacing the car park. PO to follow.`,
    '',
    'Susan Okafor',
    '',
  ].join('\r\n');
}

/** The member's PDF to the contractor. */
function withPdf(pdf: Buffer): string {
  return withAttachment('Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>', 'quotes@valesurfacing.example.co.uk', { filename: 'quote.pdf', contentType: 'application/pdf', content: pdf }, 'Quotation attached');
}

describe('a PDF that inflates without end', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    // about 1 MB on the wire, 1 GiB once inflated
    bomb = await pdfBomb(1_024);
  });

  it('is stopped, and the next document is read as if it had not been', async () => {
    const documents = new DocumentThread();
    try {
      const stopped = await documents.extract('pdf', bomb, 200_000, 3_000);
      expect(stopped.text).toBeUndefined();
      expect(stopped.problem).toMatch(/^pdf text extraction (took longer than 3000 ms|used more than 256 MiB)$/);
      expect(documents.stopped).toBe(1);
      const letter = await documents.extract('pdf', buildPdf(['We accept your quote for the drainage works.']), 200_000, 3_000);
      expect(letter).toEqual({ text: expect.stringContaining('We accept your quote for the drainage works.') });
      // a letter that waits behind another bomb is read on a fresh thread, with its own time
      const [second, behind] = await Promise.all([
        documents.extract('pdf', bomb, 200_000, 3_000),
        documents.extract('pdf', buildPdf(['Please proceed with the works on Monday.']), 200_000, 3_000),
      ]);
      expect(second.problem).toMatch(/^pdf text extraction (took longer|used more)/);
      expect(behind).toEqual({ text: expect.stringContaining('Please proceed with the works on Monday.') });
      expect(documents.stopped).toBe(2);
    } finally {
      await documents.close();
    }
  });

  describe('through the relay', () => {
    let sink: Sink;
    let relay: TestRelay;
    let redis: Redis;
    let store: ReviewStore;
    const prefix = uniquePrefix('bombs');
    beforeAll(async () => {
      sink = await startSink();
      redis = new Redis(TEST_REDIS_URL);
      store = new ReviewStore({ redis, prefix, acceptVolatileHolds: VOLATILE_TEST_REDIS, retentionMs: 86_400_000, logger: silentLogger });
      // one screening worker, as a small council runs it, and a review store that holds letters
      const settings = { relay: { screening: { workers: 1, timeoutMs: 10_000, maxParseBytes: 10_485_760 } } };
      const effects = createReviewEffects(store, { config: configWith(settings), logger: silentLogger });
      relay = await startRelay(sink.address, settings, { review: effects.review });
    });
    afterAll(async () => {
      await relay.close();
      await sink.close();
      redis.disconnect();
      await deleteKeys(prefix);
    });

    it('costs a bounded amount of memory, and the ten held-shaped letters sent after it are all held', async () => {
      // the relay and its screening worker run in this process: its resident memory is theirs
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
      try {
        const bombed = sendThrough(relay.port, ENVELOPE, withPdf(bomb));
        const letters: Array<Awaited<ReturnType<typeof sendThrough>>> = [];
        // five at once at once, five more after the document's time limit has passed
        letters.push(...(await Promise.all(Array.from({ length: 5 }, (_, index) => sendThrough(relay.port, ENVELOPE, heldLetter(index))))));
        await new Promise((resolve) => setTimeout(resolve, 3_500));
        letters.push(...(await Promise.all(Array.from({ length: 5 }, (_, index) => sendThrough(relay.port, ENVELOPE, heldLetter(5 + index))))));
        for (const letter of letters) expect(letter.response).toMatch(/^250 2\.0\.0 Held for review by the Monitoring Officer/);
        await bombed;
        // a reader left running would go on growing after the reply: watch a while longer
        await new Promise((resolve) => setTimeout(resolve, 4_000));
      } finally {
        clearInterval(sampler);
      }
      const delivered = sink.messages.map((message) => message.raw.toString('latin1'));
      expect(delivered.filter((raw) => raw.includes('We accept your quote'))).toEqual([]);
      expect((await store.counts()).held).toBe(10);
      // read to the end, the document would take over 1 GiB; it is stopped at 256 MiB
      expect((peak - baseline) / 1024 / 1024).toBeLessThan(600);
    });
  });
});
