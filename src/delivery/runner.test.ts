import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { SluiceError } from '../errors/index.js';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { SimulatedCrash, faultPoints, type FaultPoint } from './fault-hooks.js';
import type { BatchingPolicy } from './flush-schedule.js';
import { DeliveryRunner, type RunnerOptions } from './runner.js';
import { FakeDestination } from './test-support/fake-destination.js';
import { MemoryBatchStore } from './test-support/memory-batch-store.js';

const hourly: BatchingPolicy = { maxBatchBytes: 1_000_000, flushSchedule: '0 0 1 1 *' };

function setUp(overrides: Partial<RunnerOptions> = {}) {
  const log = new MemoryEventLog();
  const destination = new FakeDestination();
  const batches = new MemoryBatchStore();
  const sourceId = `src_${randomUUID().slice(0, 8)}`;
  const destinationId = `dst_${randomUUID().slice(0, 8)}`;
  const options: RunnerOptions = {
    destinationId,
    sourceId,
    log,
    destination,
    batches,
    batching: hourly,
    backoff: { baseMs: 1, capMs: 5 },
    ...overrides,
  };
  const runners: DeliveryRunner[] = [];
  const startRunner = (extra: Partial<RunnerOptions> = {}) => {
    const runner = new DeliveryRunner({ ...options, log, destination, batches, ...extra });
    runners.push(runner);
    const done = runner.start();
    done.catch(() => {});
    return { runner, done };
  };
  const append = async (count: number, size = 20) => {
    const records = Array.from({ length: count }, () => {
      const messageId = randomUUID();
      const body = JSON.stringify({ messageId, pad: 'x'.repeat(Math.max(0, size - 60)) });
      return { timestamp: Date.now(), data: Buffer.from(body) };
    });
    await log.append(sourceId, records);
    return records.map((record) => record.data.toString());
  };
  const stopAll = () => Promise.all(runners.map((runner) => runner.stop()));
  return { log, destination, batches, sourceId, destinationId, startRunner, append, stopAll };
}

