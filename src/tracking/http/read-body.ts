/**
 * Reads a Tracking API request body: content type and encoding checks, a hard byte cap while reading,
 * gzip decompression capped at the same limit, and the one `JSON.parse` of the request (it replaces
 * Fastify's own JSON parsing in the tracking context).
 *
 * Memory is bounded by the request limit: the raw body is never buffered past it, and gzip goes
 * through zlib's `maxOutputLength`, which stops inflating as soon as the output would exceed the limit,
 * so a gzip bomb costs at most ~limit bytes and answers 400 `request_too_large`.
 */
import type { Readable } from 'node:stream';
import { gunzip } from 'node:zlib';
import { SluiceError } from '../../errors/index.js';

type Headers = Record<string, string | string[] | undefined>;

/**
 * application/json, text/plain (what analytics.js sends) or none; charset and other params ignored.
 * One narrow exception: `@rudderstack/rudder-sdk-node` posts its gzip Buffer through axios, which labels
 * it `application/x-www-form-urlencoded`; a gzip body under that label is read as JSON too (a real form
 * body is never gzip-compressed JSON, and anything else still fails to parse as `invalid_json`).
 */
export function assertSupportedContentType(headers: Headers, gzip: boolean): void {
  const header = headers['content-type'];
  if (header === undefined) return;
  const mediaType = String(header).split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType === 'text/plain' || mediaType === '') return;
  if (gzip && mediaType === 'application/x-www-form-urlencoded') return;
  throw new SluiceError('unsupported_content_type', `Content-Type ${JSON.stringify(mediaType)} is not accepted; send application/json or text/plain holding JSON.`);
}

function isGzip(headers: Headers): boolean {
  const header = headers['content-encoding'];
  if (header === undefined) return false;
  const encoding = String(header).trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return false;
  if (encoding === 'gzip' || encoding === 'x-gzip') return true;
  throw new SluiceError('unsupported_content_encoding', `Content-Encoding ${JSON.stringify(encoding)} is not accepted; send gzip or none.`);
}

function tooLarge(limit: number): SluiceError {
  return new SluiceError('request_too_large', `The request body exceeds the limit of ${limit} bytes (after decompression).`);
}

/**
 * Where a body of `bytes` is gathered: a Buffer of exactly that length, or undefined for a fresh one
 * (or the one chunk it came in).
 */
export type BodyAllocator = (bytes: number) => Buffer | undefined;

/** Reads the stream into one Buffer, failing with `request_too_large` as soon as it passes `limit`. */
export function readCapped(stream: Readable, limit: number, allocate?: BodyAllocator): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
      stream.off('close', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        // Let the rest flow to nowhere so the connection can answer; nothing more is kept.
        stream.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const into = allocate?.(total);
      if (into) {
        let at = 0;
        for (const chunk of chunks) at += chunk.copy(into, at);
        resolve(into);
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAborted = (): void => onError(new SluiceError('bad_request', 'The client aborted the request before its body ended.'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onAborted);
    // A connection that closes before 'end' must not leave the read pending forever.
    stream.on('close', onAborted);
  });
}

function gunzipCapped(compressed: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(compressed, { maxOutputLength: limit }, (error, inflated) => {
      if (!error) return resolve(inflated);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return reject(tooLarge(limit));
      reject(new SluiceError('invalid_gzip', `The gzip body could not be decompressed: ${error.message}`));
    });
  });
}

/**
 * Checks the headers, reads, decompresses and measures the body; returns the decoded bytes. `allocate`
 * gathers an uncompressed body (a gzip body inflates into zlib's own buffer).
 */
export async function readBodyBytes(stream: Readable, headers: Headers, limit: number, allocate?: BodyAllocator): Promise<Buffer> {
  const gzip = isGzip(headers);
  assertSupportedContentType(headers, gzip);
  const declared = Number(headers['content-length']);
  // A compressed body larger than the limit is refused too: JSON compresses, it never grows.
  if (declared > limit) {
    stream.resume();
    throw tooLarge(limit);
  }
  if (!gzip) return readCapped(stream, limit, allocate);
  return gunzipCapped(await readCapped(stream, limit), limit);
}

/** The single JSON.parse of a request: the value, and the text it was read from (for splicing stored lines). */
export function parseJsonBody(bytes: Buffer): { readonly value: unknown; readonly text: string } {
  if (bytes.length === 0) throw new SluiceError('invalid_json', 'The body is empty; send a JSON object.');
  const text = bytes.toString('utf8');
  try {
    return { value: JSON.parse(text), text };
  } catch (error) {
    throw new SluiceError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
}
