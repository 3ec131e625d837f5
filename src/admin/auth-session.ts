/**
 * Where an admin session token travels: the `Authorization: Bearer` header (scripts, the CLI) or the
 * HttpOnly session cookie (the future web console). Only the token's hash is ever stored (ids.ts).
 *
 * CSRF: the cookie is `SameSite=Strict`, and a cookie alone authenticates only safe methods (GET, HEAD,
 * OPTIONS); a state-changing request carried by the cookie must also send the `X-Sluice-Csrf` header,
 * which a cross-site form cannot send and a cross-site script cannot send without a CORS preflight that
 * the admin API never grants.
 */
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'sluice_session';
export const CSRF_HEADER = 'x-sluice-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type TokenLookup =
  | { kind: 'token'; token: string }
  | { kind: 'none' }
  /** A cookie on an unsafe method without the CSRF header: refused, never looked up. */
  | { kind: 'csrf_missing' };

export function sessionTokenOf(request: FastifyRequest): TokenLookup {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? { kind: 'token', token: match[1]! } : { kind: 'none' };
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (cookie === undefined) return { kind: 'none' };
  if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] === undefined) return { kind: 'csrf_missing' };
  return { kind: 'token', token: cookie };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeCookieValue(part.slice(separator + 1).trim());
  }
  return undefined;
}

/**
 * Percent-decodes a cookie value; one that is not valid percent-encoding (`%`, `%E0%A4%A`) is kept as
 * sent. It can never be a token we issued, so it fails the lookup as any unknown token does (401),
 * instead of decodeURIComponent's URIError becoming a 500 (found by the fuzz suite, src/fuzz/).
 */
function decodeCookieValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function sessionCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const attributes = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/api', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', { maxAgeSeconds: 0, secure });
