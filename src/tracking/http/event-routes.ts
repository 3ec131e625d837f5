/**
 * The event-ingesting routes of the Tracking API (DESIGN B2): the six calls and their browser short
 * forms, `/batch`, `/import`, `/b`; and `/m` (client metrics: answered, never stored).
 *
 * Per request: auth → rate limit → envelope → ingest (pure core: validate, enrich, one stringify per
 * event) → drop repeated messageIds (dedup/) → ONE `log.append` of every valid event → 200 only once
 * that append is durable. A repeat is answered like the original (success), as Segment does.
 *
 * With an ingest pool (ingest-pool.ts), a batch body of at least `minBodyBytes` whose write key came in
 * the header is parsed and ingested on a worker instead; the answers are the same (same codes, same
 * order of checks: JSON, then rate limit, then envelope). Small bodies, single-event calls and
 * body-only write keys (analytics-next's small text/plain batches) stay on the main thread, where a
 * message round trip would cost more than the work.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../errors/index.js';
import type { EventType } from '../core/event-types.js';
import { bodyWriteKey, readBatchEnvelope, singleEventEnvelope } from '../core/envelope.js';
import { ingestEvents, type RejectedEvent } from '../core/ingest.js';
import { Deduplicator, fingerprintsOf, type Fingerprints } from '../dedup/deduplicator.js';

type IngestJobRejected = readonly RejectedEvent[];
import type { RequestFacts } from '../core/enrich.js';
import type { TrackedSource } from '../source-directory.js';
import { clientIp } from './client-ip.js';
import { LineBuffer } from './line-buffer.js';
import { rawEventsOf, rawSingleEventOf } from './raw-body.js';
import { sendError } from '../../errors/http-error-handler.js';
import type { IngestPool } from './ingest-pool.js';
import type { IngestJobFacts, IngestJobResult } from './ingest-job.js';
import type { ResolvedTrackingOptions } from './options.js';
import { SourceRateLimiter } from './rate-limiter.js';
import { parseJsonBody, readBodyBytes, readCapped } from './read-body.js';
import { authenticate, writeKeyFromAuthorization } from './write-key.js';

const singleEventRoutes: ReadonlyArray<readonly [EventType, string]> = [
  ['identify', 'i'],
  ['track', 't'],
  ['page', 'p'],
  ['screen', 's'],
  ['group', 'g'],
  ['alias', 'a'],
];
const batchRoutes = ['/batch', '/import', '/b'];

const successBody = '{"success":true}';
const jsonType = 'application/json; charset=utf-8';

/** The (start, length) pairs of the records at `indexes`, in that order. */
function positionsOf(positions: Uint32Array, indexes: readonly number[]): Uint32Array {
  const kept = new Uint32Array(indexes.length * 2);
  for (let at = 0; at < indexes.length; at++) {
    kept[at * 2] = positions[indexes[at]! * 2]!;
    kept[at * 2 + 1] = positions[indexes[at]! * 2 + 1]!;
  }
  return kept;
}

/** A batch body left unparsed for the ingest pool (the content-type parser's answer). */
class PooledBody {
  constructor(readonly bytes: Buffer) {}
}

/** A parsed body with the text it was parsed from (kept for splicing stored lines, core/stored-line.ts). */
class JsonBody {
  constructor(
    readonly parsed: { readonly value: unknown; readonly text: string },
    readonly bytes: Buffer,
  ) {}
}

export interface PoolRouting {
  readonly pool: IngestPool;
  /** Bodies below this size are ingested on the main thread. */
  readonly minBodyBytes: number;
}

