/**
 * A raw HTTP/1.1 client over `net`, so the fuzzers can send what no well-behaved client library would:
 * lying or duplicated Content-Length, bodies cut short, bytes that are not UTF-8, odd header values.
 * Every request has a deadline: a server that neither answers nor closes within it is a hang, which is
 * reported as such (never waited out).
 */
import { connect } from 'node:net';

export interface RawRequest {
  readonly method: string;
  /** The request target as sent (not re-encoded). */
  readonly path: string;
  /** Header lines in order; duplicates allowed. `Host` and `Connection: close` (or keep-alive) are added. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
  /** Content-Length to declare; default the body's length. `null`: send no Content-Length at all. */
  readonly contentLength?: number | null;
  /** Send only this many body bytes, then half-close (a client that gives up mid-body). */
  readonly sendBodyBytes?: number;
}

export type RawOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Record<string, string>; readonly body: Buffer; readonly consumed?: number }
  /** The server closed the connection without a (complete) response. */
  | { readonly kind: 'closed'; readonly received: Buffer }
  | { readonly kind: 'timeout'; readonly received: Buffer };

export function encodeRequest(port: number, request: RawRequest, keepAlive = false): { head: Buffer; body: Buffer } {
  const body = request.body ?? Buffer.alloc(0);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, keepAlive ? 'Connection: keep-alive' : 'Connection: close'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const length = request.contentLength === undefined ? body.length : request.contentLength;
  if (length !== null) lines.push(`Content-Length: ${length}`);
  // latin1 keeps every byte of a header value as given (a header is bytes, not UTF-8, on the wire).
  return { head: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body: body.subarray(0, request.sendBodyBytes ?? body.length) };
}

export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawOutcome> {
  const { head, body } = encodeRequest(port, request);
  const noBody = request.method === 'HEAD';
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (outcome: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', received: Buffer.concat(chunks) }), timeoutMs);
    socket.on('connect', () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
      if (request.sendBodyBytes !== undefined) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseResponse(Buffer.concat(chunks), noBody);
      if (parsed) finish(parsed);
    });
    // A reset after the response was read is fine; before it, the outcome is what was received.
    socket.on('error', () => finish(parseResponse(Buffer.concat(chunks), noBody) ?? { kind: 'closed', received: Buffer.concat(chunks) }));
    socket.on('close', () => finish(parseResponse(Buffer.concat(chunks), noBody) ?? { kind: 'closed', received: Buffer.concat(chunks) }));
  });
}

/** A complete response in `bytes` (Content-Length or chunked), or undefined while it is incomplete. */
export function parseResponse(bytes: Buffer, noBody = false): RawOutcome | undefined {
  const total = bytes.length;
  // Interim answers (`100 Continue` to an `Expect` header) precede the real one: skip them.
  while (/^HTTP\/1\.[01] 1\d\d /.test(bytes.subarray(0, 16).toString('latin1'))) {
    const interimEnd = bytes.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    bytes = bytes.subarray(interimEnd + 4);
  }
  const skipped = total - bytes.length;
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!status) return { kind: 'closed', received: bytes };
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  // HEAD answers and 204/304 carry no body, whatever Content-Length says.
  if (noBody || status[1] === '204' || status[1] === '304') return { kind: 'response', status: Number(status[1]), headers, body: Buffer.alloc(0), consumed: skipped + end + 4 };
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const body = dechunk(rest);
    return body ? { kind: 'response', status: Number(status[1]), headers, body: body.bytes, consumed: skipped + end + 4 + body.length } : undefined;
  }
  const length = Number(headers['content-length'] ?? 0);
  if (rest.length < length) return undefined;
  return { kind: 'response', status: Number(status[1]), headers, body: rest.subarray(0, length), consumed: skipped + end + 4 + length };
}

function dechunk(bytes: Buffer): { bytes: Buffer; length: number } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) {
      const trailerEnd = bytes.indexOf('\r\n\r\n', lineEnd);
      return { bytes: Buffer.concat(parts), length: trailerEnd < 0 ? bytes.length : trailerEnd + 4 };
    }
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Several requests written back to back on one keep-alive connection (HTTP pipelining), answers read
 * in order. Returns one outcome per request: answers until the server closes (e.g. after an answer
 * with `Connection: close`), then `closed` for the requests it never answered.
 */
export function sendPipelined(port: number, requests: readonly RawRequest[], timeoutMs: number): Promise<RawOutcome[]> {
  const wire = Buffer.concat(
    requests.flatMap((request) => {
      const { head, body } = encodeRequest(port, request, true);
      return [head, body];
    }),
  );
  return new Promise((resolve) => {
    const outcomes: RawOutcome[] = [];
    let pending = Buffer.alloc(0);
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (kind: 'closed' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      while (outcomes.length < requests.length) outcomes.push({ kind, received: outcomes.length === 0 ? pending : Buffer.alloc(0) });
      resolve(outcomes);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => socket.write(wire));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const parsed = parseResponse(pending, requests[outcomes.length]?.method === 'HEAD');
        if (!parsed || parsed.kind !== 'response' || parsed.consumed === undefined) break;
        outcomes.push(parsed);
        pending = pending.subarray(parsed.consumed);
        if (outcomes.length === requests.length) return finish('closed');
      }
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
  });
}
