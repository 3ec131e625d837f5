#!/usr/bin/env node
/**
 * The `sluice` executable (package.json `bin`, `npm start`): sizes libuv's thread pool, then runs the
 * command line (main.ts).
 *
 * Why a pool of 16: Node's default of 4 threads is shared by every event log append's write and
 * fdatasync, delivery's log reads, output writes and fsyncs, bcrypt password hashing and DNS lookups,
 * so a few slow fsyncs or a burst of logins queue an ingest fsync behind them. Idle threads cost only
 * their reserved stacks. An operator's own UV_THREADPOOL_SIZE wins.
 *
 * Why this file is CommonJS: libuv reads UV_THREADPOOL_SIZE once, when the pool starts, and Node's ES
 * module loader starts it by reading the entry module's file, before any line of an ES module runs.
 * Set from main.ts, as it once was, the setting came too late and the pool kept 4 threads (a started
 * `sluice serve` had 11 threads, not 23). A CommonJS entry is read synchronously, so this line runs
 * before anything has used the pool; the ES modules are loaded after it. `serve.integration.test.ts`
 * counts the threads.
 */
const THREAD_POOL_SIZE = 16;

process.env.UV_THREADPOOL_SIZE ??= String(THREAD_POOL_SIZE);

import('./main.js').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
