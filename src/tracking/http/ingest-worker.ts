/**
 * Entry of an ingest worker thread (started by ingest-pool.ts): answers batch-ingest jobs from the
 * main thread until it is terminated. Everything it does is in ingest-job.ts.
 */
import { parentPort } from 'node:worker_threads';
import { answerIngestJobs } from './ingest-job.js';

if (!parentPort) throw new Error('ingest-worker runs only as a worker thread (see ingest-pool.ts).');
answerIngestJobs(parentPort);
