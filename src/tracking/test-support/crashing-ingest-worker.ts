/**
 * An ingest worker that dies (process.exit in a worker ends only its thread) on a body holding the
 * marker, and otherwise does the real work: the pool's crash handling is tested with it.
 */
import { parentPort } from 'node:worker_threads';
import { answerIngestJobs, runIngestJob } from '../http/ingest-job.js';

export const crashMarker = '__crash_the_ingest_worker__';

answerIngestJobs(parentPort!, (body, facts) => {
  if (Buffer.from(body).includes(crashMarker)) process.exit(3);
  return runIngestJob(body, facts);
});
