/**
 * Flush benchmark (DESIGN B3/B5): one ~100 MB batch of realistic ~450 B events, read from a real
 * FileEventLog by the delivery runtime's batch reader, turned into a Segment-layout object by
 * `local-files` and by `amazon-s3` (against in-process s3rver behind the policy proxy) — beside plain
 * zlib gzip of the same NDJSON bytes at the same level and memLevel, in the same run (the baseline).
 *
 * Reports throughput (MB of uncompressed NDJSON per second) and its ratio to zlib, the compression
 * ratio, and the peak RSS growth during each flush (sampled every 5 ms). Requirements: local-files
 * ≥ 0.8× zlib; RSS growth < 64 MB. Throughputs are best of three alternating runs (the machine is shared).
 * `--quick` uses a ~10 MB batch.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { deliveryBatch } from '../src/delivery/batch-reader.js';
import { GZIP_LEVEL } from '../src/destinations/amazon-s3/encoder.js';
import { DEFLATE_MEM_LEVEL, defaultDeflateEngine } from '../src/destinations/gzip/chunked-gzip.js';
import { sampleEvent, seededRandom } from '../src/destinations/amazon-s3/test-support/sample-events.js';
import { destinationTypes } from '../src/destinations/registry.js';
import { FileEventLog } from '../src/log/file-event-log.js';
import { startS3TestServer } from '../src/storage/test-support/s3-test-server.js';
import type { BenchFigure, Benchmark } from './types.js';

const MB = 1e6;
const SOURCE = 'bench_source';

/** Runs `work`, sampling RSS; returns seconds taken and the peak RSS growth over the start (bytes). */
async function measure(work: () => Promise<unknown>): Promise<{ seconds: number; rssGrowth: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const start = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  peak = Math.max(peak, process.memoryUsage.rss());
  return { seconds, rssGrowth: peak - before };
}

const counter = () => {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return { sink, bytes: () => bytes };
};

export function createFlushBenchmark(options: { quick?: boolean } = {}): Benchmark {
  const targetBytes = (options.quick ? 10 : 100) * MB;
  return {
    name: 'flush',
    async run(): Promise<BenchFigure[]> {
      const work = await mkdtemp(path.join(tmpdir(), 'sluice-bench-flush-'));
      const log = await FileEventLog.open({ directory: path.join(work, 'log'), maxBytes: 4 * 2 ** 30 });
      const server = await startS3TestServer({ policy: { requireEncryption: true } });
      try {
        // Fill the log (not measured), and keep the same NDJSON in a file for the zlib baseline.
        const random = seededRandom(42);
        const ndjsonFile = path.join(work, 'batch.ndjson');
        const ndjson = createWriteStream(ndjsonFile);
        let bytes = 0;
        let events = 0;
        const receivedAt = Date.UTC(2024, 0, 15, 10);
        while (bytes < targetBytes) {
          const records = Array.from({ length: 2000 }, () => {
            const data = Buffer.from(sampleEvent(random, receivedAt + events++, SOURCE));
            bytes += data.length + 1;
            ndjson.write(data);
            ndjson.write('\n');
            return { timestamp: receivedAt + events, data };
          });
          await log.append(SOURCE, records);
        }
        await new Promise((resolve) => ndjson.end(resolve));
        const batch = deliveryBatch(log, SOURCE, log.startOffset(SOURCE), log.endOffset(SOURCE));
        const context = { nodeId: 'bench', spoolDirectory: path.join(work, 'spool') };

        const zlibRun = async () => {
          const out = counter();
          const measured = await measure(() => pipeline(createReadStream(ndjsonFile, { highWaterMark: 64 * 1024 }), zlib.createGzip({ level: GZIP_LEVEL, memLevel: DEFLATE_MEM_LEVEL }), out.sink));
          return { ...measured, compressed: out.bytes() };
        };
        const local = destinationTypes['local-files']!.create({ directory: path.join(work, 'bucket') }, context).destination;
        const s3 = destinationTypes['amazon-s3']!.create({ bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, ...server.credentials }, context).destination;
        const deliverRun = async (destination: typeof local) => {
          let compressed = 0;
          const measured = await measure(async () => {
            const objects = await destination.deliver(batch, new AbortController().signal);
            compressed = objects.reduce((sum, object) => sum + object.bytes, 0);
          });
          return { ...measured, compressed };
        };

        // Warm up on a one-event batch (loads the AWS SDK, opens connections: one-time costs, not
        // what a flush grows by), measure S3, then alternate baseline and subject so both see the same
        // machine load; best of three each.
        const warmUpAt = await log.append('warmup', [{ timestamp: receivedAt, data: Buffer.from('{"type":"track"}') }]);
        const warmUp = deliveryBatch(log, 'warmup', warmUpAt.firstOffset, warmUpAt.nextOffset);
        for (const destination of [s3, local]) await destination.deliver(warmUp, new AbortController().signal);
        const s3Run = await deliverRun(s3);
        const zlibRuns: Awaited<ReturnType<typeof zlibRun>>[] = [];
        const localRuns: Awaited<ReturnType<typeof deliverRun>>[] = [];
        for (let round = 0; round < 3; round++) {
          zlibRuns.push(await zlibRun());
          localRuns.push(await deliverRun(local));
        }
        await local.close();
        await s3.close();

        const best = (runs: { seconds: number }[]) => Math.min(...runs.map((run) => run.seconds));
        const zlibMBps = bytes / MB / best(zlibRuns);
        const localMBps = bytes / MB / best(localRuns);
        const s3MBps = bytes / MB / s3Run.seconds;
        const ratio = bytes / localRuns[0]!.compressed;
        const size = `${(bytes / MB).toFixed(0)} MB, ${events} events of ~${Math.round(bytes / events)} B`;
        const engineText = defaultDeflateEngine === 'libdeflate' ? 'libdeflate' : `zlib memLevel ${DEFLATE_MEM_LEVEL}`;
        const zlibBaseline = { name: `zlib gzip level ${GZIP_LEVEL} memLevel ${DEFLATE_MEM_LEVEL}`, value: zlibMBps };
        return [
          { name: 'flush local-files MB/s', unit: 'MB/s', value: localMBps, baseline: zlibBaseline, ratio: localMBps / zlibMBps, requirement: { minRatio: 0.8 }, notes: `${size}; FileEventLog → gzip level ${GZIP_LEVEL} (${engineText}) → spool → atomic file` },
          { name: 'flush amazon-s3 (s3rver) MB/s', unit: 'MB/s', value: s3MBps, baseline: zlibBaseline, ratio: s3MBps / zlibMBps, notes: 'spool → one PutObject with SSE + Content-MD5 through the policy proxy to in-process s3rver' },
          { name: 'flush local-files peak RSS growth', unit: 'MB', value: Math.max(...localRuns.map((run) => run.rssGrowth)) / MB, requirement: { max: 64 } },
          { name: 'flush amazon-s3 peak RSS growth', unit: 'MB', value: s3Run.rssGrowth / MB, requirement: { max: 64 }, notes: 'includes in-process s3rver and proxy' },
          { name: 'flush compression ratio', unit: '×', value: ratio, notes: `gzip level ${GZIP_LEVEL} (${engineText}); ${(localRuns[0]!.compressed / MB).toFixed(1)} MB stored; zlib alone: ${(bytes / zlibRuns[0]!.compressed).toFixed(2)}×` },
        ];
      } finally {
        await log.close();
        await server.close();
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** The benchmark as `bench/run.ts` lists it; `--quick` on the command line picks the ~10 MB batch. */
export const flushBenchmark: Benchmark = createFlushBenchmark({ quick: process.argv.includes('--quick') });
