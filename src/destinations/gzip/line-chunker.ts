/**
 * Cuts NDJSON (each line followed by `\n`) into fixed-size chunks for chunked gzip (chunked-gzip.ts).
 * Where the chunks end decides the compressed bytes, so every writer of delivery objects cuts with
 * this one class: the event loop's encoder (amazon-s3/encoder.ts) and the spool thread's
 * (amazon-s3/spool-file-writer.ts) then write byte-identical objects for the same lines.
 *
 * The rule: a chunk is handed out once it is full and a line has to go on (or, on the spanning path,
 * as soon as it is full); what is left at the end is the last chunk, possibly empty or full.
 */
const NEWLINE = 0x0a;

export class LineChunker {
  readonly chunkBytes: number;
  readonly #take: () => Buffer;
  readonly #emit: (full: Buffer) => void;
  #chunk: Buffer;
  #filled = 0;

  /**
   * `take` gives a buffer of at least `chunkBytes` to fill next; `emit` receives each full chunk (the
   * buffer `take` gave, now the emitter's: it is not written again).
   */
  constructor(chunkBytes: number, take: () => Buffer, emit: (full: Buffer) => void) {
    this.chunkBytes = chunkBytes;
    this.#take = take;
    this.#emit = emit;
    this.#chunk = take();
  }

  /** True when `line` and its newline go into the current chunk without filling it past its end. */
  fits(line: Uint8Array): boolean {
    return this.#filled + line.byteLength < this.chunkBytes;
  }

  /** The common case, for a line that `fits`: copies it and its newline. */
  append(line: Uint8Array): void {
    this.#chunk.set(line, this.#filled);
    this.#filled += line.byteLength;
    this.#chunk[this.#filled++] = NEWLINE;
  }

  /** A line that does not fit: emits each chunk as it fills. */
  appendSpanning(line: Uint8Array): void {
    let position = 0;
    while (position < line.byteLength) {
      const take = Math.min(line.byteLength - position, this.chunkBytes - this.#filled);
      this.#chunk.set(line.subarray(position, position + take), this.#filled);
      this.#filled += take;
      position += take;
      if (this.#filled === this.chunkBytes) this.#next();
    }
    // A chunk filled exactly by the last fast-path newline, then an empty line: hand it out first.
    if (this.#filled === this.chunkBytes) this.#next();
    this.#chunk[this.#filled++] = NEWLINE;
    if (this.#filled === this.chunkBytes) this.#next();
  }

  /** Appends `line` either way. */
  write(line: Uint8Array): void {
    if (this.fits(line)) this.append(line);
    else this.appendSpanning(line);
  }

  /**
   * Ends the chunking: the last chunk's bytes (a view of `chunk`, possibly empty) and the buffer they
   * lie in. Nothing may be written afterwards.
   */
  finish(): { rest: Buffer; chunk: Buffer } {
    const chunk = this.#chunk;
    const rest = chunk.subarray(0, this.#filled);
    this.#chunk = Buffer.alloc(0);
    this.#filled = 0;
    return { rest, chunk };
  }

  #next(): void {
    const full = this.#chunk.byteLength === this.chunkBytes ? this.#chunk : this.#chunk.subarray(0, this.chunkBytes);
    this.#chunk = this.#take();
    this.#filled = 0;
    this.#emit(full);
  }
}
