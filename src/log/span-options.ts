/**
 * Argument checks for `EventLog.span`, shared by every implementation so they refuse the same things.
 */
import type { SpanOptions } from './event-log.js';

export function assertSpanOptions(options: SpanOptions): void {
  const { maxWeight, bytesPerRecord = 0, endOffset } = options;
  if (!Number.isSafeInteger(maxWeight) || maxWeight < 0) throw new RangeError(`maxWeight must be a non-negative integer, not ${maxWeight}.`);
  if (!Number.isSafeInteger(bytesPerRecord) || bytesPerRecord < 0) throw new RangeError(`bytesPerRecord must be a non-negative integer, not ${bytesPerRecord}.`);
  if (endOffset !== undefined && !Number.isSafeInteger(endOffset)) throw new RangeError(`${endOffset} is not a valid end offset.`);
}
