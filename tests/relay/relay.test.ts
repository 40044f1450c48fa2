import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import { sendThrough, startRelay, withoutAddedHeaders, type TestRelay } from '../helpers/relay.js';

const MESSAGE = [
  'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
  'To: Imran Shah <imran.shah@greyfordvale.gov.uk>',
  'Subject: Pothole on Castle Street',
  'Message-ID: <pothole-1@greyfordvale.gov.uk>',
  'Date: Mon, 23 Nov 2026 10:00:00 +0000',
  '',
  'Could you let me know when the pothole outside number 12 will be filled?',
  '',
].join('\r\n');

describe('relay', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeEach(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address);
  });
  afterEach(async () => {
    await relay.close();
    await sink.close();
  });

  it('forwards the received bytes unchanged below the added header lines, envelope kept', async () => {
    const result = await sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk', 'Other@Elsewhere.example'] }, MESSAGE);
    expect(result.ok).toBe(true);
    expect(result.response).toMatch(/^250 /);
    expect(sink.messages).toHaveLength(1);
    const received = sink.messages[0]!;
    expect(received.mailFrom).toBe('cllr.hadley@greyfordvale.gov.uk');
    expect(received.rcptTo).toEqual(['imran.shah@greyfordvale.gov.uk', 'Other@Elsewhere.example']);
    const { added, rest } = withoutAddedHeaders(received.raw);
    expect(rest.toString('latin1')).toBe(MESSAGE);
    expect(added).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby gateway\.test \(member-officer-gateway\) with ESMTP id /);
    expect(added).toMatch(/\r\nX-Member-Officer-Screening: action=deliver; findings=none\r\n$/);
  });
});
