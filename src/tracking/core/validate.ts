/**
 * Per-event validation (DESIGN B2), following Segment's discard reasons and what the official libraries
 * check (`@segment/analytics-core` assertions, `loosely-validate-event`). Rejections are values, never
 * exceptions (STYLE 7), so one bad event in a batch costs nothing but its own `rejected` entry.
 *
 * Rules, in the order they are checked (the first failing one names the rejection):
 *  1. the event is a JSON object                                      → invalid_event
 *  2. `type` is one of the six calls (single-event routes imply it)   → invalid_type
 *  3. `messageId`, when present, is a string of ≤ 100 characters      → invalid_message_id
 *  4. identity: identify/track/page/screen need a non-empty `userId` or `anonymousId` (string or number);
 *     alias needs `previousId` and `userId`; group needs `groupId` (its user is optional, as in
 *     analytics-node, whose identity check accepts a groupId)         → missing_user_id / missing_previous_id / missing_group_id
 *  5. track needs a non-empty string `event`                          → missing_event_name
 *  6. `properties`, `traits`, `context`, `integrations` are objects when present
 *  7. `timestamp` and `sentAt` are ISO-8601 strings when present (see timestamps.ts) → invalid_timestamp
 * Size is checked by the caller after serialization (see enrich.ts / the HTTP layer).
 */
import { isEventType, isJsonObject, reject, type EventType, type JsonObject, type Rejection } from './event-types.js';
import { parseIsoTimestamp } from './timestamps.js';

export const maxMessageIdLength = 100;

/** What validation learnt about a valid event, so enrichment does not parse anything twice. */
export interface ValidEvent {
  readonly ok: true;
  readonly event: JsonObject;
  readonly type: EventType;
  /** The client's `timestamp` in ms, when sent. */
  readonly timestampMs: number | undefined;
  /** The event's own `sentAt` in ms, when sent. */
  readonly sentAtMs: number | undefined;
}

/**
 * Validates one event. `impliedType` is the call type of a single-event route (`/v1/track` …), which is
 * authoritative there; batch events must carry their own `type`.
 */
export function validateEvent(candidate: unknown, impliedType?: EventType): ValidEvent | Rejection {
  if (!isJsonObject(candidate)) return reject('invalid_event', 'The event must be a JSON object.');
  const event = candidate;
  const type = impliedType ?? event.type;
  if (!isEventType(type)) {
    return reject('invalid_type', `"type" must be one of identify, track, page, screen, group, alias (got ${describe(event.type)}).`);
  }

  const messageId = event.messageId;
  if (messageId !== undefined && messageId !== null) {
    if (typeof messageId !== 'string') return reject('invalid_message_id', '"messageId" must be a string.');
    if (messageId.length > maxMessageIdLength) {
      return reject('invalid_message_id', `"messageId" must be at most ${maxMessageIdLength} characters (got ${messageId.length}).`);
    }
  }

  const identity = checkIdentity(event, type);
  if (identity) return identity;

  if (type === 'track' && !isNonEmptyString(event.event)) {
    return reject('missing_event_name', 'A track call needs a non-empty string "event".');
  }

  if (!isOptionalObject(event.properties)) return reject('invalid_properties', '"properties" must be an object when present.');
  if (!isOptionalObject(event.traits)) return reject('invalid_traits', '"traits" must be an object when present.');
  if (!isOptionalObject(event.context)) return reject('invalid_context', '"context" must be an object when present.');
  if (!isOptionalObject(event.integrations)) return reject('invalid_integrations', '"integrations" must be an object when present.');

  const timestampMs = optionalTimestamp(event.timestamp);
  if (timestampMs === null) return reject('invalid_timestamp', `"timestamp" must be an ISO-8601 date string (got ${describe(event.timestamp)}).`);
  const sentAtMs = optionalTimestamp(event.sentAt);
  if (sentAtMs === null) return reject('invalid_timestamp', `"sentAt" must be an ISO-8601 date string (got ${describe(event.sentAt)}).`);

  return { ok: true, event, type, timestampMs, sentAtMs };
}

function checkIdentity(event: JsonObject, type: EventType): Rejection | undefined {
  const userId = idState(event.userId);
  const anonymousId = idState(event.anonymousId);
  if (userId === 'invalid') return reject('missing_user_id', '"userId" must be a string or a number.');
  if (anonymousId === 'invalid') return reject('missing_user_id', '"anonymousId" must be a string or a number.');
  switch (type) {
    case 'alias':
      if (idState(event.previousId) !== 'valid') return reject('missing_previous_id', 'An alias call needs a non-empty "previousId".');
      if (userId !== 'valid') return reject('missing_user_id', 'An alias call needs a non-empty "userId".');
      return undefined;
    case 'group':
      if (idState(event.groupId) !== 'valid') return reject('missing_group_id', 'A group call needs a non-empty "groupId".');
      return undefined;
    default:
      if (userId !== 'valid' && anonymousId !== 'valid') {
        return reject('missing_user_id', 'A non-empty "userId" or "anonymousId" is required.');
      }
      return undefined;
  }
}

/** An id is valid as a non-empty string or a finite number (clients send numeric user ids). */
function idState(value: unknown): 'valid' | 'absent' | 'invalid' {
  if (value === undefined || value === null || value === '') return 'absent';
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return 'valid';
  return 'invalid';
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isOptionalObject(value: unknown): boolean {
  return value === undefined || value === null || isJsonObject(value);
}

/** undefined when absent (or null), null when present but unparseable, else ms since the epoch. */
export function optionalTimestamp(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  return parseIsoTimestamp(value) ?? null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
