/**
 * kill -9 durability: a child appends under concurrent load and prints the id of each record only
 * after its append resolved; the parent SIGKILLs it at a random moment, reopens the log, and checks
 * that every acknowledged record is there, in order, byte for byte, and that the log takes appends
 * again. Several kills in a row, each recovering the previous one's tail.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAll } from './conformance.js';
import { FileEventLog } from './file-event-log.js';
import { CRASH_STREAMS, crashRecord, crashStream, type CrashRecordId } from './test-support/crash-records.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories('sluice-crash-');
const APPENDER = fileURLToPath(new URL('./test-support/crash-appender.ts', import.meta.url));
const KILLS = 5;

interface Ack {
  readonly run: number;
  readonly worker: number;
  readonly sequence: number;
  readonly count: number;
}

/** Runs the appender until it has acknowledged something, kills it mid-flight, returns its acks. */
async function appendUntilKilled(directory: string, run: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, directory, String(run)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killTimer: NodeJS.Timeout | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (killTimer === undefined && stdout.includes('\nack ')) {
      killTimer = setTimeout(() => child.kill('SIGKILL'), 20 + Math.floor(Math.random() * 250));
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(killTimer);
  expect({ code, signal, stderr }).toMatchObject({ code: null, signal: 'SIGKILL' });
  // A line cut by the kill has no newline yet and is not an acknowledgement.
  const lines = stdout.split('\n').slice(0, -1);
  return lines
    .filter((line) => line.startsWith('ack '))
    .map((line) => {
      const [run, worker, sequence, count] = line.slice(4).split(' ').map(Number) as [number, number, number, number];
      return { run, worker, sequence, count };
    });
}

/** Every acknowledged record is present, byte for byte, contiguous per append and in order per worker. */
async function expectAcknowledgedRecords(log: FileEventLog, acks: readonly Ack[]): Promise<void> {
  const positions = new Map<string, { stream: string; index: number }>();
  const contents = new Map<string, Buffer[]>();
  for (const stream of CRASH_STREAMS) {
    const records = await readAll(log, stream, 0);
    contents.set(stream, records.map((record) => record.data));
    records.forEach((record, index) => {
      const parsed = JSON.parse(record.data.toString()) as CrashRecordId | { marker: number };
      if ('marker' in parsed) return;
      const key = `${parsed.run}/${parsed.worker}/${parsed.sequence}/${parsed.index}`;
      expect(positions.has(key), `record ${key} stored twice`).toBe(false);
      positions.set(key, { stream, index });
      expect(record.timestamp).toBe(crashRecord(parsed).timestamp);
    });
  }
  const lastIndexOfWorker = new Map<string, number>();
  for (const ack of [...acks].sort((a, b) => a.run - b.run || a.worker - b.worker || a.sequence - b.sequence)) {
    const first = positions.get(`${ack.run}/${ack.worker}/${ack.sequence}/0`);
    expect(first, `acknowledged append ${JSON.stringify(ack)} is missing`).toBeDefined();
    expect(first!.stream).toBe(crashStream(ack.worker));
    const stored = contents.get(first!.stream)!;
    for (let index = 0; index < ack.count; index++) {
      const expected = crashRecord({ run: ack.run, worker: ack.worker, sequence: ack.sequence, index }).data;
      expect(Buffer.compare(stored[first!.index + index]!, Buffer.from(expected)), `record ${index} of ${JSON.stringify(ack)}`).toBe(0);
    }
    const workerKey = `${ack.run}/${ack.worker}`;
    expect(first!.index).toBeGreaterThan(lastIndexOfWorker.get(workerKey) ?? -1);
    lastIndexOfWorker.set(workerKey, first!.index + ack.count - 1);
  }
}

describe('FileEventLog under kill -9', () => {
  it(`loses no acknowledged record across ${KILLS} kills mid-write`, async () => {
    const directory = await tempDirectory();
    const acks: Ack[] = [];
    for (let run = 0; run < KILLS; run++) {
      const runAcks = await appendUntilKilled(directory, run);
      expect(runAcks.length).toBeGreaterThan(0);
      acks.push(...runAcks);
      const log = await FileEventLog.open({ directory, maxBytes: 1024 ** 3, segmentBytes: 64 * 1024 });
      await expectAcknowledgedRecords(log, acks);
      for (const stream of CRASH_STREAMS) {
        const end = log.endOffset(stream);
        const appended = await log.append(stream, [{ timestamp: run, data: Buffer.from(JSON.stringify({ marker: run })) }]);
        expect(appended.firstOffset).toBe(end);
      }
      await log.close();
    }
  }, 30_000);
});
