/**
 * The ingest worker pool: batch bodies are parsed, enriched, serialized and UTF-8 encoded on
 * `node:worker_threads` workers (ingest-job.ts), so the main thread only reads bodies, appends and
 * answers. One parse and one serialization per event still hold; they just happen off the main thread.
 *
 * Bounded: each worker takes at most `maxJobsPerWorker` jobs at a time. When every worker is full,
 * `run` returns undefined and the caller does the same job on its own thread (`runHere`): the main
 * thread is then busy and reads fewer new requests, which is the back-pressure (nothing queues
 * without bound).
 *
 * A worker that dies (crash, out of memory) fails its in-flight jobs (the requests answer 500) and is
 * replaced at once. Workers start on the first job. `close` waits for in-flight jobs, then terminates every worker. Workers are unref'd:
 * a pool never keeps a process alive by itself.
 *
 * Memory moves, it is not allocated per request: a batch body is read into a buffer from the pool
 * (`bodyBuffer`), moved to a worker and moved back with the answer for the next body; the worker's
 * stored-line buffer comes back through `recycle` once its records are appended, and rides to a worker
 * with the next job (workers/buffer-recycler.ts says why).
 *
 * Loading: the worker entry sits next to this file (workers/start-worker.ts).
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { BufferRecycler } from '../../workers/buffer-recycler.js';
import { startWorker, workerEntry } from '../../workers/start-worker.js';
import { transferableBuffer } from '../../workers/transferable.js';
import { runIngestJob, type IngestJobFacts, type IngestJobReply, type IngestJobRequest, type IngestJobResult } from './ingest-job.js';

export interface IngestPoolOptions {
  /** Worker threads (≥ 1). */
  readonly workers: number;
  /** Jobs queued or running per worker before `run` declines. Default 32. */
  readonly maxJobsPerWorker?: number;
  /** The worker entry (tests inject faulty ones); default ingest-worker next to this file. */
  readonly entry?: URL;
  /** V8 heap limits of each worker; default `defaultWorkerLimits`. */
  readonly resourceLimits?: ResourceLimits;
  /** Told when a worker dies unexpectedly (it has been replaced already). */
  readonly onWorkerExit?: (error: Error) => void;
}

/**
 * A worker's garbage is one request at a time (the parsed body; its output is off-heap), so a small
 * young generation (8 MiB semi-spaces, half V8's default) costs no measurable CPU and keeps the two
 * extra isolates from adding ~32 MiB each to peak RSS. A process-wide `--max-semi-space-size` flag
 * overrides this (V8 gives the flag precedence), which is why npm start does not set one.
 */
export const defaultWorkerLimits: ResourceLimits = { maxYoungGenerationSizeMb: 24 };

interface Pending {
  resolve(result: IngestJobResult): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly thread: Worker;
  readonly pending: Map<number, Pending>;
}

