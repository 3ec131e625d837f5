/**
 * messageId deduplication at ingest: drops events whose messageId the same source accepted recently
 * (`MessageIdWindow`), and rebuilds that memory after a restart from the tail of each source's log
 * stream, so a client re-sending what a killed server stored but never acknowledged is not stored twice.
 *
 * Only client-sent messageIds take part: one Sluice generated is fresh by construction. Ids are compared
 * by 64-bit fingerprint (computed by the ingest worker when there is one).
 * The rebuild is lazy, per source, on its first request after start-up (sources that never send
 * again cost nothing); requests for that source wait for it, so no repeat can slip past.
 */
import type { EventLog } from '../../log/event-log.js';
import { writeFingerprint } from './message-id-fingerprint.js';
import { MessageIdWindow } from './message-id-window.js';

/**
 * Fingerprints of the records of one request, two numbers per record (see `message-id-fingerprint.ts`);
 * (0, 0) for a record whose messageId Sluice generated.
 */
export type Fingerprints = Uint32Array;

/** Fingerprints of records carrying the client's messageId (undefined when Sluice made one). */
export function fingerprintsOf(records: readonly { readonly clientMessageId?: string | undefined }[]): Fingerprints {
  const fingerprints = new Uint32Array(records.length * 2);
  for (let index = 0; index < records.length; index++) {
    const id = records[index]!.clientMessageId;
    if (id !== undefined) writeFingerprint(id, fingerprints, index * 2);
  }
  return fingerprints;
}

export interface Admission<T> {
  /** The records to append. */
  readonly fresh: T[];
  /** Reports the append's outcome: on failure the claimed ids are released, so a retry is stored. */
  settle(ok: boolean): void;
}

interface InFlight {
  /** Fingerprints claimed by the request, two numbers each, in the first `claimedLength` numbers. */
  readonly claimed: Uint32Array;
  claimedLength: number;
  readonly done: Promise<boolean>;
  readonly resolve: (ok: boolean) => void;
}

export interface DeduplicatorOptions {
  /** Total ids remembered across sources (memory bound, 45–75 bytes each). */
  readonly capacity: number;
  /** How much of each stream's end is read to rebuild the window (default 32 MiB ≈ 50,000 events). */
  readonly seedBytes?: number;
  readonly onSeeded?: (sourceId: string, details: { records: number; ms: number }) => void;
}

/** How much of each stream's end is read back by default; the log keeps that much even once delivered (server.ts). */
export const defaultSeedBytes = 32 * 1024 * 1024;
const seedPageBytes = 1024 * 1024;

export class Deduplicator {
  readonly #window: MessageIdWindow;
  readonly #log: EventLog;
  readonly #seedBytes: number;
  readonly #onSeeded: DeduplicatorOptions['onSeeded'];
  /** Requests whose claimed ids are being appended, per source. */
  readonly #inFlight = new Map<string, Set<InFlight>>();
  /** Each source's number in the window (sources are few; the map is never trimmed). */
  readonly #sourceNumbers = new Map<string, number>();
  /** Sources whose window is rebuilt (true) or being rebuilt (the promise). */
  readonly #seeded = new Map<string, true | Promise<void>>();

  constructor(log: EventLog, options: DeduplicatorOptions) {
    this.#log = log;
    this.#window = new MessageIdWindow(options.capacity);
    this.#seedBytes = options.seedBytes ?? defaultSeedBytes;
    this.#onSeeded = options.onSeeded;
  }

  /**
   * Reads back the recent ids of `streams` now rather than on each one's first request: a stream's
   * segments may be delivered and deleted before a client retries into it (after a crash, say), and
   * ids read back only then would miss the very events the retries repeat. Never rejects: a stream
   * that fails is read again on its first request.
   */
  async seedAll(streams: readonly string[]): Promise<void> {
    await Promise.all(streams.map((stream) => this.ready(stream)?.catch(() => undefined)));
  }

