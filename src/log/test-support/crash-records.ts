/**
 * The records of the kill -9 test, derived from their identity alone, so the parent can check the
 * exact bytes of every acknowledged record without the child telling it anything but ids.
 */
import type { AppendRecord } from '../event-log.js';

export const CRASH_STREAMS = ['crash-a', 'crash-b'] as const;

export interface CrashRecordId {
  readonly run: number;
  readonly worker: number;
  readonly sequence: number;
  readonly index: number;
}

export function crashStream(worker: number): string {
  return CRASH_STREAMS[worker % CRASH_STREAMS.length]!;
}

/** 1–4 records per append, varying with the sequence number. */
export function crashBatchSize(sequence: number): number {
  return 1 + (sequence % 4);
}

export function crashRecord(id: CrashRecordId): AppendRecord {
  const padding = 'x'.repeat(150 + ((id.worker * 31 + id.sequence * 17 + id.index * 7) % 250));
  return {
    timestamp: 1_700_000_000_000 + id.run * 1_000_000 + id.sequence,
    data: Buffer.from(JSON.stringify({ run: id.run, worker: id.worker, sequence: id.sequence, index: id.index, padding })),
  };
}

/** The line the child prints once an append has resolved: `ack <run> <worker> <sequence> <count>`. */
export function ackLine(run: number, worker: number, sequence: number, count: number): string {
  return `ack ${run} ${worker} ${sequence} ${count}\n`;
}