export class IngestPool {
  readonly #options: IngestPoolOptions;
  readonly #maxJobs: number;
  readonly #entry: URL;
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;
  /** Body buffers between requests, and which buffers came from here (only those move whole). */
  readonly #bodies = new BufferRecycler({ maxSpares: 64 });
  readonly #ownBodies = new WeakSet<ArrayBuffer>();
  /** Workers' output buffers handed back, waiting for the next job to carry them to a worker. */
  readonly #returned = new BufferRecycler({ maxSpares: 64 });
  #closing = false;
  #closed: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  constructor(options: IngestPoolOptions) {
    if (!Number.isSafeInteger(options.workers) || options.workers < 1) throw new TypeError(`An ingest pool needs at least one worker (got ${options.workers}).`);
    this.#options = options;
    this.#maxJobs = options.maxJobsPerWorker ?? 32;
    this.#entry = options.entry ?? defaultEntry();
  }

  /** Jobs in flight across all workers. */
  get inFlight(): number {
    let total = 0;
    for (const worker of this.#workers) total += worker.pending.size;
    return total;
  }

  /** A buffer of exactly `bytes` to read a batch body into, so `run` can move it without a copy. */
  bodyBuffer(bytes: number): Buffer {
    const buffer = this.#bodies.take(bytes);
    this.#ownBodies.add(buffer);
    return Buffer.from(buffer, 0, bytes);
  }

  /** Hands back a body from `bodyBuffer` that was ingested on the main thread instead, once read. */
  releaseBody(body: Uint8Array): void {
    const buffer = body.buffer as ArrayBuffer;
    if (body.byteOffset === 0 && this.#ownBodies.has(buffer)) this.#bodies.give(buffer);
  }

  /**
   * Hands back the `buffer` of a job's result once nothing reads its records any more (they were
   * appended, or the request failed): a worker writes a later request's lines into it.
   */
  recycle(buffer: ArrayBuffer): void {
    this.#returned.give(buffer);
  }

  /**
   * Runs one job on the least busy worker; the body's bytes are moved to it (the caller must not use
   * `body` afterwards). Undefined when every worker is full or the pool is closing: do it inline.
   */
  run(body: Uint8Array, facts: IngestJobFacts): Promise<IngestJobResult> | undefined {
    if (this.#closing) return undefined;
    // Started on first use: a server that never sees a large batch (most tests) never pays for threads.
    while (this.#workers.length < this.#options.workers) this.#workers.push(this.#start());
    let chosen: PoolWorker | undefined;
    for (const worker of this.#workers) {
      if (worker.pending.size < this.#maxJobs && (!chosen || worker.pending.size < chosen.pending.size)) chosen = worker;
    }
    if (!chosen) return undefined;
    const id = this.#nextId++;
    const transferable = body.byteOffset === 0 && this.#ownBodies.has(body.buffer as ArrayBuffer) ? (body.buffer as ArrayBuffer) : transferableBuffer(body);
    const transfer = [transferable];
    // One returned buffer rides along: the job writes its lines into one buffer. Sending every spare
    // left none for jobs run here (runHere), which then allocated a fresh buffer each (~65 KB, ~20%
    // of requests at full load), while the worker dropped the surplus: tens of MB/s of garbage.
    const spare = this.#returned.takeAny();
    const recycled = spare ? [spare] : undefined;
    if (spare) transfer.push(spare);
    const request: IngestJobRequest = { id, body: transferable, bodyBytes: body.byteLength, facts, ...(recycled ? { recycled } : {}) };
    const worker = chosen;
    return new Promise<IngestJobResult>((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.thread.postMessage(request, transfer);
    });
  }

  /**
   * Runs a job on the calling thread, with the answer a worker would give: for when `run` declines
   * (every worker full, or closing). The body is handed back to the pool here; the result's buffer
   * goes back through `recycle` like a worker's.
   */
  runHere(body: Uint8Array, facts: IngestJobFacts): IngestJobResult {
    try {
      return runIngestJob(body, facts, this.#returned);
    } finally {
      this.releaseBody(body);
    }
  }

  /** Waits for in-flight jobs, then stops every worker. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      await Promise.all(this.#workers.map((worker) => worker.thread.terminate()));
    })();
    return this.#closed;
  }

  #start(): PoolWorker {
    const thread = startWorker(this.#entry, { resourceLimits: this.#options.resourceLimits ?? defaultWorkerLimits });
    const worker: PoolWorker = { thread, pending: new Map() };
    thread.on('message', (reply: IngestJobReply) => {
      if (reply.body) {
        this.#ownBodies.add(reply.body);
        this.#bodies.give(reply.body);
      }
      const pending = worker.pending.get(reply.id);
      if (!pending) return;
      worker.pending.delete(reply.id);
      pending.resolve(reply.result);
      this.#maybeIdle();
    });
    let failure: Error | undefined;
    thread.on('error', (error) => (failure = error));
    thread.on('exit', (code) => {
      const error = failure ?? new Error(`An ingest worker exited with code ${code}.`);
      for (const pending of worker.pending.values()) pending.reject(error);
      worker.pending.clear();
      const slot = this.#workers.indexOf(worker);
      if (!this.#closing && slot >= 0) {
        this.#workers[slot] = this.#start();
        this.#options.onWorkerExit?.(error);
      }
      this.#maybeIdle();
    });
    // After the listeners: adding a 'message' listener refs the worker's port again, and a ref'd port
    // would keep the process alive after everything else is done.
    thread.unref();
    return worker;
  }

  #maybeIdle(): void {
    if (this.#idle && this.inFlight === 0) {
      this.#idle();
      this.#idle = undefined;
    }
  }
}


function defaultEntry(): URL {
  return workerEntry(import.meta.url, 'ingest-worker');
}
