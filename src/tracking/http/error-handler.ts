/**
 * Turns every failure in the tracking and health contexts into `{success:false, code, message}`
 * (DESIGN B2): SluiceErrors with their own status (and Retry-After), Fastify's own request errors
 * mapped onto our codes, anything else a logged 500 `internal_error`. Unknown /v1 routes are 404.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../errors/index.js';

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

function toSluiceError(error: FastifyError): SluiceError | undefined {
  if (error instanceof SluiceError) return error;
  const status = error.statusCode;
  if (status === 413) return new SluiceError('request_too_large');
  if (status === 415) return new SluiceError('unsupported_content_type');
  if (status !== undefined && status >= 400 && status < 500) return new SluiceError('bad_request', error.message);
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toSluiceError(error);
    if (known) return sendError(reply, known);
    request.log.error({ err: error }, 'tracking request failed');
    return sendError(reply, new SluiceError('internal_error'));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, new SluiceError('not_found', `No route ${request.method} ${request.url.split('?', 1)[0]}.`)),
  );
}
