/**
 * Batches kept in log files are spooled on the spool thread (spool-worker.ts), which reads the files
 * itself. Against a real FileEventLog: the objects, keys, bytes and Content-MD5 are identical to what
 * the event loop's way (through `chunks()` and the deflate thread) writes for the same batch, for days
 * interleaved across passes and lines spanning gzip chunks; an abort, damage in the log and a failing
 * spool file, and the thread dying mid-pass, are errors that leave nothing behind.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryBatch } from '../../delivery/destination.js';
import { FileEventLog } from '../../log/file-event-log.js';
import { LogCorruptionError } from '../../log/log-errors.js';
import type { ObjectStore, PutObjectInput } from '../../storage/object-store.js';
import { ZLIB_CHUNK_BYTES } from './encoder.js';
import { batchOf } from './test-support/batches.js';
import { sampleEvent, seededRandom } from './test-support/sample-events.js';
import { spoolThread } from './spool-thread.js';
import { writeBatchObjects } from './uploader.js';

const DAY = 86_400_000;
const midnight = Date.UTC(2023, 10, 15);
const SOURCE = 'src_spool';
let root: string;
let log: FileEventLog;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-spool-thread-'));
  log = await FileEventLog.open({ directory: path.join(root, 'log'), maxBytes: 1024 ** 3, segmentBytes: 4 * 1024 * 1024 });
});

afterEach(async () => {
  await log.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** A store that keeps each object's bytes and the Content-MD5 it was given. */
function memoryStore(): ObjectStore & { objects: Map<string, { body: Buffer; md5: string | undefined }> } {
  const objects = new Map<string, { body: Buffer; md5: string | undefined }>();
  return {
    objects,
    async putObject(input: PutObjectInput) {
      if (!('file' in input.body)) throw new Error('expected a spool file');
      const body = await fs.readFile(input.body.file);
      objects.set(input.key, { body, md5: input.contentMd5 });
      return { location: input.key, bytes: body.byteLength };
    },
    close: async () => {},
  };
}

/**
 * ~9 MB over three days, interleaved in the log as racing requests would be, with a few lines longer
 * than a gzip chunk; appended in many groups, so the batch spans three segments.
 */
async function appendThreeDays(): Promise<{ firstOffset: number; endOffset: number; lines: string[]; days: number[] }> {
  const random = seededRandom(4);
  const lines: string[] = [];
  const days: number[] = [];
  const firstOffset = log.endOffset(SOURCE);
  for (let group = 0; group < 200; group++) {
    const records = Array.from({ length: 100 }, (_unused, index) => {
      const day = (group + index) % 3;
      const receivedAt = midnight + day * DAY + group * 1000 + index;
      const line = group % 67 === 5 && index === 0 ? `{"big":"${'x'.repeat(ZLIB_CHUNK_BYTES + 12_345)}"}` : sampleEvent(random, receivedAt, SOURCE);
      lines.push(line);
      days.push(day);
      return { timestamp: receivedAt, data: Buffer.from(line) };
    });
    await log.append(SOURCE, records);
  }
  return { firstOffset, endOffset: log.endOffset(SOURCE), lines, days };
}

const spoolDirectory = () => path.join(root, 'spool');

/** The three days appended, their batch, a store, and the layout options writing into it. */
async function threeDayDelivery() {
  const appended = await appendThreeDays();
  const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
  const store = memoryStore();
  return { appended, batch, store, options: { store, prefix: '', nodeId: 'node-1', spoolDirectory: spoolDirectory() } };
}