  /** Undefined when `sourceId` is ready (the hot path does not await); else a promise to wait for. */
  ready(sourceId: string): Promise<void> | undefined {
    const state = this.#seeded.get(sourceId);
    if (state === true) return undefined;
    if (state) return state;
    const seeding = this.#seed(sourceId).then(
      () => void this.#seeded.set(sourceId, true),
      (error: unknown) => {
        // Let the next request try again rather than remember a failure.
        this.#seeded.delete(sourceId);
        throw error;
      },
    );
    this.#seeded.set(sourceId, seeding);
    return seeding;
  }

  /**
   * Admits `records` for an append: returns the ones to store (repeats dropped, including repeats
   * within `records`, in order) and `settle`, which the caller MUST call with the append's outcome.
   * Call only after `ready(sourceId)`.
   *
   * A repeat of an id whose first request is still appending waits for that append: if it fails, the
   * id is released and this request stores the event itself. Otherwise a retry answered "stored"
   * while the original then failed would be an acknowledged event lost. Synchronous when no such
   * repeat is in flight (every request but rare retries races).
   */
  admit<T>(sourceId: string, records: readonly T[], fingerprints: Fingerprints): Admission<T> | Promise<Admission<T>> {
    const source = this.#sourceNumber(sourceId);
    const window = this.#window;
    // Room for every record's id: a request claims each at most once (a typed array, not a growing one).
    const claimed = new Uint32Array(records.length * 2);
    window.warm(source, fingerprints, records.length);
    let claimedLength = 0;
    let keep: boolean[] | undefined;
    let waitingOn: InFlight[] | undefined;
    let waitingIndexes: number[] | undefined;
    for (let index = 0; index < records.length; index++) {
      const high = fingerprints[index * 2]!;
      const low = fingerprints[index * 2 + 1]!;
      if ((high === 0 && low === 0) || window.claim(source, high, low)) {
        if (high !== 0 || low !== 0) {
          claimed[claimedLength++] = high;
          claimed[claimedLength++] = low;
        }
        keep?.push(true);
        continue;
      }
      // First repeat: from here on, track which records stay (the common case allocates nothing).
      keep ??= new Array<boolean>(index).fill(true);
      keep.push(false);
      const original = this.#inFlightHolding(sourceId, high, low);
      if (original) {
        (waitingOn ??= []).push(original);
        (waitingIndexes ??= []).push(index);
      }
    }
    const entry = claimedLength > 0 || waitingOn ? this.#register(sourceId, claimed, claimedLength) : undefined;
    const settle = (ok: boolean) => entry && this.#settle(sourceId, source, entry, ok);
    if (!waitingOn) return { fresh: keep ? records.filter((_, index) => keep![index]) : (records as T[]), settle };
    return this.#afterOriginals(source, records, fingerprints, keep!, entry!, waitingOn, waitingIndexes!, settle);
  }

  /** Repeats of ids other requests are still appending: wait for them, then take over what failed. */
  async #afterOriginals<T>(
    source: number,
    records: readonly T[],
    fingerprints: Fingerprints,
    keep: boolean[],
    self: InFlight,
    originals: InFlight[],
    indexes: number[],
    settle: (ok: boolean) => void,
  ): Promise<Admission<T>> {
    // Registered before waiting, so repeats of OUR ids wait for us in turn (waits only go to earlier
    // requests: no cycle).
    await Promise.all(originals.map((original) => original.done));
    for (const index of indexes) {
      const high = fingerprints[index * 2]!;
      const low = fingerprints[index * 2 + 1]!;
      // Claimable again only if the original failed and released it; a third request may have claimed
      // it since, and then it is that one's to store.
      if (this.#window.claim(source, high, low)) {
        self.claimed[self.claimedLength++] = high;
        self.claimed[self.claimedLength++] = low;
        keep[index] = true;
      }
    }
    return { fresh: records.filter((_, index) => keep[index]), settle };
  }

  #register(sourceId: string, claimed: Uint32Array, claimedLength: number): InFlight {
    let resolve!: (ok: boolean) => void;
    const done = new Promise<boolean>((settle) => (resolve = settle));
    const entry: InFlight = { claimed, claimedLength, done, resolve };
    let entries = this.#inFlight.get(sourceId);
    if (!entries) this.#inFlight.set(sourceId, (entries = new Set()));
    entries.add(entry);
    return entry;
  }

  #settle(sourceId: string, source: number, entry: InFlight, ok: boolean): void {
    if (!ok) for (let at = 0; at < entry.claimedLength; at += 2) this.#window.release(source, entry.claimed[at]!, entry.claimed[at + 1]!);
    this.#inFlight.get(sourceId)?.delete(entry);
    entry.resolve(ok);
  }

  /** The in-flight request that claimed this id (a linear scan, only on the rare repeat path). */
  #inFlightHolding(sourceId: string, high: number, low: number): InFlight | undefined {
    for (const entry of this.#inFlight.get(sourceId) ?? []) {
      const claimed = entry.claimed;
      for (let at = 0; at < entry.claimedLength; at += 2) if (claimed[at] === high && claimed[at + 1] === low) return entry;
    }
    return undefined;
  }

  #sourceNumber(sourceId: string): number {
    let number = this.#sourceNumbers.get(sourceId);
    if (number === undefined) this.#sourceNumbers.set(sourceId, (number = this.#sourceNumbers.size));
    return number;
  }

  async #seed(sourceId: string): Promise<void> {
    const started = performance.now();
    let offset = this.#log.tailOffset(sourceId, this.#seedBytes);
    let records = 0;
    for (;;) {
      const page = await this.#log.read(sourceId, offset, { maxBytes: seedPageBytes });
      if (page.length === 0) break;
      const source = this.#sourceNumber(sourceId);
      const fingerprint = new Uint32Array(2);
      for (const record of page) {
        const id = messageIdOf(record.data);
        if (id === undefined) continue;
        writeFingerprint(id, fingerprint, 0);
        this.#window.claim(source, fingerprint[0]!, fingerprint[1]!);
      }
      records += page.length;
      offset = page.at(-1)!.nextOffset;
    }
    this.#onSeeded?.(sourceId, { records, ms: Math.round(performance.now() - started) });
  }
}

/** The stored event's messageId (every stored event has one; a record that is not an event has none). */
function messageIdOf(data: Buffer): string | undefined {
  try {
    const event: unknown = JSON.parse(data.toString('utf8'));
    const id = (event as { messageId?: unknown } | null)?.messageId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
