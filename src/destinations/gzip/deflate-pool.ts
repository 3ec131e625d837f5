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
import { NicedThread, type ThreadRun } from '../../workers/niced-thread.js';
import { workerEntry } from '../../workers/start-worker.js';
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
  readonly #thread: NicedThread<DeflateReply>;
  #nextMember = 1;

  constructor(options: { niceness?: number } = {}) {
    this.#thread = new NicedThread(workerEntry(import.meta.url, 'deflate-worker'), { name: 'deflate', niceness: options.niceness ?? 10, resourceLimits: deflateWorkerLimits });
  }

  openMember(level: number): GzipMember {
    // Every chunk of a member goes to the same thread: it holds the member's running CRC.
    const run = this.#thread.acquire();
    const member = this.#nextMember++;
    return {
      deflate: (chunk, last) => deflateOn(run, member, chunk, level, last),
      abandon: () => run.post({ kind: 'abandon', member } satisfies DeflateRequest),
    };
  }

  /** Stops the thread (tests; a running process just lets it go with the process). */
  close(): Promise<void> {
    return this.#thread.close();
  }
}

async function deflateOn(run: ThreadRun<DeflateReply>, member: number, chunk: Uint8Array, level: number, last: boolean): Promise<Deflated> {
  const owned = transferableBuffer(chunk);
  const reply = await run.request((id) => ({ kind: 'chunk', id, member, chunk: owned, level, last }) satisfies DeflateRequest, [owned]);
  if ('error' in reply) throw new Error(`deflate failed: ${reply.error}`);
  return { output: Buffer.from(reply.output), input: Buffer.from(reply.input) };
}

/** The process's deflate thread, shared by every delivery encoder. */
export const deflatePool = new DeflatePool();
