/**
 * One worker thread for background work, started on first use at a lowered OS priority (its entry
 * calls `lowerThreadPriority` with `workerData.niceness`), that answers requests by id. It is ref'd
 * only while it owes answers: an idle thread never keeps a process alive, a pending request does. If
 * the thread dies, every request it owed fails, and the next `acquire` starts a new one.
 */
import type { Worker, ResourceLimits, Transferable } from 'node:worker_threads';
import { startWorker } from './start-worker.js';

/** Every reply names the request it answers. */
export interface ThreadReply {
  readonly id: number;
}

/** One started thread. Requests that depend on each other (state kept on the thread) must use the same run. */
export class ThreadRun<Reply extends ThreadReply> {
  readonly #thread: Worker;
  readonly #pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  #nextId = 1;
  #failure: Error | undefined;

  constructor(thread: Worker, name: string) {
    this.#thread = thread;
    thread.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) thread.unref();
      pending.resolve(reply);
    });
    let error: Error | undefined;
    thread.on('error', (cause) => (error = cause));
    thread.on('exit', (code) => {
      this.#failure = error ?? new Error(`The ${name} thread exited with code ${code}.`);
      for (const pending of this.#pending.values()) pending.reject(this.#failure);
      this.#pending.clear();
    });
    // After the listeners (adding a 'message' listener refs the worker's port again): an idle thread
    // never keeps the process alive.
    thread.unref();
  }

  /** Set once the thread is gone: its requests can only fail. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Sends the request `build` makes with a fresh id; resolves with the reply to it. */
  request(build: (id: number) => object, transfer: readonly Transferable[] = []): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      // Ref'd while it owes answers (a one-shot process waits for them), unref'd when idle.
      if (this.#pending.size === 0) this.#thread.ref();
      this.#pending.set(id, { resolve, reject });
      this.#thread.postMessage(build(id), [...transfer]);
    });
  }

  /** Sends a message that gets no reply (dropped if the thread is gone). */
  post(message: object): void {
    if (!this.#failure) this.#thread.postMessage(message);
  }

  terminate(): Promise<number> {
    return this.#thread.terminate();
  }
}

export interface NicedThreadOptions {
  /** For messages: "the {name} thread". */
  readonly name: string;
  readonly niceness: number;
  readonly resourceLimits?: ResourceLimits;
}

export class NicedThread<Reply extends ThreadReply> {
  readonly #entry: URL;
  readonly #options: NicedThreadOptions;
  #run: ThreadRun<Reply> | undefined;

  constructor(entry: URL, options: NicedThreadOptions) {
    this.#entry = entry;
    this.#options = options;
  }

  /** The running thread, started if there is none or the last one died. */
  acquire(): ThreadRun<Reply> {
    if (this.#run && !this.#run.failure) return this.#run;
    const thread = startWorker(this.#entry, {
      workerData: { niceness: this.#options.niceness },
      ...(this.#options.resourceLimits ? { resourceLimits: this.#options.resourceLimits } : {}),
    });
    this.#run = new ThreadRun<Reply>(thread, this.#options.name);
    return this.#run;
  }

  /** Stops the thread (tests; a running process just lets it go with the process). */
  async close(): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    if (run) await run.terminate();
  }
}
