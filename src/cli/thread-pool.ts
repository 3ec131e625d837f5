/**
 * Sizes libuv's thread pool before anything uses it (imported first by main.ts; the pool starts on
 * its first job and its size is read then). Node's default of 4 is shared by every event log
 * append's write and fdatasync, delivery's log reads, output writes and fsyncs, bcrypt password
 * hashing and DNS lookups: a few slow fsyncs or a burst of logins queue an ingest fsync behind them,
 * and with delivery running this showed up as ingest latency (p99 at half the maximum batch rate
 * ~75 ms with 4 threads, ~50 ms with 16, same run). Idle threads cost only their reserved stacks. An
 * operator's own UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
