/**
 * The client address stored as `context.ip`: the socket's peer, or — only when the operator says a
 * proxy sits in front (SLUICE_TRUST_PROXY) — the first address of X-Forwarded-For.
 */
import type { IncomingMessage } from 'node:http';

export function clientIp(request: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress;
}
