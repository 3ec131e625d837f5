/**
 * The deflate thread: one worker thread, started on first use and ref'd only while it owes answers
 * (an idle thread never keeps a process alive; a pending chunk does), that deflates the chunks of
 * every gzip member delivery writes (chunked-gzip.ts), at a lowered OS scheduling priority
 * (niceness 10 by default). On a busy machine ingest's threads then run first and compression takes
 * the CPU they leave, so a delivery flush no longer shows up as ingest latency; on an idle machine it
 * runs at full speed. zlib's async API cannot do this: its jobs run on libuv's shared thread pool,
 * beside the event log's writes and fsyncs, whose priority must not drop.
 *
 * Chunks of one member are deflated in the order sent (one thread, FIFO messages), which the running
 * CRC needs. If the thread dies, every member it held fails (their next chunk rejects) and the next
 * member starts a new thread.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker, workerEntry } from '../../workers/start-worker.js';
import { transferableBuffer } from '../../workers/transferable.js';

export type DeflateRequest =
  | { readonly kind: 'chunk'; readonly id: number; readonly member: number; readonly chunk: ArrayBuffer; readonly level: number; readonly last: boolean }
  | { readonly kind: 'abandon'; readonly member: number };

export type DeflateReply = { readonly id: number; readonly output: ArrayBuffer; readonly input: ArrayBuffer } | { readonly id: number; readonly error: string };

/** A deflated chunk, and the chunk's memory handed back for reuse. */
export interface Deflated {
  readonly output: Buffer;
  readonly input: Buffer;
}

/** One gzip member being written; from `DeflatePool.openMember`. */
export interface GzipMember {
  /**
   * Deflates the next chunk (moved to the thread: do not touch it afterwards; it comes back as
   * `input`, free to fill again); `last` adds the trailer.
   */
  deflate(chunk: Uint8Array, last: boolean): Promise<Deflated>;
  /** Forgets the member's state on the thread (after a failure or an early stop). */
  abandon(): void;
}

interface Running {
  readonly thread: Worker;
  readonly pending: Map<number, { resolve(deflated: Deflated): void; reject(error: Error): void }>;
  /** Set once the thread is gone: its members can only fail. */
  failure: Error | undefined;
}

/** Opens gzip members; the encoder takes any (tests count the chunks). */
export interface MemberOpener {
  openMember(level: number): GzipMember;
}

/**
 * The thread's own JavaScript garbage is a few small objects per chunk (chunks and outputs are
 * off-heap buffers), so a tiny young generation costs nothing and keeps the extra isolate from adding
 * tens of MB to peak RSS (V8 sizes an unconstrained one like the main thread's).
 */
const deflateWorkerLimits = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 };

export class DeflatePool implements MemberOpener {
  readonly #niceness: number;
  #running: Running | undefined;
  #nextId = 1;
  #nextMember = 1;

  constructor(options: { niceness?: number } = {}) {
    this.#niceness = options.niceness ?? 10;
  }

  openMember(level: number): GzipMember {
    const running = this.#thread();
    const member = this.#nextMember++;
    return {
      deflate: (chunk, last) => this.#deflate(running, member, chunk, level, last),
      abandon: () => {
        if (!running.failure) running.thread.postMessage({ kind: 'abandon', member } satisfies DeflateRequest);
      },
    };
  }

  /** Stops the thread (tests; a running process just lets it go with the process). */
  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (running) await running.thread.terminate();
  }

  #deflate(running: Running, member: number, chunk: Uint8Array, level: number, last: boolean): Promise<Deflated> {
    if (running.failure) return Promise.reject(running.failure);
    const id = this.#nextId++;
    const owned = transferableBuffer(chunk);
    return new Promise<Deflated>((resolve, reject) => {
      // Ref'd while it owes answers (a one-shot process waits for them), unref'd when idle.
      if (running.pending.size === 0) running.thread.ref();
      running.pending.set(id, { resolve, reject });
      running.thread.postMessage({ kind: 'chunk', id, member, chunk: owned, level, last } satisfies DeflateRequest, [owned]);
    });
  }

  #thread(): Running {
    if (this.#running && !this.#running.failure) return this.#running;
    const thread = startWorker(workerEntry(import.meta.url, 'deflate-worker'), { workerData: { niceness: this.#niceness }, resourceLimits: deflateWorkerLimits });
    const running: Running = { thread, pending: new Map(), failure: undefined };
    thread.on('message', (reply: DeflateReply) => {
      const pending = running.pending.get(reply.id);
      if (!pending) return;
      running.pending.delete(reply.id);
      if (running.pending.size === 0) thread.unref();
      if ('error' in reply) pending.reject(new Error(`deflate failed: ${reply.error}`));
      else pending.resolve({ output: Buffer.from(reply.output), input: Buffer.from(reply.input) });
    });
    let error: Error | undefined;
    thread.on('error', (cause) => (error = cause));
    thread.on('exit', (code) => {
      running.failure = error ?? new Error(`The deflate thread exited with code ${code}.`);
      for (const pending of running.pending.values()) pending.reject(running.failure);
      running.pending.clear();
    });
    // After the listeners (adding a 'message' listener refs the worker's port again): an idle thread
    // never keeps the process alive.
    thread.unref();
    this.#running = running;
    return running;
  }
}


/** The process's deflate thread, shared by every delivery encoder. */
export const deflatePool = new DeflatePool();
