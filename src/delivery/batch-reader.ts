/**
 * Reads batches out of the log: finds where the next batch ends (reading record sizes in bounded
 * chunks), and streams a fixed batch's records for a destination. The source's stream name is its id.
 *
 * Never holds a batch whole in memory: planning keeps counters only, and `chunks()` yields one bounded
 * chunk at a time. Each `chunks()` call starts over at `firstOffset`, so a retry re-reads identical data.
 */
import type { EventLog, StoredRecord } from '../log/event-log.js';
import { backlogFitsOneBatch, emptyPlan, extendPlan, type BatchPlan } from './batch-plan.js';
import type { DeliveryBatch } from './destination.js';

/** Bytes of payload read from the log per chunk, whatever the batch size. */
export const readChunkBytes = 1024 * 1024;

export interface NextBatch {
  readonly plan: BatchPlan;
  /** True when the batch ended because it reached maxBatchBytes (not because the records ran out). */
  readonly full: boolean;
}

/**
 * Plans the batch starting at `fromOffset` and ending no later than `limitOffset`; undefined when no
 * record lies in between.
 */
export async function planNextBatch(
  log: EventLog,
  stream: string,
  fromOffset: number,
  limitOffset: number,
  maxBatchBytes: number,
): Promise<NextBatch | undefined> {
  if (fromOffset >= limitOffset) return undefined;
  // Fast path: when everything from the cursor to the end of the stream fits, the batch is
  // [cursor, limit) without a scan. The backlog may include appends past the limit; that only makes it
  // larger, so the shortcut never cuts a batch that is too large.
  const backlog = await log.backlog(stream, fromOffset);
  if (backlog.records === 0) return undefined;
  if (backlogFitsOneBatch(backlog, maxBatchBytes) && limitOffset >= log.endOffset(stream)) {
    const ndjsonBytes = backlog.bytes + backlog.records;
    return { plan: { firstOffset: fromOffset, endOffset: limitOffset, records: backlog.records, ndjsonBytes }, full: ndjsonBytes >= maxBatchBytes };
  }
  let plan = emptyPlan(fromOffset);
  let offset = fromOffset;
  // Only sizes are read here, so one buffer serves every chunk.
  const into = takeReadBuffer();
  try {
    while (offset < limitOffset) {
      const chunk = await log.read(stream, offset, { maxBytes: Math.min(readChunkBytes, maxBatchBytes), into });
      if (chunk.length === 0) break;
      for (const record of chunk) {
        if (record.offset >= limitOffset) return plan.records > 0 ? { plan, full: false } : undefined;
        if (plan.records === 0 && record.offset > plan.firstOffset) plan = emptyPlan(record.offset);
        const extended = extendPlan(plan, { nextOffset: record.nextOffset, payloadBytes: record.data.byteLength }, maxBatchBytes);
        if (!extended) return { plan, full: true };
        plan = extended;
        offset = record.nextOffset;
      }
    }
    return plan.records > 0 ? { plan, full: plan.ndjsonBytes >= maxBatchBytes } : undefined;
  } finally {
    // Nothing returned refers to it: the plan holds counters only.
    giveReadBuffer(into);
  }
}

/** The batch [firstOffset, endOffset) of `sourceId`'s stream, readable any number of times. */
export function deliveryBatch(log: EventLog, sourceId: string, firstOffset: number, endOffset: number): DeliveryBatch {
  return {
    sourceId,
    firstOffset,
    endOffset,
    chunks: () => readRange(log, sourceId, firstOffset, endOffset),
  };
}

/**
 * Room for a chunk's payloads and their frame headers, so a chunk is one read into one buffer.
 * Reused from chunk to chunk: the records of the previous chunk are consumed by then (`chunks()`
 * hands a chunk out only until the next one is asked for), so reading a batch allocates
 * one buffer, not one per MiB for the garbage collector to find long after.
 */
const readBufferBytes = readChunkBytes + readChunkBytes / 8;

/**
 * Read buffers between reads: every plan and every pass over a batch needs one, and a fresh MiB each
 * time was garbage the collector found late (it is off-heap). A few are kept (one per destination
 * reading at once is typical); more are left to the collector.
 */
const spareReadBuffers: Buffer[] = [];
const maxSpareReadBuffers = 4;

function takeReadBuffer(): Buffer {
  return spareReadBuffers.pop() ?? Buffer.allocUnsafeSlow(readBufferBytes);
}

function giveReadBuffer(buffer: Buffer): void {
  if (spareReadBuffers.length < maxSpareReadBuffers) spareReadBuffers.push(buffer);
}

async function* readRange(log: EventLog, stream: string, firstOffset: number, endOffset: number): AsyncGenerator<readonly StoredRecord[]> {
  const into = takeReadBuffer();
  try {
    let offset = firstOffset;
    while (offset < endOffset) {
      const chunk = await log.read(stream, offset, { maxBytes: readChunkBytes, into });
      if (chunk.length === 0) break;
      if (chunk.at(-1)!.offset < endOffset) {
        yield chunk;
        offset = chunk.at(-1)!.nextOffset;
        continue;
      }
      // The chunk runs past the batch (appends after it was planned): yield its part inside, then stop.
      const inside = chunk.filter((record) => record.offset < endOffset);
      if (inside.length > 0) yield inside;
      return;
    }
  } finally {
    // The consumer asked for no further chunk (finished, or stopped early: the generator's return), so
    // the last one it got is no longer read; a later reader may fill the buffer again.
    giveReadBuffer(into);
  }
}
