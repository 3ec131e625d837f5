/**
 * local-files: the S3 layout under a directory, atomically, with bodies byte-identical to what
 * amazon-s3 uploads for the same batch.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { LocalDirectoryStore } from '../../storage/local-directory-store.js';
import { startS3TestServer } from '../../storage/test-support/s3-test-server.js';
import { appendSampleEvents, batchOf } from '../amazon-s3/test-support/batches.js';
import { writeBatchObjects } from '../amazon-s3/uploader.js';
import { destinationTypes } from '../registry.js';

const DAY = 86_400_000;
const midnight = Date.UTC(2023, 10, 15);
const SOURCE = 'src_local';
let root: string;
let bucketDirectory: string;
let spoolDirectory: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-local-files-'));
  bucketDirectory = path.join(root, 'bucket');
  spoolDirectory = path.join(root, 'spool');
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Every file under `directory`, relative, sorted. */
async function listFiles(directory: string): Promise<string[]> {
  const entries = await fs.readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name))).sort();
}

const create = (settings: Record<string, unknown> = {}) =>
  destinationTypes['local-files']!.create({ directory: bucketDirectory, ...settings }, { nodeId: 'node-1', spoolDirectory }).destination;

describe('local-files destination', () => {
  it('writes the Segment layout under its directory and leaves no temp or spool file', async () => {
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight - 2, midnight + 1, midnight - 1, midnight + 2]);
    const objects = await create().deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), new AbortController().signal);
    const expectedKeys = [
      `segment-logs/${SOURCE}/${midnight - DAY}/${midnight - 2}.0000000000000000.node-1.gz`,
      `segment-logs/${SOURCE}/${midnight}/${midnight + 1}.0000000000000001.node-1.gz`,
    ];
    expect(objects.map((object) => object.key)).toEqual(expectedKeys);
    expect(await listFiles(bucketDirectory)).toEqual(expectedKeys);
    expect(await listFiles(spoolDirectory)).toEqual([]);
    expect(gunzipSync(await fs.readFile(path.join(bucketDirectory, expectedKeys[0]!))).toString()).toBe(`${appended.lines[0]}\n${appended.lines[2]}\n`);
    expect(gunzipSync(await fs.readFile(path.join(bucketDirectory, expectedKeys[1]!))).toString()).toBe(`${appended.lines[1]}\n${appended.lines[3]}\n`);
    for (const object of objects) expect((await fs.stat(path.join(bucketDirectory, object.key))).size).toBe(object.bytes);
  });

  it('writes bodies byte-identical to the amazon-s3 objects of the same batch', async () => {
    const server = await startS3TestServer({ policy: { requireEncryption: true } });
    try {
      const log = new MemoryEventLog();
      const appended = await appendSampleEvents(log, SOURCE, Array.from({ length: 2000 }, (_unused, index) => midnight - 1000 + index));
      const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
      const local = await create().deliver(batch, new AbortController().signal);
      const s3 = destinationTypes['amazon-s3']!.create({ bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, ...server.credentials }, { nodeId: 'node-1', spoolDirectory });
      const uploaded = await s3.destination.deliver(batch, new AbortController().signal);
      await s3.destination.close();
      expect(uploaded).toEqual(local);
      for (const object of local) {
        expect((await fs.readFile(path.join(bucketDirectory, object.key))).equals((await server.getObject(object.key)).body)).toBe(true);
      }
    } finally {
      await server.close();
    }
  });

  it('encodes a batch touching more days than it keeps open in several passes, each day once and complete', async () => {
    const log = new MemoryEventLog();
    // Five days, interleaved: 0,1,2,3,4,0,1,2,3,4,… (worst case for the pass planner).
    const receivedAts = Array.from({ length: 50 }, (_unused, index) => midnight + (index % 5) * DAY + index);
    const appended = await appendSampleEvents(log, SOURCE, receivedAts);
    let reads = 0;
    const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
    const counting = { ...batch, chunks: () => (reads++, batch.chunks()) };
    const store = new LocalDirectoryStore({ directory: bucketDirectory });
    const objects = await writeBatchObjects(counting, { store, prefix: '', nodeId: 'node-1', spoolDirectory, maxOpenDays: 2 }, new AbortController().signal);
    expect(reads).toBe(3);
    expect(objects.map((object) => object.events)).toEqual([10, 10, 10, 10, 10]);
    for (let day = 0; day < 5; day++) {
      const object = objects[day]!;
      expect(object.key).toContain(`/${midnight + day * DAY}/`);
      const expected = appended.lines.filter((_line, index) => index % 5 === day);
      expect(gunzipSync(await fs.readFile(path.join(bucketDirectory, object.key))).toString()).toBe(expected.map((line) => `${line}\n`).join(''));
    }
  });

  it('cleans up after a failure and an abort: no partial object, no temp or spool file', async () => {
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, Array.from({ length: 100 }, (_unused, index) => midnight + index));
    const batch = batchOf(log, SOURCE, appended.firstOffset, appended.endOffset);
    const failing = {
      ...batch,
      async *chunks() {
        // Fails after half the records, as a log read error mid-batch would.
        for await (const chunk of batch.chunks()) {
          yield chunk.slice(0, 49);
          throw new Error('log read failed');
        }
      },
    };
    const destination = create();
    await expect(destination.deliver(failing, new AbortController().signal)).rejects.toThrow('log read failed');
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(destination.deliver(batch, controller.signal)).rejects.toThrow('shutting down');
    expect(await listFiles(bucketDirectory)).toEqual([]);
    expect(await listFiles(spoolDirectory)).toEqual([]);
  });

  it('sweeps spool files a crashed run left behind before its first delivery', async () => {
    await fs.mkdir(path.join(spoolDirectory, 'batch-crashed'), { recursive: true });
    await fs.writeFile(path.join(spoolDirectory, 'batch-crashed', 'half.gz'), 'partial');
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight]);
    await create().deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), new AbortController().signal);
    expect(await fs.readdir(spoolDirectory)).toEqual([]);
  });

  it('explains a directory it cannot write to, as not retriable', async () => {
    await fs.writeFile(path.join(root, 'a-file'), '');
    const destination = destinationTypes['local-files']!.create({ directory: path.join(root, 'a-file') }, { nodeId: 'node-1', spoolDirectory }).destination;
    const log = new MemoryEventLog();
    const appended = await appendSampleEvents(log, SOURCE, [midnight]);
    const error = await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), new AbortController().signal).catch((caught: unknown) => caught);
    expect(destination.isRetriable(error)).toBe(false);
    expect(destination.describeError(error)).toMatch(/ENOTDIR.*writable directory|writable directory/);
  });
});