export function registerEventRoutes(app: FastifyInstance, options: ResolvedTrackingOptions, routing?: PoolRouting): void {
  const { log, sources, limits, now, newMessageId, trustProxy } = options;
  const rateLimiter = options.rateLimit ? new SourceRateLimiter(options.rateLimit) : undefined;
  /** Source resolved from the Authorization header before the body is read (undefined: use the body's key). */
  const headerSources = new WeakMap<FastifyRequest, TrackedSource>();
  const deduplicator =
    options.dedupWindow > 0
      ? new Deduplicator(log, {
          capacity: options.dedupWindow,
          onSeeded: (sourceId, details) => app.log.info({ sourceId, ...details }, 'messageId deduplication: recent ids read back from the log'),
        })
      : undefined;
  if (deduplicator) options.onDedupSeeding?.(deduplicator.seedAll(log.streams()));

  // Our own body reading replaces Fastify's parsers: one JSON.parse, capped reads, gzip, text/plain.
  app.removeAllContentTypeParsers();
  // A body bound for a worker is read into a buffer the pool moves without copying (and reuses).
  const pooledBodyBuffer = routing && ((bytes: number) => (bytes >= routing.minBodyBytes ? routing.pool.bodyBuffer(bytes) : undefined));
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: IncomingMessage) => {
    const toWorker = routing !== undefined && headerSources.has(request);
    const bytes = await readBodyBytes(payload, request.headers, limits.maxRequestBytes, toWorker ? pooledBodyBuffer : undefined);
    if (routing && bytes.length >= routing.minBodyBytes && toWorker) return new PooledBody(bytes);
    return new JsonBody(parseJsonBody(bytes), bytes);
  });

  // A wrong key in the header is refused before a single body byte is read.
  app.addHook('onRequest', async (request) => {
    const writeKey = writeKeyFromAuthorization(request.headers.authorization);
    if (writeKey !== undefined) headerSources.set(request, authenticate(sources, writeKey));
  });

  async function store(request: FastifyRequest, reply: FastifyReply, impliedType: EventType | undefined): Promise<FastifyReply> {
    let received = request.body;
    const pooled = received instanceof PooledBody;
    if (received instanceof PooledBody) {
      if (!impliedType) {
        await storePooled(request, reply, received.bytes);
        return reply;
      }
      received = new JsonBody(parseJsonBody(received.bytes), received.bytes);
    }
    // No body at all; a JSON `null` body goes on and is refused as an event or a batch.
    if (!(received instanceof JsonBody)) throw new SluiceError('invalid_json', 'The body is empty; send a JSON object.');
    const { value: body, text } = received.parsed;
    const source = headerSources.get(request) ?? authenticate(sources, bodyWriteKey(body));
    const receivedAtMs = now();
    if (rateLimiter) {
      const waitSeconds = rateLimiter.take(source.sourceId, receivedAtMs);
      if (waitSeconds !== undefined) throw new SluiceError('rate_limited', undefined, { retryAfterSeconds: waitSeconds });
    }

    const envelope = impliedType ? singleEventEnvelope(body) : readBatchEnvelope(body, limits.maxBatchEvents);
    if (!envelope.ok) throw new SluiceError(envelope.code, envelope.message);
    const facts: RequestFacts = {
      sourceId: source.sourceId,
      receivedAtMs,
      receivedAt: new Date(receivedAtMs).toISOString(),
      ip: clientIp(request.raw, trustProxy),
      batchSentAt: envelope.batchSentAt,
      batchSentAtMs: envelope.batchSentAtMs,
      batchContext: envelope.batchContext,
      batchIntegrations: envelope.batchIntegrations,
      newMessageId,
    };
    const lines = LineBuffer.forRequest(received.bytes.length, envelope.events.length, { transferable: false });
    const raw = impliedType ? rawSingleEventOf(received.bytes, text, body) : rawEventsOf(received.bytes, text, envelope.events);
    const { records, rejected } = ingestEvents(envelope, impliedType, facts, { maxEventBytes: limits.maxEventBytes, encode: (line) => lines.write(line), raw });
    // The stored lines are copies: a pooled body left to the main thread (every worker busy) is free again.
    if (pooled) routing!.pool.releaseBody(received.bytes);
    // Nothing reads the parsed body again: let it die young rather than be promoted (and kept until a
    // full collection) while the append waits for its fsync.
    request.body = undefined;

    const only = rejected[0];
    if (records.length === 0 && impliedType && only) return sendError(reply, new SluiceError(only.code, only.message));
    return answer(request, reply, source.sourceId, records, rejected, () => fingerprintsOf(records), (fresh) => append(() => log.append(source.sourceId, fresh), request));
  }

  /**
   * Deduplicates and stores a request's valid events, then answers it. `items` stand for the records
   * (the records themselves, or indexes into a packed buffer) and `store` appends the ones kept.
   */
  async function answer<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    sourceId: string,
    items: readonly T[],
    rejected: IngestJobRejected,
    fingerprints: () => Fingerprints,
    store: (fresh: readonly T[]) => Promise<void>,
  ): Promise<FastifyReply> {
    if (items.length === 0) return sendError(reply, new SluiceError('no_valid_events'), { rejected });
    if (deduplicator) {
      const seeding = deduplicator.ready(sourceId);
      if (seeding) await seeding.catch((error: unknown) => Promise.reject(new SluiceError('log_unavailable', undefined, { retryAfterSeconds: 1, cause: error })));
      const admitted = deduplicator.admit(sourceId, items, fingerprints());
      const { fresh, settle } = admitted instanceof Promise ? await admitted : admitted;
      try {
        if (fresh.length > 0) await store(fresh);
      } catch (error) {
        settle(false);
        throw error;
      }
      settle(true);
    } else {
      await store(items);
    }
    reply.code(200).header('content-type', jsonType);
    return reply.send(rejected.length === 0 ? successBody : JSON.stringify({ success: true, rejected }));
  }

  /** The batch path through a worker, or through the same job on this thread when every worker is busy. */
  async function storePooled(request: FastifyRequest, reply: FastifyReply, bytes: Buffer): Promise<void> {
    const source = headerSources.get(request)!;
    const receivedAtMs = now();
    const facts: IngestJobFacts = {
      sourceId: source.sourceId,
      receivedAtMs,
      ip: clientIp(request.raw, trustProxy),
      maxBatchEvents: limits.maxBatchEvents,
      maxEventBytes: limits.maxEventBytes,
      fingerprints: deduplicator !== undefined,
    };
    const pool = routing!.pool;
    const job = pool.run(bytes, facts) ?? pool.runHere(bytes, facts);
    const result: IngestJobResult = await job;
    if (!result.ok && result.stage === 'parse') throw new SluiceError(result.code, result.message);
    if (rateLimiter) {
      const waitSeconds = rateLimiter.take(source.sourceId, receivedAtMs);
      if (waitSeconds !== undefined) throw new SluiceError('rate_limited', undefined, { retryAfterSeconds: waitSeconds });
    }
    if (!result.ok) throw new SluiceError(result.code, result.message);
    const { buffer, positions, fingerprints, framed } = result;
    const packedBytes = new Uint8Array(buffer);
    const count = positions.length / 2;
    // Appended as the worker packed them: no object per record (they lived until the fsync and were
    // promoted). Deduplication works on indexes, made only when it is on.
    const indexes = deduplicator ? Array.from({ length: count }, (_, index) => index) : new Array<number>(count);
    const storeIndexes = (fresh: readonly number[]) =>
      append(() => log.appendPacked(source.sourceId, { timestamp: receivedAtMs, bytes: packedBytes, positions: fresh.length === count ? positions : positionsOf(positions, fresh), framed }), request);
    try {
      // Awaited, not returned: a FastifyReply is a thenable, and returning it would resolve to its value.
      await answer(request, reply, source.sourceId, indexes, result.rejected, () => fingerprints, storeIndexes);
    } finally {
      // The append has settled (the log copies records as it writes and keeps no reference after), so
      // the buffer may go back to a worker.
      pool.recycle(buffer);
    }
  }

  /** Appends through `appendToLog`, turning its failures into the Tracking API's errors. */
  async function append(appendToLog: () => Promise<unknown>, request: FastifyRequest): Promise<void> {
    try {
      await appendToLog();
    } catch (error) {
      if (error instanceof SluiceError && (error.code === 'log_full' || error.code === 'log_unavailable')) {
        throw error.retryAfterSeconds === undefined ? new SluiceError(error.code, error.message, { retryAfterSeconds: 1 }) : error;
      }
      request.log.error({ err: error }, 'event log append failed');
      throw new SluiceError('log_unavailable', undefined, { retryAfterSeconds: 1, cause: error });
    }
  }

  for (const [type, short] of singleEventRoutes) {
    const handler = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => store(request, reply, type);
    app.post(`/${type}`, handler);
    app.post(`/${short}`, handler);
  }
  const batchHandler = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => store(request, reply, undefined);
  for (const path of batchRoutes) app.post(path, batchHandler);

}

/**
 * `/m` (analytics-next's client metrics): answered 200, stored nowhere. Its own context, so its body is
 * only drained (within the request cap) and neither parsed nor authenticated.
 */
export async function metricsRoute(app: FastifyInstance, options: { maxRequestBytes: number }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (_request: FastifyRequest, payload: IncomingMessage) => {
    await readCapped(payload, options.maxRequestBytes);
    return null;
  });
  app.post('/m', async (_request, reply) => reply.code(200).header('content-type', jsonType).send(successBody));
}
