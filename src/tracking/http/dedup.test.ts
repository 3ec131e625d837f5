/**
 * messageId deduplication through the Tracking API: a re-sent event is answered like the original and
 * stored once, inline and through the ingest pool, across a restart (the window is rebuilt from the
 * log), and never at the cost of an event: a repeat of a failed append is stored by the retry.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileEventLog } from '../../log/file-event-log.js';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { basicAuth, buildTestApp, storedEvents, writeKey, type TestApp } from '../test-support/tracking-app.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((t) => t.app.close()));
});
const headers = { authorization: basicAuth(writeKey), 'content-type': 'application/json' };

async function app(options: { workers?: number; log?: ConstructorParameters<typeof MemoryEventLog>[0] | FileEventLog } = {}): Promise<TestApp> {
  const log = options.log instanceof FileEventLog ? options.log : new MemoryEventLog(options.log);
  const t = await buildTestApp({ dedupWindow: 1_000, ingestPool: { workers: options.workers ?? 0, minBodyBytes: 1 } }, log);
  apps.push(t);
  return t;
}

const batch = (...messageIds: (string | undefined)[]) => ({
  batch: messageIds.map((messageId) => ({ type: 'track', event: 'Paid', userId: 'u', ...(messageId ? { messageId } : {}) })),
});

async function send(t: TestApp, body: object) {
  const response = await t.app.inject({ method: 'POST', url: '/v1/batch', headers, payload: body });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

const storedIds = async (t: TestApp) => (await storedEvents(t.log)).map((event) => event.messageId);

describe('messageId deduplication', () => {
  for (const workers of [0, 1]) {
    it(`stores a re-sent batch once and answers it like the original (${workers ? 'ingest pool' : 'inline'})`, async () => {
      const t = await app({ workers });
      expect(await send(t, batch('m1', 'm2'))).toEqual({ status: 200, body: { success: true } });
      expect(await send(t, batch('m1', 'm2'))).toEqual({ status: 200, body: { success: true } });
      expect(await send(t, batch('m2', 'm3', 'm3'))).toEqual({ status: 200, body: { success: true } });
      expect(await storedIds(t)).toEqual(['m1', 'm2', 'm3']);
    });
  }

  it('never treats generated messageIds as repeats, and dedups single-event calls too', async () => {
    const t = await app();
    await send(t, batch(undefined, undefined));
    for (let round = 0; round < 2; round++) {
      const response = await t.app.inject({ method: 'POST', url: '/v1/track', headers, payload: { event: 'E', userId: 'u', messageId: 'single' } });
      expect(response.statusCode).toBe(200);
    }
    const ids = await storedIds(t);
    expect(ids).toHaveLength(3);
    expect(ids.filter((id) => id === 'single')).toHaveLength(1);
  });

  it('stores the retry of a batch whose append failed (log full), once', async () => {
    const t = await app({ log: { maxBytes: 1_200 } });
    expect((await send(t, batch('a', 'b'))).status).toBe(200);
    const full = await send(t, batch('c', 'd', 'e', 'f'));
    expect(full.status).toBe(503);
    expect(full.body.code).toBe('log_full');
    // A smaller retry fits; its ids were released by the failed append, so they are stored now.
    expect((await send(t, batch('c'))).status).toBe(200);
    expect(await storedIds(t)).toEqual(['a', 'b', 'c']);
  });

  it('remembers what the log holds after a restart', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sluice-dedup-'));
    const first = await app({ log: await FileEventLog.open({ directory, maxBytes: 64 * 1024 * 1024 }) });
    await send(first, batch('before-1', 'before-2'));
    await first.app.close();
    await first.log.close();
    apps.splice(apps.indexOf(first), 1);

    const second = await app({ log: await FileEventLog.open({ directory, maxBytes: 64 * 1024 * 1024 }) });
    try {
      expect(await send(second, batch('before-2', 'after-1'))).toEqual({ status: 200, body: { success: true } });
      expect(await storedIds(second)).toEqual(['before-1', 'before-2', 'after-1']);
    } finally {
      await second.app.close();
      apps.splice(apps.indexOf(second), 1);
      await second.log.close();
    }
  });

  it('is off with dedupWindow 0: every copy is stored', async () => {
    const t = await buildTestApp({ dedupWindow: 0 });
    apps.push(t);
    await send(t, batch('x'));
    await send(t, batch('x'));
    expect(await storedIds(t)).toEqual(['x', 'x']);
  });
});

