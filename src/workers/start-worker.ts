/**
 * Starts a worker thread from an entry module next to its caller: `.js` when built, `.ts` when run
 * through tsx or vitest. Node 20 does not pass tsx's loader hooks on to workers, so a `.ts` entry is
 * started by a tiny bootstrap that registers tsx in the worker first.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The entry `name` (without extension) beside the module whose `import.meta.url` is `base`. */
export function workerEntry(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
