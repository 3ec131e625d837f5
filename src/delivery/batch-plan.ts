/**
 * What a batch is, as arithmetic. A batch is a run of consecutive records of one stream whose
 * uncompressed NDJSON (payload bytes + one newline per record) stays within `maxBatchBytes`; a single
 * record larger than that still forms a batch of its own, so delivery always makes progress. The log
 * cuts the run (`EventLog.span`, called by `batch-reader.ts`); this file owns the sizes.
 */

/** A batch being cut: [firstOffset, endOffset) holding `records` records of `ndjsonBytes` bytes. */
export interface BatchPlan {
  readonly firstOffset: number;
  readonly endOffset: number;
  readonly records: number;
  readonly ndjsonBytes: number;
}

/** Bytes one record takes in the NDJSON body: its payload and the newline after it. */
export function ndjsonBytesOf(payloadBytes: number): number {
  return payloadBytes + 1;
}

/** True when the backlog fills at least one whole batch (the size trigger). */
export function backlogFillsBatch(backlog: { records: number; bytes: number }, maxBatchBytes: number): boolean {
  return backlog.records > 0 && backlog.bytes + backlog.records >= maxBatchBytes;
}
