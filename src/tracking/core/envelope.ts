/**
 * The request envelope: turns a parsed body into the list of candidate events plus the batch-level
 * fields (DESIGN B2). A batch body is `{batch:[…], sentAt?, context?, integrations?, writeKey?}`; a
 * single-event body is the event itself. Problems here concern the whole request, so they are returned
 * as request-level rejections.
 */
import { isJsonObject, reject, type JsonObject, type Rejection } from './event-types.js';
import { optionalTimestamp } from './validate.js';

export interface Envelope {
  readonly ok: true;
  readonly events: readonly unknown[];
  readonly batchSentAt: string | undefined;
  readonly batchSentAtMs: number | undefined;
  readonly batchContext: JsonObject | undefined;
  readonly batchIntegrations: JsonObject | undefined;
}

/** The write key carried in the body (`writeKey` at the top level), if any. */
export function bodyWriteKey(body: unknown): string | undefined {
  if (!isJsonObject(body)) return undefined;
  const writeKey = body.writeKey;
  return typeof writeKey === 'string' && writeKey !== '' ? writeKey : undefined;
}

export function readBatchEnvelope(body: unknown, maxBatchEvents: number): Envelope | Rejection {
  if (!isJsonObject(body) || !Array.isArray(body.batch)) {
    return reject('invalid_batch', 'The body must be a JSON object with a "batch" array of events.');
  }
  const events: unknown[] = body.batch;
  if (events.length > maxBatchEvents) {
    return reject('too_many_events', `The batch holds ${events.length} events; the limit is ${maxBatchEvents}.`);
  }
  if (!(body.context === undefined || body.context === null || isJsonObject(body.context))) {
    return reject('invalid_context', 'The batch-level "context" must be an object when present.');
  }
  if (!(body.integrations === undefined || body.integrations === null || isJsonObject(body.integrations))) {
    return reject('invalid_integrations', 'The batch-level "integrations" must be an object when present.');
  }
  const sentAtMs = optionalTimestamp(body.sentAt);
  if (sentAtMs === null) return reject('invalid_timestamp', 'The batch-level "sentAt" must be an ISO-8601 date string.');
  return {
    ok: true,
    events,
    batchSentAt: sentAtMs === undefined ? undefined : (body.sentAt as string),
    batchSentAtMs: sentAtMs,
    batchContext: isJsonObject(body.context) ? body.context : undefined,
    batchIntegrations: isJsonObject(body.integrations) ? body.integrations : undefined,
  };
}

/** A single-event body: the event is the body; there are no batch-level fields. */
export function singleEventEnvelope(body: unknown): Envelope {
  return {
    ok: true,
    events: [body],
    batchSentAt: undefined,
    batchSentAtMs: undefined,
    batchContext: undefined,
    batchIntegrations: undefined,
  };
}
