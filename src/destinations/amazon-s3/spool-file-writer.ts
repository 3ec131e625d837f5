/**
 * One day's object written straight into its spool file with blocking calls, for the spool thread
 * (spool-worker.ts): NDJSON cut by the shared LineChunker, each chunk deflated in turn
 * (chunked-gzip.ts) and written, counted and MD5-hashed as it reaches the file. The bytes equal what
 * the event loop's NdjsonGzipEncoder writes for the same lines, level and chunk size.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { deflateChunk, GZIP_HEADER, newMemberState, type MemberState } from '../gzip/chunked-gzip.js';
import { LineChunker } from '../gzip/line-chunker.js';

export interface SpoolFileTotals {
  readonly events: number;
  /** Bytes of the file: the object as stored. */
  readonly bytes: number;
  /** Base64 MD5 of the file, when asked for. */
  readonly md5: string | undefined;
}

export class SpoolFileWriter {
  readonly #fd: number;
  readonly #level: number;
  readonly #hash: Hash | undefined;
  readonly #member: MemberState = newMemberState();
  readonly #chunker: LineChunker;
  #events = 0;
  #bytes = 0;
  #closed = false;

  /**
   * Creates `file` (it must not exist). `chunk` is this writer's memory to cut lines into, of at least
   * `chunkBytes`: each full chunk is deflated before the next is filled, so one buffer serves.
   */
  constructor(file: string, options: { level: number; chunkBytes: number; md5: boolean; chunk: Buffer }) {
    this.#level = options.level;
    this.#hash = options.md5 ? createHash('md5') : undefined;
    this.#fd = openSync(file, 'wx');
    const chunk = options.chunk.subarray(0, options.chunkBytes);
    this.#chunker = new LineChunker(options.chunkBytes, () => chunk, (full) => this.#write(deflateChunk(full, this.#level, false, this.#member)));
    this.#write(GZIP_HEADER);
  }

  writeLine(line: Uint8Array): void {
    this.#events++;
    this.#chunker.write(line);
  }

  /** Writes the last chunk and the trailer, closes the file; the totals describe it. */
  finish(): SpoolFileTotals {
    const { rest } = this.#chunker.finish();
    this.#write(deflateChunk(rest, this.#level, true, this.#member));
    this.#close();
    return { events: this.#events, bytes: this.#bytes, md5: this.#hash?.digest('base64') };
  }

  /** Closes the file without finishing it (the caller removes the spool directory). */
  abandon(): void {
    if (!this.#closed) this.#close();
  }

  #write(bytes: Buffer): void {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(this.#fd, bytes, written, bytes.byteLength - written);
    this.#hash?.update(bytes);
    this.#bytes += bytes.byteLength;
  }

  #close(): void {
    this.#closed = true;
    closeSync(this.#fd);
  }
}
