/**
 * The event-ingesting routes of the Tracking API (DESIGN B2): the six calls and their browser short
 * forms, `/batch`, `/import`, `/b`; and `/m` (client metrics: answered, never stored).
 *
 * Per request: auth → rate limit → envelope → ingest (pure core: validate, enrich, one stringify per
 * event) → ONE `log.append` of every valid event → 200 only once that append is durable.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../errors/index.js';
import type { EventType } from '../core/event-types.js';
import { bodyWriteKey, readBatchEnvelope, singleEventEnvelope } from '../core/envelope.js';
import { ingestEvents, type IngestRecord } from '../core/ingest.js';
import type { RequestFacts } from '../core/enrich.js';
import type { TrackedSource } from '../source-directory.js';
import { clientIp } from './client-ip.js';
import { createLineArena } from './line-arena.js';
import { sendError } from '../../errors/http-error-handler.js';
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

export function registerEventRoutes(app: FastifyInstance, options: ResolvedTrackingOptions): void {
  const { log, sources, limits, now, newMessageId, trustProxy } = options;
  const rateLimiter = options.rateLimit ? new SourceRateLimiter(options.rateLimit) : undefined;
  /** Source resolved from the Authorization header before the body is read (undefined: use the body's key). */
  const headerSources = new WeakMap<FastifyRequest, TrackedSource>();

  // Our own body reading replaces Fastify's parsers: one JSON.parse, capped reads, gzip, text/plain.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: IncomingMessage) =>
    parseJsonBody(await readBodyBytes(payload, request.headers, limits.maxRequestBytes)),
  );

  // A wrong key in the header is refused before a single body byte is read.
  app.addHook('onRequest', async (request) => {
    const writeKey = writeKeyFromAuthorization(request.headers.authorization);
    if (writeKey !== undefined) headerSources.set(request, authenticate(sources, writeKey));
  });

  async function store(request: FastifyRequest, reply: FastifyReply, impliedType: EventType | undefined): Promise<FastifyReply> {
    const body = request.body;
    // No body at all; a JSON `null` body goes on and is refused as an event or a batch.
    if (body === undefined) throw new SluiceError('invalid_json', 'The body is empty; send a JSON object.');
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
    const { records, rejected } = ingestEvents(envelope, impliedType, facts, { maxEventBytes: limits.maxEventBytes, encode: createLineArena(envelope.events.length) });

    if (records.length === 0) {
      const only = rejected[0];
      if (impliedType && only) return sendError(reply, new SluiceError(only.code, only.message));
      return sendError(reply, new SluiceError('no_valid_events'), { rejected });
    }
    await append(source.sourceId, records, request);
    reply.code(200).header('content-type', jsonType);
    return reply.send(rejected.length === 0 ? successBody : JSON.stringify({ success: true, rejected }));
  }

  async function append(sourceId: string, records: IngestRecord[], request: FastifyRequest): Promise<void> {
    try {
      await log.append(sourceId, records);
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
