/**
 * Entry of the spool thread (started by spool-thread.ts): runs whole spool passes (spool-pass.ts) with
 * blocking reads, deflates and writes, at a lowered OS priority. The event loop that answers the
 * Tracking API only sends the batch's file ranges and receives the finished files' names and sizes:
 * reading the log back, checksumming it, cutting it into days and compressing it, about a quarter of
 * a million records per 100 MiB batch, happens here, in CPU that ingest leaves idle.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { readFileRanges } from '../../log/file-range-reader.js';
import { lowerThreadPriority } from '../../workers/thread-priority.js';
import { DayRouter } from './day-router.js';
import { objectKey } from './keys.js';
import { SpoolFileWriter } from './spool-file-writer.js';
import type { SpooledObject, SpoolPassJob, SpoolPassResult } from './spool-pass.js';
import type { SpoolReply, SpoolRequest } from './spool-thread.js';

if (!parentPort) throw new Error('spool-worker runs only as a worker thread (see spool-thread.ts).');
const port = parentPort;

lowerThreadPriority((workerData as { niceness: number }).niceness);

/** Bytes of log read at once: the read buffer is reused for every read of every pass. */
const READ_BUFFER_BYTES = 1024 * 1024;
const readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
/** Chunk memory of closed day writers, for the next ones (one per open day at most). */
const spareChunks: Buffer[] = [];

class AbortedPass extends Error {}

async function runPass(job: SpoolPassJob, aborted: () => boolean): Promise<SpoolPassResult> {
  const keys = new Map<SpoolFileWriter, { key: string; receivedDay: number; file: string; chunk: Buffer }>();
  const router = new DayRouter<SpoolFileWriter>(new Set(job.finishedDays), job.maxOpenDays, (receivedDay, firstReceivedAt, firstOffset) => {
    const key = objectKey({ prefix: job.prefix, sourceId: job.sourceId, receivedDay, firstReceivedAt, firstOffset, nodeId: job.nodeId });
    const file = path.join(job.spoolDirectory, `${randomUUID()}.gz`);
    const chunk = takeChunk(job.chunkBytes);
    const writer = new SpoolFileWriter(file, { level: job.gzipLevel, chunkBytes: job.chunkBytes, md5: job.contentMd5, chunk });
    keys.set(writer, { key, receivedDay, file, chunk });
    return writer;
  });
  try {
    await readFileRanges(job.sourceId, job.ranges, (offset, receivedAt, payload) => router.writerFor(offset, receivedAt)?.writeLine(payload), {
      buffer: readBuffer,
      shouldStop: aborted,
    });
    if (aborted()) throw new AbortedPass();
    const objects: SpooledObject[] = [];
    for (const writer of router.open.values()) {
      const totals = writer.finish();
      const { key, receivedDay, file } = keys.get(writer)!;
      objects.push({ key, receivedDay, file, ...totals });
    }
    return { objects, daysLeft: router.daysLeft };
  } finally {
    for (const writer of router.open.values()) writer.abandon();
    for (const { chunk } of keys.values()) giveChunk(chunk);
  }
}

function takeChunk(bytes: number): Buffer {
  const spare = spareChunks.pop();
  return spare && spare.byteLength >= bytes ? spare : Buffer.allocUnsafeSlow(bytes);
}

function giveChunk(chunk: Buffer): void {
  if (spareChunks.length < 4) spareChunks.push(chunk);
}

/** Passes run one at a time, in the order asked. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: SpoolRequest) => {
  const flag = new Int32Array(request.abort);
  const aborted = () => Atomics.load(flag, 0) !== 0;
  queue = queue.then(async () => {
    let reply: SpoolReply;
    try {
      reply = { id: request.id, result: await runPass(request.job, aborted) };
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      reply = error instanceof AbortedPass
        ? { id: request.id, aborted: true }
        : { id: request.id, error: { name: failure.name ?? 'Error', message: failure.message ?? String(error), ...(failure.code === undefined ? {} : { code: failure.code }) } };
    }
    port.postMessage(reply);
  });
});
