/**
 * A client retrying across a crash repeats events the server stored but never answered. After the
 * restart, delivery may deliver those events and retention delete their segments before the retry
 * arrives; the deduplicator must have read their messageIds back by then, or the retry is stored (and
 * archived) a second time. And delivery may have delivered them, and retention deleted them, BEFORE
 * the crash: the log keeps the stream's end the deduplicator reads back, delivered or not. Both found
 * by the fault suite's "corrupt" scenario (256 KiB segments).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import type { EventLog } from './log/event-log.js';
import { startServer, type ServerExtensions } from './server.js';

async function postBatch(url: string, writeKey: string, batch: object[]): Promise<number> {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
  await response.text();
  return response.status;
}

const padded = (messageId: string) => ({ type: 'track', event: 'Padded', userId: 'u', messageId, properties: { padding: 'x'.repeat(20_000) } });

describe('deduplication across a restart', () => {
  it('matches a retry against ids whose segments delivery deleted before the retry came', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-dedup-restart-'));
    // A budget the three batches fill more than half of: retention then deletes consumed segments at
    // once, instead of keeping the stream's end for the deduplicator (the next test).
    const env = { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_ADMIN_PASSWORD: 'dedup-test-pw', SLUICE_LOG_SEGMENT_BYTES: '64KiB', SLUICE_LOG_MAX_BYTES: '1MiB' };
    const config = await loadConfig({ env });
    const quiet = { logger: pino({ level: 'silent' }) };

    let printed = '';
    const first = await startServer(config, { ...quiet, extensions: {}, print: (text) => (printed += text) });
    const writeKey = /write key: ([A-Za-z0-9]{32})/.exec(printed)![1]!;
    // Nine ~60 KB appends (more than half the budget): each rolls the 64 KiB segment, so the first ends up in a sealed one.
    expect(await postBatch(first.urls.tracking, writeKey, [padded('repeat-me'), padded('a1'), padded('a2')])).toBe(200);
    for (let batch = 1; batch < 9; batch++) {
      expect(await postBatch(first.urls.tracking, writeKey, [0, 1, 2].map((index) => padded(`b${batch}-${index}`)))).toBe(200);
    }
    await first.close();

    // Restart with a "delivery" that consumes everything at once, so retention deletes sealed segments.
    let log: EventLog | undefined;
    const eagerDelivery: ServerExtensions = {
      background: [
        async (context) => {
          log = context.log;
          for (const stream of context.log.streams()) await context.log.commitCursor(stream, 'eager-delivery', context.log.endOffset(stream));
          return { stop: async () => {} };
        },
      ],
    };
    const second = await startServer(config, { ...quiet, extensions: eagerDelivery, print: () => undefined });
    try {
      const [stream] = log!.streams();
      expect(log!.startOffset(stream!)).toBeGreaterThan(0); // the first append's segment is gone
      // The client never got its answer for the first batch and sends it again.
      expect(await postBatch(second.urls.tracking, writeKey, [padded('repeat-me'), padded('a1'), padded('a2')])).toBe(200);
      const kept = await log!.read(stream!, log!.startOffset(stream!), { maxBytes: 1 << 30 });
      const ids = kept.map((record) => (JSON.parse(record.data.toString('utf8')) as { messageId: string }).messageId);
      expect(ids).not.toContain('repeat-me');
      expect(ids).not.toContain('a1');
    } finally {
      await second.close();
    }
  });

  it('matches a retry against ids that were delivered (and their segments consumed) before the crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-dedup-delivered-'));
    const config = await loadConfig({ env: { SLUICE_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_ADMIN_PASSWORD: 'dedup-test-pw', SLUICE_LOG_SEGMENT_BYTES: '64KiB' } });
    const quiet = { logger: pino({ level: 'silent' }) };
    let log: EventLog | undefined;
    const captureLog: ServerExtensions = {
      background: [
        async (context) => {
          log = context.log;
          return { stop: async () => {} };
        },
      ],
    };

    let printed = '';
    const first = await startServer(config, { ...quiet, extensions: captureLog, print: (text) => (printed += text) });
    const writeKey = /write key: ([A-Za-z0-9]{32})/.exec(printed)![1]!;
    expect(await postBatch(first.urls.tracking, writeKey, [padded('repeat-me'), padded('a1'), padded('a2')])).toBe(200);
    expect(await postBatch(first.urls.tracking, writeKey, [padded('b0'), padded('b1'), padded('b2')])).toBe(200);
    expect(await postBatch(first.urls.tracking, writeKey, [padded('c0'), padded('c1'), padded('c2')])).toBe(200);
    // Delivery delivered everything: every sealed segment is behind its cursor (retention may delete it).
    const [stream] = log!.streams();
    await log!.commitCursor(stream!, 'eager-delivery', log!.endOffset(stream!));
    await first.close();

    const second = await startServer(config, { ...quiet, extensions: captureLog, print: () => undefined });
    try {
      const before = log!.endOffset(stream!);
      // The client never got its answer for the first batch and sends it again: nothing is stored.
      expect(await postBatch(second.urls.tracking, writeKey, [padded('repeat-me'), padded('a1'), padded('a2')])).toBe(200);
      expect(log!.endOffset(stream!)).toBe(before);
    } finally {
      await second.close();
    }
  });
});
