/**
 * Turns one delivery batch into Segment-layout objects in an ObjectStore: one gzip NDJSON object per
 * received day (a batch spanning midnight becomes one object per day, even when requests racing
 * around midnight interleave the days' records in the log), each spooled to a temp file (bounded
 * memory, known length, MD5) and then written with a single PutObject.
 *
 * Memory stays bounded whatever the batch: records stream from the log, at most `maxOpenDays`
 * encoders are open at once, and a batch touching more days (a long, quiet backlog) takes more passes
 * over the batch (re-readable by contract). Spool files live in a per-delivery temp directory that is
 * always removed. Used by both `amazon-s3` and `local-files`: same keys, same bytes.
 *
 * Where the log keeps the batch in files (`batch.fileRanges`), a pass runs whole on the spool thread
 * (spool-worker.ts), which reads the files itself: reading, checking and compressing a 100 MiB batch
 * then costs the event loop two messages instead of ~250,000 record objects and ~100 read round trips
 * competing with the Tracking API's requests. Otherwise (the in-memory log) the pass runs here,
 * through `batch.chunks()` and the deflate thread; both write identical bytes.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { DeliveredObject, DeliveryBatch } from '../../delivery/destination.js';
import type { StoredRecord } from '../../log/event-log.js';
import { unlinkGradually } from '../../log/gradual-unlink.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { DayRouter } from './day-router.js';
import { GZIP_LEVEL, NdjsonGzipEncoder, ZLIB_CHUNK_BYTES } from './encoder.js';
import { objectKey } from './keys.js';
import type { SpooledObject, SpoolPassJob, SpoolPassResult } from './spool-pass.js';
import { spoolThread } from './spool-thread.js';

export const OBJECT_CONTENT_TYPE = 'text/plain';
export const OBJECT_CONTENT_ENCODING = 'gzip';

/** Day objects encoded at once in one pass, unless the options say otherwise. */
const DEFAULT_MAX_OPEN_DAYS = 4;

export interface LayoutWriterOptions {
  readonly store: ObjectStore;
  /** `path/prefix/` or `''`. */
  readonly prefix: string;
  readonly nodeId: string;
  /** Where temp files go (created if missing); a directory per delivery is made inside and removed. */
  readonly spoolDirectory: string;
  readonly gzipLevel?: number;
  /** Most day objects encoded at once in one pass over the batch. */
  readonly maxOpenDays?: number;
  /** Send Content-MD5 (S3 verifies the body); a local store has no use for it. Default true. */
  readonly contentMd5?: boolean;
}

/**
 * Removes spool directories a crashed process left behind. Call once, before the first delivery, and
 * only when this destination is the sole user of `spoolDirectory` (the runtime gives each its own).
 */
export async function sweepSpool(spoolDirectory: string): Promise<void> {
  const entries = await fs.readdir(spoolDirectory).catch(() => [] as string[]);
  await Promise.all(entries.filter((name) => name.startsWith('batch-')).map((name) => fs.rm(path.join(spoolDirectory, name), { recursive: true, force: true })));
}

/** Writes the batch; resolves with the objects written, in the order written. */
export async function writeBatchObjects(batch: DeliveryBatch, options: LayoutWriterOptions, signal: AbortSignal): Promise<DeliveredObject[]> {
  await fs.mkdir(options.spoolDirectory, { recursive: true });
  const spool = await fs.mkdtemp(path.join(options.spoolDirectory, 'batch-'));
  try {
    const written: DeliveredObject[] = [];
    const finishedDays = new Set<number>();
    let more = true;
    while (more) {
      const pass = await spoolOnePass(batch, finishedDays, spool, options, signal);
      more = pass.daysLeft;
      for (const object of pass.objects) {
        signal.throwIfAborted();
        await options.store.putObject({
          key: object.key,
          body: { file: object.file },
          contentLength: object.bytes,
          contentType: OBJECT_CONTENT_TYPE,
          contentEncoding: OBJECT_CONTENT_ENCODING,
          ...(object.md5 === undefined ? {} : { contentMd5: object.md5 }),
          signal,
        });
        // In steps: ~20 MB freed at once stalled the event log's fdatasyncs on the same file system.
        await unlinkGradually(object.file);
        finishedDays.add(object.receivedDay);
        written.push({ key: object.key, events: object.events, bytes: object.bytes });
      }
    }
    return written;
  } finally {
    await fs.rm(spool, { recursive: true, force: true });
  }
}

