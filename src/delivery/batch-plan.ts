/**
 * Where batches end, as pure functions. A batch is a run of consecutive records of one stream whose
 * uncompressed NDJSON (payload bytes + one newline per record) stays within `maxBatchBytes`; a single
 * record larger than that still forms a batch of its own, so delivery always makes progress.
 *
 * Owns only the arithmetic: reading the log and recording the batch are `batch-reader.ts` and the runner.
 */

/** A batch being cut: [firstOffset, endOffset) holding `records` records of `ndjsonBytes` bytes. */
export interface BatchPlan {
  readonly firstOffset: number;
  readonly endOffset: number;
  readonly records: number;
  readonly ndjsonBytes: number;
}

/** What the planner needs to know of one record. */
export interface RecordSize {
  readonly nextOffset: number;
  readonly payloadBytes: number;
}

/** Bytes one record takes in the NDJSON body: its payload and the newline after it. */
export function ndjsonBytesOf(payloadBytes: number): number {
  return payloadBytes + 1;
}

/** A plan holding nothing yet, starting at `firstOffset`. */
export function emptyPlan(firstOffset: number): BatchPlan {
  return { firstOffset, endOffset: firstOffset, records: 0, ndjsonBytes: 0 };
}

/**
 * The plan with `record` appended, or undefined when it does not fit: that record starts the next batch.
 * An empty plan accepts any record, however large.
 */
export function extendPlan(plan: BatchPlan, record: RecordSize, maxBatchBytes: number): BatchPlan | undefined {
  const ndjsonBytes = plan.ndjsonBytes + ndjsonBytesOf(record.payloadBytes);
  if (plan.records > 0 && ndjsonBytes > maxBatchBytes) return undefined;
  return { firstOffset: plan.firstOffset, endOffset: record.nextOffset, records: plan.records + 1, ndjsonBytes };
}

/** True when the backlog fills at least one whole batch (the size trigger). */
export function backlogFillsBatch(backlog: { records: number; bytes: number }, maxBatchBytes: number): boolean {
  return backlog.records > 0 && backlog.bytes + backlog.records >= maxBatchBytes;
}

/** True when the whole backlog fits in one batch, so its boundaries need no scan of the records. */
export function backlogFitsOneBatch(backlog: { records: number; bytes: number }, maxBatchBytes: number): boolean {
  return backlog.bytes + backlog.records <= maxBatchBytes;
}

/**
 * Cuts a sequence of records, starting at `firstOffset`, into consecutive batches. Used by tests and
 * planning previews; the runner cuts one batch at a time with `extendPlan` as it reads the log.
 */
export function cutBatches(firstOffset: number, records: Iterable<RecordSize>, maxBatchBytes: number): BatchPlan[] {
  const batches: BatchPlan[] = [];
  let plan = emptyPlan(firstOffset);
  for (const record of records) {
    const extended = extendPlan(plan, record, maxBatchBytes);
    if (extended) {
      plan = extended;
      continue;
    }
    batches.push(plan);
    plan = extendPlan(emptyPlan(plan.endOffset), record, maxBatchBytes)!;
  }
  if (plan.records > 0) batches.push(plan);
  return batches;
}
