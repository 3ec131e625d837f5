/**
 * Reads batches out of the log: finds where the next batch ends (the log measures it without reading
 * it), and streams a fixed batch's records for a destination. The source's stream name is its id.
 *
 * Never holds a batch whole in memory: a plan is counters only, and `chunks()` yields one bounded
 * chunk at a time. Each `chunks()` call starts over at `firstOffset`, so a retry re-reads identical data.
 */
import type { EventLog, StoredRecord } from '../log/event-log.js';
import { ndjsonBytesOf, type BatchPlan } from './batch-plan.js';
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
 * record lies in between. The log measures it (`EventLog.span`: its record index and a few frame
 * headers), so planning never reads the batch: at high load, when every batch is cut at
 * maxBatchBytes, a read here would read, checksum and make an object of every record once more.
 */
export async function planNextBatch(
  log: EventLog,
  stream: string,
  fromOffset: number,
  limitOffset: number,
  maxBatchBytes: number,
): Promise<NextBatch | undefined> {
  if (fromOffset >= limitOffset) return undefined;
  const span = await log.span(stream, fromOffset, { endOffset: limitOffset, maxWeight: maxBatchBytes, bytesPerRecord: ndjsonBytesOf(0) });
  if (span.records === 0) return undefined;
  const ndjsonBytes = span.bytes + span.records * ndjsonBytesOf(0);
  return {
    plan: { firstOffset: span.firstOffset, endOffset: span.nextOffset, records: span.records, ndjsonBytes },
    full: span.full || ndjsonBytes >= maxBatchBytes,
  };
}

/** The batch [firstOffset, endOffset) of `sourceId`'s stream, readable any number of times. */
export function deliveryBatch(log: EventLog, sourceId: string, firstOffset: number, endOffset: number): DeliveryBatch {
  const batch: DeliveryBatch = {
    sourceId,
    firstOffset,
    endOffset,
    chunks: () => readRange(log, sourceId, firstOffset, endOffset),
  };
  if (!log.fileRanges) return batch;
  return { ...batch, fileRanges: () => log.fileRanges!(sourceId, firstOffset, endOffset) };
}

/**
 * Room for a chunk's payloads and their frame headers, so a chunk is one read into one buffer.
 * Reused from chunk to chunk: the records of the previous chunk are consumed by then (`chunks()`
 * hands a chunk out only until the next one is asked for), so reading a batch allocates
 * one buffer, not one per MiB for the garbage collector to find long after.
 */
const readBufferBytes = readChunkBytes + readChunkBytes / 8;

/**
 * Read buffers between reads: every pass over a batch needs one, and a fresh MiB each
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
        // Nothing of the chunk is used once it is yielded, so it can die while the consumer works.
        offset = chunk.at(-1)!.nextOffset;
        yield chunk;
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
