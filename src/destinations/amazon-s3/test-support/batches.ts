/**
 * Test support: fill an EventLog with sample events at chosen receive times and cut a DeliveryBatch
 * over them with the delivery runtime's own reader (`deliveryBatch`), so tests exercise real parts.
 */
import { deliveryBatch } from '../../../delivery/batch-reader.js';
import type { DeliveryBatch } from '../../../delivery/destination.js';
import type { EventLog } from '../../../log/event-log.js';
import { sampleEvent, seededRandom } from './sample-events.js';

export interface AppendedEvents {
  readonly firstOffset: number;
  readonly endOffset: number;
  /** The stored lines, in log order. */
  readonly lines: string[];
}

/** Appends one sample event per receive time (ms), in the given order, as one durable append. */
export async function appendSampleEvents(log: EventLog, sourceId: string, receivedAts: readonly number[], seed = 1): Promise<AppendedEvents> {
  const random = seededRandom(seed);
  const lines = receivedAts.map((receivedAt) => sampleEvent(random, receivedAt, sourceId));
  const result = await log.append(sourceId, lines.map((line, index) => ({ timestamp: receivedAts[index]!, data: Buffer.from(line) })));
  return { firstOffset: result.firstOffset, endOffset: result.nextOffset, lines };
}

export function batchOf(log: EventLog, sourceId: string, firstOffset: number, endOffset: number): DeliveryBatch {
  return deliveryBatch(log, sourceId, firstOffset, endOffset);
}