describe('spooling a file-log batch on the spool thread', () => {
  it('writes the same objects, bytes and Content-MD5 as the event loop, in as many passes', async () => {
    const { appended, batch } = await threeDayDelivery();
    expect(batch.fileRanges!().length).toBeGreaterThan(1);
    let threadPasses = 0;
    const onThread: DeliveryBatch = { ...batch, chunks: () => { throw new Error('the thread reads the files itself'); }, fileRanges: () => (threadPasses++, batch.fileRanges!()) };
    let loopPasses = 0;
    const onLoop: DeliveryBatch = { sourceId: batch.sourceId, firstOffset: batch.firstOffset, endOffset: batch.endOffset, chunks: () => (loopPasses++, batch.chunks()) };
    const threadStore = memoryStore();
    const loopStore = memoryStore();
    const options = { prefix: 'pre/', nodeId: 'node-1', spoolDirectory: spoolDirectory(), maxOpenDays: 2 };
    const fromThread = await writeBatchObjects(onThread, { ...options, store: threadStore }, new AbortController().signal);
    const fromLoop = await writeBatchObjects(onLoop, { ...options, store: loopStore }, new AbortController().signal);

    expect(threadPasses).toBe(2);
    expect(loopPasses).toBe(2);
    expect(fromThread).toEqual(fromLoop);
    expect(fromThread.map((object) => object.events)).toEqual([0, 1, 2].map((day) => appended.days.filter((of) => of === day).length));
    expect([...threadStore.objects.keys()]).toEqual([...loopStore.objects.keys()]);
    for (const [day, object] of fromThread.entries()) {
      expect(object.key).toMatch(new RegExp(`^pre/segment-logs/${SOURCE}/${midnight + day * DAY}/\\d{13}\\.\\d{16}\\.node-1\\.gz$`));
      const stored = threadStore.objects.get(object.key)!;
      expect(stored.body.equals(loopStore.objects.get(object.key)!.body)).toBe(true);
      expect(stored.md5).toBe(createHash('md5').update(stored.body).digest('base64'));
      expect(stored.md5).toBe(loopStore.objects.get(object.key)!.md5);
      expect(object.bytes).toBe(stored.body.byteLength);
      const expected = appended.lines.filter((_line, index) => appended.days[index] === day);
      expect(gunzipSync(stored.body).toString()).toBe(expected.map((line) => `${line}\n`).join(''));
    }
    expect(await fs.readdir(spoolDirectory())).toEqual([]);
  });

  it('stops when aborted, and leaves no spool file', async () => {
    const { batch, store, options } = await threeDayDelivery();
    const controller = new AbortController();
    const delivery = writeBatchObjects(batch, options, controller.signal);
    // The pass is on the thread by the time the spool directory exists.
    while ((await fs.readdir(spoolDirectory()).catch(() => [])).length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort(new Error('shutting down'));
    await expect(delivery).rejects.toThrow('shutting down');
    expect(store.objects.size).toBe(0);
    expect(await fs.readdir(spoolDirectory())).toEqual([]);
  });

  it('fails the delivery of a spool thread that dies mid-pass, and the next delivery starts a new thread', async () => {
    const { appended, batch, store, options } = await threeDayDelivery();
    const delivery = writeBatchObjects(batch, options, new AbortController().signal);
    // The thread is writing once a spool file exists inside the delivery's directory.
    const spoolFiles = async () => (await fs.readdir(spoolDirectory(), { recursive: true }).catch(() => [] as string[])).filter((name) => name.endsWith('.gz'));
    while ((await spoolFiles()).length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await spoolThread.close();
    await expect(delivery).rejects.toThrow(/spool thread exited/);
    expect(store.objects.size).toBe(0);
    expect(await fs.readdir(spoolDirectory())).toEqual([]);
    const objects = await writeBatchObjects(batch, options, new AbortController().signal);
    expect(objects.reduce((sum, object) => sum + object.events, 0)).toBe(appended.lines.length);
  });

  it.runIf(process.platform === 'linux')('runs the pass on a thread at niceness 10, leaving the rest of the process alone', async () => {
    const niceness = () =>
      readdirSync('/proc/self/task').map((task) => {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    await spoolThread.close();
    const before = niceness();
    const { batch, options } = await threeDayDelivery();
    await writeBatchObjects(batch, options, new AbortController().signal);
    const after = niceness();
    expect(after.filter((nice) => nice === 10).length).toBe(before.filter((nice) => nice === 10).length + 1);
    expect(after.filter((nice) => nice === 0).length).toBeGreaterThanOrEqual(before.filter((nice) => nice === 0).length);
  });

  it('fails with the log damage it met, and leaves no spool file', async () => {
    const { batch, store, options } = await threeDayDelivery();
    const last = batch.fileRanges!().at(-1)!;
    const bytes = await fs.readFile(last.path);
    bytes[last.to - 10]! ^= 0xff;
    await fs.writeFile(last.path, bytes);
    const error = await writeBatchObjects(batch, options, new AbortController().signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: LogCorruptionError.name, message: expect.stringContaining(`Event log stream "${SOURCE}" is damaged`) });
    expect(store.objects.size).toBe(0);
    expect(await fs.readdir(spoolDirectory())).toEqual([]);
  });

  it('passes on a file system error with its code, and the next delivery succeeds', async () => {
    const { appended, batch, options } = await threeDayDelivery();
    // The per-delivery directory is made, then vanishes before the thread creates its files in it.
    const failing: DeliveryBatch = {
      ...batch,
      fileRanges: () => {
        for (const entry of readdirSync(spoolDirectory())) rmSync(path.join(spoolDirectory(), entry), { recursive: true });
        return batch.fileRanges!();
      },
    };
    await expect(writeBatchObjects(failing, options, new AbortController().signal)).rejects.toMatchObject({ code: 'ENOENT' });
    const objects = await writeBatchObjects(batch, options, new AbortController().signal);
    expect(objects.map((object) => object.events).reduce((sum, events) => sum + events, 0)).toBe(appended.lines.length);
  });
});
