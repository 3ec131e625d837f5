/**
 * An in-memory EventLog: the second implementation the conformance suite keeps honest, and the log
 * for unit tests whose subject is not the log. Not durable, so never used by `sluice serve`.
 * Offsets are record sequence numbers (contiguous), unlike the file log's byte positions, which keeps
 * callers from assuming either.
 */
import { SluiceError } from '../errors/index.js';
import type { AppendRecord, AppendResult, Backlog, EventLog, LogUsage, PackedRecords, ReadOptions, Span, SpanOptions, StoredRecord } from './event-log.js';
import { packedFramedSize } from './frame-codec.js';
import { assertSpanOptions } from './span-options.js';

interface MemoryStream {
  /** Offset of records[0]. */
  start: number;
  records: { timestamp: number; data: Buffer }[];
  cursors: Map<string, number>;
}

export class MemoryEventLog implements EventLog {
  readonly #streams = new Map<string, MemoryStream>();
  readonly #listeners = new Set<(stream: string, endOffset: number) => void>();
  readonly #maxBytes: number;
  #bytes = 0;
  #closed = false;

  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  }

  async append(stream: string, records: readonly AppendRecord[]): Promise<AppendResult> {
    this.#assertOpen();
    // Validate every record before storing any: an append is all or nothing.
    records.forEach(assertValidRecord);
    const size = records.reduce((sum, record) => sum + record.data.byteLength, 0);
    if (this.#bytes + size > this.#maxBytes) throw new SluiceError('log_full', undefined, { retryAfterSeconds: 1 });
    const state = this.#stream(stream);
    const firstOffset = state.start + state.records.length;
    for (const record of records) state.records.push({ timestamp: record.timestamp, data: Buffer.from(record.data) });
    this.#bytes += size;
    const nextOffset = state.start + state.records.length;
    for (const listener of this.#listeners) listener(stream, nextOffset);
    return { firstOffset, nextOffset };
  }

  async appendPacked(stream: string, packed: PackedRecords): Promise<AppendResult> {
    this.#assertOpen();
    // The file log's checks, so both refuse the same packings.
    packedFramedSize(packed);
    const { bytes, positions, timestamp } = packed;
    const records: AppendRecord[] = [];
    for (let index = 0; index < positions.length; index += 2) {
      records.push({ timestamp, data: bytes.subarray(positions[index]!, positions[index]! + positions[index + 1]!) });
    }
    return this.append(stream, records);
  }

  async read(stream: string, fromOffset: number, options: ReadOptions = {}): Promise<StoredRecord[]> {
    this.#assertOpen();
    const state = this.#streams.get(stream);
    if (!state) return [];
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let offset = Math.max(fromOffset, state.start); offset < state.start + state.records.length; offset++) {
      const record = state.records[offset - state.start]!;
      if (out.length >= (options.maxRecords ?? Infinity)) break;
      if (out.length > 0 && bytes + record.data.byteLength > (options.maxBytes ?? Infinity)) break;
      bytes += record.data.byteLength;
      out.push({ offset, nextOffset: offset + 1, timestamp: record.timestamp, data: record.data });
    }
    return out;
  }

  tailOffset(stream: string, maxBytes: number): number {
    const state = this.#streams.get(stream);
    if (!state) return 0;
    let offset = state.start + state.records.length;
    let bytes = 0;
    while (offset > state.start && bytes + state.records[offset - 1 - state.start]!.data.byteLength <= maxBytes) {
      offset--;
      bytes += state.records[offset - state.start]!.data.byteLength;
    }
    return offset;
  }

  startOffset(stream: string): number {
    return this.#streams.get(stream)?.start ?? 0;
  }

  endOffset(stream: string): number {
    const state = this.#streams.get(stream);
    return state ? state.start + state.records.length : 0;
  }

  async backlog(stream: string, fromOffset: number): Promise<Backlog> {
    const records = await this.read(stream, fromOffset);
    return { records: records.length, bytes: records.reduce((sum, record) => sum + record.data.byteLength, 0) };
  }

  async span(stream: string, fromOffset: number, options: SpanOptions): Promise<Span> {
    this.#assertOpen();
    assertSpanOptions(options);
    const state = this.#streams.get(stream);
    const start = state?.start ?? 0;
    const end = Math.min(state ? state.start + state.records.length : 0, options.endOffset ?? Number.POSITIVE_INFINITY);
    const firstOffset = Math.max(fromOffset, start);
    let offset = firstOffset;
    let bytes = 0;
    let weight = 0;
    let full = false;
    for (; offset < end; offset++) {
      const size = state!.records[offset - start]!.data.byteLength;
      const recordWeight = size + (options.bytesPerRecord ?? 0);
      if (offset > firstOffset && weight + recordWeight > options.maxWeight) {
        full = true;
        break;
      }
      weight += recordWeight;
      bytes += size;
    }
    const records = Math.max(offset - firstOffset, 0);
    return records === 0 ? { firstOffset, nextOffset: firstOffset, records: 0, bytes: 0, full: false } : { firstOffset, nextOffset: offset, records, bytes, full };
  }

  streams(): string[] {
    return [...this.#streams.keys()];
  }

  async commitCursor(stream: string, consumer: string, offset: number): Promise<void> {
    this.#assertOpen();
    const state = this.#stream(stream);
    state.cursors.set(consumer, offset);
    this.#trim(state);
  }

  cursor(stream: string, consumer: string): number | undefined {
    return this.#streams.get(stream)?.cursors.get(consumer);
  }

  async removeConsumer(stream: string, consumer: string): Promise<void> {
    const state = this.#streams.get(stream);
    if (!state) return;
    state.cursors.delete(consumer);
    this.#trim(state);
  }

  onAppend(listener: (stream: string, endOffset: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  usage(): LogUsage {
    return { bytes: this.#bytes, maxBytes: this.#maxBytes };
  }

  isWritable(): boolean {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  /** Drops records behind every consumer's cursor, as the file log deletes whole segments. */
  #trim(state: MemoryStream): void {
    if (state.cursors.size === 0) return;
    const lowest = Math.min(...state.cursors.values());
    while (state.start < lowest && state.records.length > 0) {
      this.#bytes -= state.records.shift()!.data.byteLength;
      state.start++;
    }
  }

  #stream(name: string): MemoryStream {
    let state = this.#streams.get(name);
    if (!state) {
      state = { start: 0, records: [], cursors: new Map() };
      this.#streams.set(name, state);
    }
    return state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError('log_unavailable', 'The event log is closed.');
  }
}

function assertValidRecord(record: AppendRecord, index: number): void {
  if (!(record.data instanceof Uint8Array)) throw new TypeError(`records[${index}].data must be a Uint8Array.`);
  if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
    throw new RangeError(`records[${index}].timestamp must be a non-negative integer (ms since the epoch).`);
  }
}
