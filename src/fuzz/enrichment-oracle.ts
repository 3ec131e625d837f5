/**
 * The fuzz suite's own statement of DESIGN B2's enrichment, written from the contract (not from
 * src/tracking/core/enrich.ts): given the event as the client sent it (its parsed JSON text), the
 * batch-level fields and the stored `receivedAt`, what the stored event must be. Both sides go through a
 * JSON round trip, so values JSON cannot carry (1e400 → null) compare as stored.
 *
 * Only for events whose timestamps are `Date#toISOString()` strings (what the valid-event arbitraries
 * generate), which `Date.parse` reads exactly.
 */
import type { CallType } from './event-arbitraries.js';

type JsonObject = Record<string, unknown>;

export interface BatchFields {
  readonly sentAt?: string;
  readonly context?: JsonObject;
  readonly integrations?: JsonObject;
}

export interface RequestContext {
  readonly sourceId: string;
  readonly ip: string;
  /** The route's call type on single-event routes. */
  readonly impliedType: CallType | undefined;
}

const absent = (value: unknown): boolean => value === undefined || value === null;

export function expectedStoredEvent(sent: JsonObject, batch: BatchFields, request: RequestContext, receivedAt: string): unknown {
  // Spread (not assignment) keeps an own "__proto__" key as data, as JSON.parse made it.
  const stored: JsonObject = { ...sent };
  if (request.impliedType) stored.type = request.impliedType;
  for (const id of ['userId', 'anonymousId'] as const) if (typeof sent[id] === 'number') stored[id] = String(sent[id]);
  stored.receivedAt = receivedAt;

  let sentAt = absent(sent.sentAt) ? undefined : (sent.sentAt as string);
  if (sentAt === undefined && batch.sentAt !== undefined) {
    stored.sentAt = batch.sentAt;
    sentAt = batch.sentAt;
  }
  if (absent(sent.timestamp)) {
    stored.timestamp = receivedAt;
  } else {
    stored.originalTimestamp = sent.timestamp;
    if (sentAt !== undefined) {
      const skew = Date.parse(sentAt) - Date.parse(sent.timestamp as string);
      stored.timestamp = new Date(Date.parse(receivedAt) - skew).toISOString();
    }
  }

  const ownContext = isObject(sent.context) ? sent.context : {};
  const context: JsonObject = { ...batch.context, ...ownContext };
  if (absent(context.ip) || context.ip === '') context.ip = request.ip;
  stored.context = context;
  if (batch.integrations !== undefined || isObject(sent.integrations)) stored.integrations = { ...batch.integrations, ...(isObject(sent.integrations) ? sent.integrations : {}) };

  stored.projectId = request.sourceId;
  stored.version = 2;
  if (absent(sent.channel)) stored.channel = 'server';
  return JSON.parse(JSON.stringify(stored));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
