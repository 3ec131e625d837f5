/**
 * The one HTTP error handler of every Sluice context (Tracking API, health, admin API): turns each
 * failure into `{success:false, code, message}` (DESIGN B2/B4). SluiceErrors keep their own status (and
 * Retry-After); Fastify's own request errors (unparseable JSON, schema validation, wrong content type,
 * oversize body) map onto our codes; anything else is a logged 500 `internal_error`. Unknown routes in
 * the context answer 404 `not_found`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from './codes.js';
import { SluiceError } from './sluice-error.js';

export interface HttpErrorHandling {
  /** The code for Fastify's own 4xx request errors: `bad_request` (Tracking API) or `invalid_request` (admin). */
  readonly requestErrorCode: ErrorCode;
  /** Logged with unexpected failures, e.g. "admin request failed". */
  readonly logMessage: string;
  /** A route-specific code for a request error (e.g. the destinations routes' `invalid_destination`). */
  readonly requestErrorCodeFor?: (error: FastifyError, request: FastifyRequest) => ErrorCode | undefined;
}

export function sendError(reply: FastifyReply, error: SluiceError, extra?: Record<string, unknown>): FastifyReply {
  if (error.retryAfterSeconds !== undefined) {
    const seconds = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    reply.header('retry-after', seconds);
    // analytics-next reads its 429 back-off (in seconds) from this header rather than Retry-After.
    if (error.code === 'rate_limited') reply.header('x-ratelimit-reset', seconds);
  }
  // The unread rest of an oversize body is not worth keeping the connection for.
  if (error.code === 'request_too_large') reply.header('connection', 'close');
  return reply.code(error.statusCode).send({ ...error.toBody(), ...extra });
}

function toSluiceError(error: FastifyError, request: FastifyRequest, options: HttpErrorHandling): SluiceError | undefined {
  if (error instanceof SluiceError) return error;
  const status = error.statusCode;
  if (status === 413) return new SluiceError('request_too_large');
  if (status === 415) return new SluiceError('unsupported_content_type');
  if (status !== undefined && status >= 400 && status < 500) {
    return new SluiceError(options.requestErrorCodeFor?.(error, request) ?? options.requestErrorCode, error.message);
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance, options: HttpErrorHandling): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toSluiceError(error, request, options);
    if (known) return sendError(reply, known);
    request.log.error({ err: error }, options.logMessage);
    return sendError(reply, new SluiceError('internal_error'));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, new SluiceError('not_found', `No route ${request.method} ${request.url.split('?', 1)[0]}.`)),
  );
}