describe('DeliveryRunner', () => {
  it('flush delivers everything pending, including events acknowledged before the destination existed', async () => {
    const setup = setUp();
    const before = await setup.append(5);
    const { runner } = setup.startRunner();
    const after = await setup.append(3);
    const objects = await runner.flush();
    expect(objects).toHaveLength(1);
    expect(objects[0]!.events).toBe(8);
    expect(setup.destination.allLines()).toEqual([...before, ...after]);
    expect(setup.log.cursor(setup.sourceId, setup.destinationId)).toBe(setup.log.endOffset(setup.sourceId));
    expect(await runner.flush()).toEqual([]);
    expect(await setup.batches.recordedBatch(setup.destinationId, setup.sourceId)).toBeUndefined();
    expect(runner.snapshot().lastDelivery).toMatchObject({ objects: 1, events: 8 });
    await setup.stopAll();
  });

  it('splits a flush into batches of at most maxBatchBytes of NDJSON', async () => {
    const setup = setUp({ batching: { ...hourly, maxBatchBytes: 250 } });
    const lines = await setup.append(10, 100);
    const { runner } = setup.startRunner();
    const objects = await runner.flush();
    expect(objects.length).toBeGreaterThan(1);
    for (const object of objects) expect(object.bytes).toBeLessThanOrEqual(250);
    expect(setup.destination.allLines()).toEqual(lines);
    await setup.stopAll();
  });

  it('the size trigger delivers whole batches on its own and leaves the tail for the schedule', async () => {
    const setup = setUp({ batching: { ...hourly, maxBatchBytes: 1_000 } });
    setup.startRunner();
    const lines: string[] = [];
    for (let index = 0; index < 25; index++) lines.push(...(await setup.append(1, 100)));
    await vi.waitFor(() => expect(setup.destination.deliveries).toBeGreaterThanOrEqual(2), { timeout: 2_000 });
    const delivered = setup.destination.allLines();
    expect(delivered).toEqual(lines.slice(0, delivered.length));
    expect(delivered.length).toBeLessThan(lines.length);
    await setup.stopAll();
  });

  it('the interval trigger flushes without being asked', async () => {
    const setup = setUp({ batching: { maxBatchBytes: 1_000_000, flushIntervalSeconds: 0.05 } });
    const { runner } = setup.startRunner();
    const lines = await setup.append(4);
    await vi.waitFor(() => expect(setup.destination.allLines()).toEqual(lines), { timeout: 2_000 });
    expect(runner.snapshot().nextFlushAt).toBeGreaterThan(Date.now() - 1_000);
    await setup.stopAll();
  });

  it('retries failures with backoff until delivered; a flush reports the failure, the status the error', async () => {
    const setup = setUp();
    const lines = await setup.append(6);
    setup.destination.failNext(3, 'endpoint refused the connection');
    const { runner } = setup.startRunner();
    const failed = await runner.flush().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(SluiceError);
    expect((failed as SluiceError).code).toBe('delivery_failed');
    expect(runner.snapshot().lastError).toMatchObject({ message: 'fake: endpoint refused the connection', retriable: true });
    await vi.waitFor(() => expect(setup.destination.allLines()).toEqual(lines), { timeout: 2_000 });
    expect(setup.destination.attempts).toBe(4);
    expect(runner.snapshot().lastError?.consecutiveFailures).toBe(3);
    expect(setup.batches.history.map((batch) => [batch.firstOffset, batch.endOffset])).toEqual([[0, 6]]);
    await setup.stopAll();
  });

  it('keeps retrying a non-retriable error at the cap, and resumes when it is fixed', async () => {
    const setup = setUp({ backoff: { baseMs: 1, capMs: 20 } });
    const lines = await setup.append(2);
    setup.destination.failNext(4, 'AccessDenied: fix the bucket policy', false);
    const { runner } = setup.startRunner();
    await expect(runner.flush()).rejects.toMatchObject({ code: 'delivery_failed' });
    expect(runner.snapshot().lastError).toMatchObject({ retriable: false });
    expect(runner.snapshot().nextAttemptAt).toBeDefined();
    await vi.waitFor(() => expect(setup.destination.allLines()).toEqual(lines), { timeout: 2_000 });
    expect(setup.log.cursor(setup.sourceId, setup.destinationId)).toBe(2);
    await setup.stopAll();
  });

  it('a flush asked during the backoff retries at once and waits for the result', async () => {
    const setup = setUp({ backoff: { baseMs: 60_000, capMs: 60_000 }, random: () => 0.99 });
    const lines = await setup.append(3);
    setup.destination.failNext(1);
    const { runner } = setup.startRunner();
    await expect(runner.flush()).rejects.toMatchObject({ code: 'delivery_failed' });
    const more = await setup.append(2);
    const objects = await runner.flush();
    expect(objects.reduce((sum, object) => sum + object.events, 0)).toBe(5);
    expect(setup.destination.allLines()).toEqual([...lines, ...more]);
    await setup.stopAll();
  });

  it.each(faultPoints)('a crash %s loses nothing and duplicates nothing after restart', async (point: FaultPoint) => {
    const setup = setUp();
    const lines = await setup.append(7);
    let crashed = false;
    const crashing = setup.startRunner({
      faultHook: (reached) => {
        if (reached === point && !crashed) {
          crashed = true;
          throw new SimulatedCrash(point);
        }
      },
    });
    await expect(crashing.runner.flush()).rejects.toBeInstanceOf(SimulatedCrash);
    await expect(crashing.done).rejects.toBeInstanceOf(SimulatedCrash);
    const more = await setup.append(2);

    const { runner } = setup.startRunner();
    await runner.flush();
    expect(setup.destination.violations).toEqual([]);
    expect(setup.destination.allLines()).toEqual([...lines, ...more]);
    // The redo used the recorded boundaries: the first batch is always [0, 7).
    expect(setup.batches.history[0]).toMatchObject({ firstOffset: 0, endOffset: 7 });
    expect([...setup.destination.objects.keys()]).toHaveLength(2);
    expect(await setup.batches.recordedBatch(setup.destinationId, setup.sourceId)).toBeUndefined();
    await setup.stopAll();
  });

  it('stopping mid-upload abandons it safely; the next start redoes the identical batch first', async () => {
    const setup = setUp();
    const lines = await setup.append(4);
    const release = setup.destination.hold();
    const first = setup.startRunner();
    const pending = first.runner.flush().catch((error: unknown) => error);
    await vi.waitFor(() => expect(setup.destination.attempts).toBe(1));
    await first.runner.stop();
    expect(await pending).toMatchObject({ code: 'delivery_stopped' });
    release();
    expect(setup.log.cursor(setup.sourceId, setup.destinationId)).toBe(0);
    expect(await setup.batches.recordedBatch(setup.destinationId, setup.sourceId)).toMatchObject({ firstOffset: 0, endOffset: 4 });

    await setup.append(3);
    // No flush asked: the recorded batch is redone on start-up by itself, with its original boundaries.
    setup.startRunner();
    await vi.waitFor(() => expect(setup.destination.allLines()).toEqual(lines));
    expect([...setup.destination.objects.keys()]).toEqual([`${setup.sourceId}/000000000000-000000000004`]);
    await setup.stopAll();
  });
});