/** One pass over the batch: on the spool thread when the log's files can be read there, else here. */
function spoolOnePass(
  batch: DeliveryBatch,
  finishedDays: ReadonlySet<number>,
  spool: string,
  options: LayoutWriterOptions,
  signal: AbortSignal,
): Promise<SpoolPassResult> {
  const maxOpenDays = options.maxOpenDays ?? DEFAULT_MAX_OPEN_DAYS;
  if (!batch.fileRanges) return spoolOnePassHere(batch, finishedDays, maxOpenDays, spool, options, signal);
  const job: SpoolPassJob = {
    sourceId: batch.sourceId,
    ranges: batch.fileRanges(),
    finishedDays: [...finishedDays],
    maxOpenDays,
    prefix: options.prefix,
    nodeId: options.nodeId,
    spoolDirectory: spool,
    gzipLevel: options.gzipLevel ?? GZIP_LEVEL,
    contentMd5: options.contentMd5 ?? true,
    chunkBytes: ZLIB_CHUNK_BYTES,
  };
  return spoolThread.run(job, signal);
}

/** One pass on this thread, through `batch.chunks()`: for logs that are not files (and tests). */
async function spoolOnePassHere(
  batch: DeliveryBatch,
  finishedDays: ReadonlySet<number>,
  maxOpenDays: number,
  spool: string,
  options: LayoutWriterOptions,
  signal: AbortSignal,
): Promise<SpoolPassResult> {
  const router = new DayRouter<DayObjectWriter>(finishedDays, maxOpenDays, (day, firstReceivedAt, firstOffset) =>
    new DayObjectWriter(objectKey({ prefix: options.prefix, sourceId: batch.sourceId, receivedDay: day, firstReceivedAt, firstOffset, nodeId: options.nodeId }),
      day, path.join(spool, `${randomUUID()}.gz`), options.gzipLevel, options.contentMd5 ?? true));
  /** Writes one chunk's records to their days' encoders, synchronously; returns the backpressure to await. */
  const spoolChunk = (chunk: readonly StoredRecord[]): Promise<void>[] => {
    const behind: Promise<void>[] = [];
    for (const record of chunk) {
      const backpressure = router.writerFor(record.offset, record.timestamp)?.write(record);
      if (backpressure) behind.push(backpressure);
    }
    return behind;
  };
  try {
    // No chunk is referenced across an await: a read's ~2,300 records (objects and payload views) then
    // die young. Held while the niced deflate thread caught up, they outlived scavenges and were
    // promoted: most of the main heap's promoted garbage at half load (~200 MB in 10 s, in a sampling
    // heap profile that kept what major GCs collected).
    const chunks = batch.chunks()[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (signal.aborted) signal.throwIfAborted();
        const behind = await chunks.next().then((next) => (next.done ? undefined : spoolChunk(next.value)));
        if (!behind) break;
        await Promise.all(behind);
      }
    } finally {
      // As `for await` would on a throw: the reader's finally gives its read buffer back.
      await chunks.return?.(undefined);
    }
    const objects: SpooledObject[] = [];
    for (const writer of router.open.values()) objects.push(await writer.finish());
    return { objects, daysLeft: router.daysLeft };
  } catch (error) {
    for (const writer of router.open.values()) writer.abandon();
    throw error;
  }
}

/** One day's object being encoded into its spool file, hashing and counting what reaches the disk. */
class DayObjectWriter {
  readonly #encoder: NdjsonGzipEncoder;
  readonly #meter: ByteMeter;
  #events = 0;

  constructor(
    readonly key: string,
    readonly receivedDay: number,
    readonly file: string,
    gzipLevel: number | undefined,
    hashMd5: boolean,
  ) {
    this.#meter = new ByteMeter(hashMd5);
    // gzip → meter → file: the meter sees exactly the bytes stored.
    this.#encoder = new NdjsonGzipEncoder(createWriteStream(file, { flags: 'wx' }), { through: [this.#meter], ...(gzipLevel === undefined ? {} : { level: gzipLevel }) });
  }

  write(record: StoredRecord): Promise<void> | undefined {
    this.#events++;
    return this.#encoder.writeLine(record.data);
  }

  async finish(): Promise<SpooledObject> {
    await this.#encoder.end();
    return { key: this.key, receivedDay: this.receivedDay, file: this.file, events: this.#events, bytes: this.#meter.bytes, md5: this.#meter.md5() };
  }

  abandon(): void {
    this.#encoder.destroy();
  }
}

/** Pass-through that counts (and optionally MD5-hashes, for Content-MD5) the bytes that reach the spool file. */
class ByteMeter extends Transform {
  readonly #hash: Hash | undefined;
  bytes = 0;

  constructor(hashMd5: boolean) {
    super();
    this.#hash = hashMd5 ? createHash('md5') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash?.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  md5(): string | undefined {
    return this.#hash?.digest('base64');
  }
}
