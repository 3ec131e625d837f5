/**
 * A destination's delivery status (DESIGN B4 `GET destinations/{id}/status`), computed by a pure
 * function from what each runner knows in memory and what the log and the metadata store hold.
 * Owns the status shape; reads nothing itself.
 */

export interface DeliveryRecordSummary {
  readonly at: number;
  readonly objects: number;
  readonly events: number;
  readonly bytes: number;
  /** Keys of the objects that delivery wrote (one per received day in the batch). */
  readonly keys: readonly string[];
}

export interface ErrorSummary {
  readonly message: string;
  readonly at: number;
  readonly consecutiveFailures: number;
  readonly retriable: boolean;
}

/** What one runner (one connected source) reports. */
export interface RunnerSnapshot {
  readonly sourceId: string;
  readonly running: boolean;
  readonly delivering: boolean;
  readonly lastDelivery: DeliveryRecordSummary | undefined;
  readonly lastError: ErrorSummary | undefined;
  /** When the runner will retry a failed batch. */
  readonly nextAttemptAt: number | undefined;
  /** When the schedule (cron or interval) will flush next. */
  readonly nextFlushAt: number | undefined;
}

export interface SourceStatusInput {
  readonly snapshot: RunnerSnapshot;
  readonly pending: { readonly records: number; readonly bytes: number };
  /** The batch recorded in the metadata store and not yet committed, if any. */
  readonly inFlightBatch: { readonly firstOffset: number; readonly endOffset: number } | undefined;
}

export interface SourceStatus {
  sourceId: string;
  running: boolean;
  delivering: boolean;
  pending: { events: number; bytes: number };
  lastDelivery: ReturnType<typeof deliveryJson> | null;
  lastError: ReturnType<typeof errorJson> | null;
  nextAttemptAt: string | null;
  nextFlushAt: string | null;
  inFlightBatch: { firstOffset: number; endOffset: number } | null;
}

export interface DestinationStatus {
  destinationId: string;
  enabled: boolean;
  pending: { events: number; bytes: number };
  lastDelivery: ReturnType<typeof deliveryJson> | null;
  lastError: ReturnType<typeof errorJson> | null;
  nextAttemptAt: string | null;
  nextFlushAt: string | null;
  sources: SourceStatus[];
}

export function computeDestinationStatus(destinationId: string, enabled: boolean, inputs: readonly SourceStatusInput[]): DestinationStatus {
  const sources = inputs.map(sourceStatus);
  const latestDelivery = latest(inputs.map((input) => input.snapshot.lastDelivery));
  // The error that matters is one still failing: a source that delivered since its last error is healthy.
  const currentErrors = inputs
    .map((input) => input.snapshot)
    .filter((snapshot) => snapshot.lastError && (!snapshot.lastDelivery || snapshot.lastDelivery.at < snapshot.lastError.at))
    .map((snapshot) => snapshot.lastError);
  const latestError = latest(currentErrors);
  return {
    destinationId,
    enabled,
    pending: {
      events: inputs.reduce((sum, input) => sum + input.pending.records, 0),
      bytes: inputs.reduce((sum, input) => sum + input.pending.bytes, 0),
    },
    lastDelivery: latestDelivery ? deliveryJson(latestDelivery) : null,
    lastError: latestError ? errorJson(latestError) : null,
    nextAttemptAt: isoOrNull(earliest(inputs.map((input) => input.snapshot.nextAttemptAt))),
    nextFlushAt: isoOrNull(earliest(inputs.map((input) => input.snapshot.nextFlushAt))),
    sources,
  };
}

function sourceStatus(input: SourceStatusInput): SourceStatus {
  const { snapshot } = input;
  return {
    sourceId: snapshot.sourceId,
    running: snapshot.running,
    delivering: snapshot.delivering,
    pending: { events: input.pending.records, bytes: input.pending.bytes },
    lastDelivery: snapshot.lastDelivery ? deliveryJson(snapshot.lastDelivery) : null,
    lastError: snapshot.lastError ? errorJson(snapshot.lastError) : null,
    nextAttemptAt: isoOrNull(snapshot.nextAttemptAt),
    nextFlushAt: isoOrNull(snapshot.nextFlushAt),
    inFlightBatch: input.inFlightBatch ? { firstOffset: input.inFlightBatch.firstOffset, endOffset: input.inFlightBatch.endOffset } : null,
  };
}

function deliveryJson(delivery: DeliveryRecordSummary) {
  return { at: new Date(delivery.at).toISOString(), objects: delivery.objects, events: delivery.events, bytes: delivery.bytes, keys: [...delivery.keys] };
}

function errorJson(error: ErrorSummary) {
  return { message: error.message, at: new Date(error.at).toISOString(), consecutiveFailures: error.consecutiveFailures, retriable: error.retriable };
}

function latest<T extends { at: number }>(items: readonly (T | undefined)[]): T | undefined {
  let found: T | undefined;
  for (const item of items) if (item && (!found || item.at > found.at)) found = item;
  return found;
}

function earliest(times: readonly (number | undefined)[]): number | undefined {
  const defined = times.filter((time): time is number => time !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

function isoOrNull(time: number | undefined): string | null {
  return time === undefined ? null : new Date(time).toISOString();
}
