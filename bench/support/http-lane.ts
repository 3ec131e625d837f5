/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time, for the paced load generator
 * (`paced-load.ts`). It exists because node:http's client costs ~75 µs of CPU per request: on a 2-core
 * machine it could not offer half of the baseline server's maximum while the server held the other core
 * (autocannon, which reaches that maximum, also writes to raw sockets). The request head is built once by
 * the caller; the response reader understands what a load generator needs: the status, a Content-Length
 * or chunked body (or one that ends with the connection), interim 1xx answers, and `Connection: close`.
 * A connection the server closed is reopened on the next request.
 */
import net from 'node:net';

export type LaneOutcome = { readonly status: number; readonly error?: undefined } | { readonly status?: undefined; readonly error: Error };

/** The request head (request line and headers, ending with the blank line) for a body of `bodyLength` bytes. */
export function requestHead(url: URL, method: string, headers: Readonly<Record<string, string>>, bodyLength: number): Buffer {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) {
    if (!['host', 'content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${bodyLength}`, '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD_BYTES = 64 * 1024;

type Parsed =
  | { readonly done: false; readonly untilClose?: number }
  | { readonly done: true; readonly status: number; readonly close: boolean }
  | { readonly done: 'error'; readonly error: Error };

/** Parses one response from the start of `buffer` (interim 1xx answers skipped). */
export function parseResponse(buffer: Buffer): Parsed {
  let start = 0;
  for (;;) {
    const headEnd = buffer.indexOf(HEADER_END, start);
    if (headEnd === -1) return buffer.length - start > MAX_HEAD_BYTES ? { done: 'error', error: new Error('response head too large') } : { done: false };
    const lines = buffer.toString('latin1', start, headEnd).split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!statusLine) return { done: 'error', error: new Error(`bad status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`) };
    const status = Number(statusLine[2]);
    let contentLength: number | undefined;
    let chunked = false;
    let close = statusLine[1] === '0';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length') contentLength = Number(value);
      else if (name === 'transfer-encoding') chunked = value.split(',').some((coding) => coding.trim() === 'chunked');
      else if (name === 'connection') close = value.split(',').some((token) => token.trim() === 'close') ? true : value.includes('keep-alive') ? false : close;
    }
    const bodyStart = headEnd + HEADER_END.length;
    if (status >= 100 && status < 200) {
      start = bodyStart;
      continue;
    }
    if (status === 204 || status === 304) return { done: true, status, close };
    if (chunked) {
      let at = bodyStart;
      for (;;) {
        const lineEnd = buffer.indexOf(CRLF, at);
        if (lineEnd === -1) return { done: false };
        const size = Number.parseInt(buffer.toString('latin1', at, lineEnd).split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) return { done: 'error', error: new Error('bad chunk size') };
        at = lineEnd + CRLF.length;
        if (size === 0) {
          // Trailers (usually none), then the blank line.
          if (buffer.length >= at + CRLF.length && buffer.subarray(at, at + CRLF.length).equals(CRLF)) return { done: true, status, close };
          return buffer.indexOf(HEADER_END, at - CRLF.length) === -1 ? { done: false } : { done: true, status, close };
        }
        if (buffer.length < at + size + CRLF.length) return { done: false };
        at += size + CRLF.length;
      }
    }
    if (contentLength !== undefined) {
      if (!Number.isFinite(contentLength) || contentLength < 0) return { done: 'error', error: new Error('bad content-length') };
      return buffer.length >= bodyStart + contentLength ? { done: true, status, close } : { done: false };
    }
    // Neither: the body ends when the server closes the connection.
    return { done: false, untilClose: status };
  }
}

export class HttpLane {
  #socket: net.Socket | undefined;
  #received: Buffer[] = [];
  #receivedBytes = 0;
  #pending: ((outcome: LaneOutcome) => void) | undefined;
  #sentAt = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Opens the connection now (so the first paced request does not pay for it); resolves once connected. */
  connect(): Promise<void> {
    const socket = this.#open();
    if (!socket.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
  }

  /** Sends one request (head and body as built by the caller); resolves when its answer has fully arrived. */
  send(head: Buffer, body: Buffer, now: number): Promise<LaneOutcome> {
    if (this.#pending) throw new Error('lane busy');
    const socket = this.#open();
    this.#received = [];
    this.#receivedBytes = 0;
    this.#sentAt = now;
    return new Promise((resolve) => {
      this.#pending = resolve;
      socket.write(Buffer.concat([head, body], head.length + body.length));
    });
  }

  /** Fails the request in flight if it was sent more than `timeoutMs` before `now` (the caller sweeps). */
  expire(now: number, timeoutMs: number): void {
    if (this.#pending && now - this.#sentAt > timeoutMs) this.#fail(new Error(`timeout after ${timeoutMs} ms`));
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #open(): net.Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (!this.#pending) return; // nothing asked: ignore (a stray byte after a response we gave up on)
      this.#received.push(chunk);
      this.#receivedBytes += chunk.length;
      const buffer = this.#received.length === 1 ? chunk : Buffer.concat(this.#received, this.#receivedBytes);
      this.#received = [buffer];
      const parsed = parseResponse(buffer);
      if (parsed.done === true) {
        if (parsed.close) this.close();
        this.#finish({ status: parsed.status });
      } else if (parsed.done === 'error') this.#fail(parsed.error);
    });
    socket.on('error', (error) => {
      if (this.#socket === socket) this.#fail(error);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (!this.#pending) return;
      const parsed = parseResponse(Buffer.concat(this.#received, this.#receivedBytes));
      if (parsed.done === true) this.#finish({ status: parsed.status });
      else if (parsed.done === false && parsed.untilClose !== undefined) this.#finish({ status: parsed.untilClose });
      else this.#finish({ error: new Error('connection closed before the response ended') });
    });
    this.#socket = socket;
    return socket;
  }

  #finish(outcome: LaneOutcome): void {
    const resolve = this.#pending;
    this.#pending = undefined;
    this.#received = [];
    this.#receivedBytes = 0;
    resolve?.(outcome);
  }

  /** Fails the request in flight and drops the connection (what is left on it cannot be trusted). */
  #fail(error: Error): void {
    this.close();
    this.#finish({ error });
  }
}
