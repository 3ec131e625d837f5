/**
 * Child process of the kill -9 test: opens the log in the directory given as argv[2] and appends
 * from several concurrent workers until it is killed. A record id is printed only after its append
 * resolved (the bytes were fdatasync'd), so every printed id is a promise the log must keep.
 * Usage: node --import tsx crash-appender.ts <directory> <run>
 */
import { FileEventLog } from '../file-event-log.js';
import { ackLine, crashBatchSize, crashRecord, crashStream } from './crash-records.js';

const WORKERS = 8;
const [directory, runText] = process.argv.slice(2);
if (!directory || !runText) throw new Error('usage: crash-appender.ts <directory> <run>');
const run = Number(runText);

// Small segments, so kills also land around segment rolls.
const log = await FileEventLog.open({ directory, maxBytes: 1024 ** 3, segmentBytes: 64 * 1024 });
process.stdout.write('ready\n');

async function worker(id: number): Promise<never> {
  for (let sequence = 0; ; sequence++) {
    const count = crashBatchSize(sequence);
    const records = Array.from({ length: count }, (_, index) => crashRecord({ run, worker: id, sequence, index }));
    await log.append(crashStream(id), records);
    // Pipes are written synchronously on Linux: the line is out before the next append starts.
    process.stdout.write(ackLine(run, id, sequence, count));
  }
}

await Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));
