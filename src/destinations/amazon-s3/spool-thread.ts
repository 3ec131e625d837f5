/**
 * The spool thread, seen from the event loop: runs a delivery batch's spool pass (spool-pass.ts) on a
 * thread of its own at a lowered OS priority (niceness 10, like the deflate thread it replaces for
 * batches kept in log files). The pass reads the log's files itself, so the records never exist on the
 * event loop that answers the Tracking API. Aborting the signal stops the pass at its next read.
 */
import { NicedThread } from '../../workers/niced-thread.js';
import { workerEntry } from '../../workers/start-worker.js';
import type { SpoolPassJob, SpoolPassResult } from './spool-pass.js';

export interface SpoolRequest {
  readonly id: number;
  readonly job: SpoolPassJob;
  /** One Int32: set to non-zero to stop the pass (the thread runs a pass without reading messages). */
  readonly abort: SharedArrayBuffer;
}

export type SpoolReply =
  | { readonly id: number; readonly result: SpoolPassResult }
  | { readonly id: number; readonly aborted: true }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

/**
 * Its JavaScript garbage is one small view per record, dying at once, and a few objects per pass: a
 * small young generation keeps the isolate from adding tens of MB to peak RSS.
 */
const spoolWorkerLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

export class SpoolThread {
  readonly #thread: NicedThread<SpoolReply>;

  constructor(options: { niceness?: number } = {}) {
    this.#thread = new NicedThread(workerEntry(import.meta.url, 'spool-worker'), { name: 'spool', niceness: options.niceness ?? 10, resourceLimits: spoolWorkerLimits });
  }

  /** Runs the pass; rejects with the signal's reason when aborted, or with the pass's error (its `code` kept). */
  async run(job: SpoolPassJob, signal: AbortSignal): Promise<SpoolPassResult> {
    signal.throwIfAborted();
    const abort = new SharedArrayBuffer(4);
    const stop = () => Atomics.store(new Int32Array(abort), 0, 1);
    signal.addEventListener('abort', stop, { once: true });
    try {
      const reply = await this.#thread.acquire().request((id) => ({ id, job, abort }) satisfies SpoolRequest);
      if ('result' in reply) return reply.result;
      signal.throwIfAborted();
      if ('aborted' in reply) throw new Error('The spool pass stopped without being aborted.');
      throw Object.assign(new Error(reply.error.message), { name: reply.error.name }, reply.error.code === undefined ? {} : { code: reply.error.code });
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Stops the thread (tests; a running process just lets it go with the process). */
  close(): Promise<void> {
    return this.#thread.close();
  }
}

/** The process's spool thread, shared by every delivery. */
export const spoolThread = new SpoolThread();
