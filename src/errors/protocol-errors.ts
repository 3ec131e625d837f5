/**
 * The errors Fastify and Node answer before any route or error handler runs, given our body shape
 * (`{success:false, code, message}`, docs/errors.md) instead of their own `{"error":…,"statusCode":…}`:
 *
 * - `frameworkErrors`: a path that is not valid percent-encoding (FST_ERR_BAD_URL) → 400 `bad_request`;
 *   a path parameter over the router's length cap (FST_ERR_MAX_PARAM_LENGTH, Fastify's 414) → 404
 *   `not_found`, as for any other id nobody can see.
 * - `clientErrorHandler`: bytes Node's HTTP parser refuses (a lying or duplicated Content-Length, a body
 *   cut short, malformed header lines, oversized headers, a header timeout) → 400 `bad_request` written
 *   on the raw socket, after the answers of requests still in flight on it, then the connection is
 *   closed (its framing can no longer be trusted).
 *
 * Found by the fuzz suite (src/fuzz/): these were the only answers without a documented code.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from './sluice-error.js';

export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.raw.url?.split('?', 1)[0] ?? '';
  const mapped =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new SluiceError('not_found', `No route ${request.method} ${path}.`)
      : new SluiceError('bad_request', error.code === 'FST_ERR_BAD_URL' ? 'The request path is not valid percent-encoding.' : undefined);
  void reply.code(mapped.statusCode).header('content-type', 'application/json; charset=utf-8').send(mapped.toBody());
}

export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  answerWhenIdle(socket);
}

/** Node's response currently bound to a socket (internal, but what Node's own clientError default reads). */
type SocketWithResponse = Socket & { _httpMessage?: (NodeJS.EventEmitter & { req?: { complete?: boolean } }) | null };

/**
 * Pipelined requests parsed before the broken one may still be in flight on this connection: the 400
 * goes out only after their answers, so each client request gets its own answer in order. Writing it at
 * once (what Node and Fastify do) hands a valid request in flight the 400 meant for the broken one
 * behind it, and the client then drops events that are in fact being stored (found by src/fuzz/).
 */
function answerWhenIdle(socket: SocketWithResponse): void {
  const inFlight = socket._httpMessage;
  // A request still reading its body is the broken one itself (cut short, bad chunk): answer it now.
  if (inFlight && inFlight.req?.complete !== false) {
    let done = false;
    const next = (): void => {
      if (done) return;
      done = true;
      // After 'finish', Node binds the next queued response to the socket: look again.
      setImmediate(() => answerWhenIdle(socket));
    };
    inFlight.once('finish', next);
    inFlight.once('close', next);
    return;
  }
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(new SluiceError('bad_request', 'The request could not be read as HTTP/1.1 (framing, headers or Content-Length).').toBody());
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** The Fastify options that install both handlers. */
export const protocolErrorOptions = { frameworkErrors: frameworkErrorHandler, clientErrorHandler } as const;
