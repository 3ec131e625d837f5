/**
 * The event model of the Tracking API (DESIGN B2): the call types, what a client may send, and the
 * value a rejected event becomes. Pure data, no platform imports (STYLE 8).
 */
import type { ErrorCode } from '../../errors/codes.js';

/** The six Segment call types, in the order the spec lists them. */
export const eventTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof eventTypes)[number];

/** A JSON object as the client sent it. Never mutated by the core. */
export type JsonObject = Record<string, unknown>;

/** An event-level rejection, returned as a value (STYLE 7); inside a batch it becomes one `rejected` entry. */
export interface Rejection {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export function reject(code: ErrorCode, message: string): Rejection {
  return { ok: false, code, message };
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const eventTypeSet: ReadonlySet<string> = new Set(eventTypes);
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && eventTypeSet.has(value);
}
