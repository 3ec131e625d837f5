/**
 * Each child start costs seconds on a loaded machine (module loading, first-start bcrypt), so these
 * tests get a larger time limit than the suite default.
 *
 * kill -9 against the real `sluice serve` (child process; delivery to the first-start local-files
 * destination): at the named points between "batch recorded" and "cursor committed"
 * (SLUICE_DELIVERY_FAULT), and at random instants under load while flushes run. After the last
 * restart, every acknowledged event is in the bucket exactly once, and no event twice.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countMessageIds, readBucket } from './test-support/bucket-contents.js';
import { flushAll, login, sendBatch, startChildServer } from './test-support/child-server.js';

const ids = (count: number) => Array.from({ length: count }, () => randomUUID());

async function expectExactlyOnce(dataDir: string, acknowledged: readonly string[]) {
  const counts = countMessageIds(await readBucket(join(dataDir, 'bucket')));
  const duplicated = [...counts.entries()].filter(([, count]) => count > 1);
  expect(duplicated).toEqual([]);
  expect(acknowledged.filter((id) => counts.get(id) !== 1)).toEqual([]);
  return counts;
}

describe('kill -9 during delivery', () => {
  it('at each crash point (self-SIGKILL, and an outside kill -9 while paused) loses and duplicates nothing', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-kill-points-')), 'data');
    const acknowledged: string[] = [];
    let writeKey: string | undefined;
    // Sessions live in the metadata store, so one login (a bcrypt check: slow on a loaded machine)
    // serves every restart.
    let token: string | undefined;
    // Each child start costs seconds on a loaded machine, so each point is visited once: the two between
    // record and commit (one by self-SIGKILL, one by an outside kill -9 while paused) and the one after.
    for (const fault of ['after-record:kill', 'after-deliver:pause', 'after-commit:kill']) {
      const child = await startChildServer(dataDir, { SLUICE_DELIVERY_FAULT: fault });
      writeKey ??= child.writeKey;
      const batch = ids(25);
      // The child may already be dying: a batch recorded before the last kill is redone at start-up.
      if (await sendBatch(child.url, writeKey!, batch)) acknowledged.push(...batch);
      token ??= await login(child.url);
      const flushing = flushAll(child.url, token);
      if (fault.endsWith(':pause')) {
        while (!child.stderr().includes('sluice-delivery-fault paused')) await new Promise((resolve) => setTimeout(resolve, 20));
        child.process.kill('SIGKILL');
      }
      expect(await flushing).toBe(0);
      expect(await child.exited).toBe('SIGKILL');
    }
    const last = await startChildServer(dataDir);
    try {
      expect(await flushAll(last.url, token)).toBe(200);
      const counts = await expectExactlyOnce(dataDir, acknowledged);
      expect(counts.size).toBe(acknowledged.length);
    } finally {
      last.process.kill('SIGTERM');
      await last.exited;
    }
  }, 120_000);

  it('at random instants under load, with flushes running, loses and duplicates nothing', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-kill-random-')), 'data');
    const acknowledged: string[] = [];
    let writeKey: string | undefined;
    let token: string | undefined;
    for (let round = 0; round < 2; round++) {
      const child = await startChildServer(dataDir);
      writeKey ??= child.writeKey;
      token ??= await login(child.url);
      const killAt = Date.now() + 1_000 + Math.floor(Math.random() * 1_000);
      const senders = Array.from({ length: 3 }, async () => {
        while (Date.now() < killAt) {
          const batch = ids(20);
          if (await sendBatch(child.url, writeKey!, batch)) acknowledged.push(...batch);
        }
      });
      // Deliveries run throughout, so the kill lands at an arbitrary step of one.
      const flusher = (async () => {
        while (Date.now() < killAt) await flushAll(child.url, token);
      })();
      await new Promise((resolve) => setTimeout(resolve, killAt - Date.now()));
      child.process.kill('SIGKILL');
      await Promise.all([...senders, flusher]);
      expect(await child.exited).toBe('SIGKILL');
    }
    expect(acknowledged.length).toBeGreaterThan(40);
    const last = await startChildServer(dataDir);
    try {
      expect(await flushAll(last.url, token)).toBe(200);
      await expectExactlyOnce(dataDir, acknowledged);
    } finally {
      last.process.kill('SIGTERM');
      await last.exited;
    }
  }, 120_000);
});
