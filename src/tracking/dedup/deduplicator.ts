/**
 * messageId deduplication at ingest: drops events whose messageId the same source accepted recently
 * (`MessageIdWindow`), and rebuilds that memory after a restart from the tail of each source's log
 * stream, so a client re-sending what a killed server stored but never acknowledged is not stored twice.
 *
 * Only client-sent messageIds take part: one Sluice generated is fresh by construction.
 * The rebuild is lazy, per source, on its first request after start-up (sources that never send
 * again cost nothing); requests for that source wait for it, so no repeat can slip past.
 */
import type { EventLog } from '../../log/event-log.js';
import { MessageIdWindow } from './message-id-window.js';

/** A record about to be appended, with the messageId the client gave it (undefined when Sluice made one). */
export interface DedupCandidate {
  readonly clientMessageId?: string | undefined;
}

export interface Admission<T> {
  /** The records to append. */
  readonly fresh: T[];
  /** Reports the append's outcome: on failure the claimed ids are released, so a retry is stored. */
  settle(ok: boolean): void;
}

interface InFlight {
  readonly claimed: string[];
  readonly done: Promise<boolean>;
  readonly resolve: (ok: boolean) => void;
}

export interface DeduplicatorOptions {
  /** Total ids remembered across sources (memory bound, ~90 bytes each). */
  readonly capacity: number;
  /** How much of each stream's end is read to rebuild the window (default 32 MiB ≈ 50,000 events). */
  readonly seedBytes?: number;
  readonly onSeeded?: (sourceId: string, details: { records: number; ms: number }) => void;
}

const defaultSeedBytes = 32 * 1024 * 1024;
const seedPageBytes = 1024 * 1024;

export class Deduplicator {
  readonly #window: MessageIdWindow;
  readonly #log: EventLog;
  readonly #seedBytes: number;
  readonly #onSeeded: DeduplicatorOptions['onSeeded'];
  /** Requests whose claimed ids are being appended, per source. */
  readonly #inFlight = new Map<string, Set<InFlight>>();
  /** Sources whose window is rebuilt (true) or being rebuilt (the promise). */
  readonly #seeded = new Map<string, true | Promise<void>>();

  constructor(log: EventLog, options: DeduplicatorOptions) {
    this.#log = log;
    this.#window = new MessageIdWindow(options.capacity);
    this.#seedBytes = options.seedBytes ?? defaultSeedBytes;
    this.#onSeeded = options.onSeeded;
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
  admit<T extends DedupCandidate>(sourceId: string, records: readonly T[]): Admission<T> | Promise<Admission<T>> {
    const claimed: string[] = [];
    const keep = new Array<boolean>(records.length);
    let waitingOn: InFlight[] | undefined;
    let waitingIndexes: number[] | undefined;
    for (let index = 0; index < records.length; index++) {
      const id = records[index]!.clientMessageId;
      if (id === undefined) keep[index] = true;
      else if (this.#window.claim(sourceId, id)) {
        claimed.push(id);
        keep[index] = true;
      } else {
        keep[index] = false;
        const original = this.#inFlightHolding(sourceId, id);
        if (original) {
          (waitingOn ??= []).push(original);
          (waitingIndexes ??= []).push(index);
        }
      }
    }
    if (!waitingOn) return this.#admission(sourceId, records, keep, claimed);
    return this.#afterOriginals(sourceId, records, keep, claimed, waitingOn, waitingIndexes!);
  }

  async #afterOriginals<T extends DedupCandidate>(
    sourceId: string,
    records: readonly T[],
    keep: boolean[],
    claimed: string[],
    originals: InFlight[],
    indexes: number[],
  ): Promise<Admission<T>> {
    // Hold our own claims while waiting: register first, so repeats of OUR ids wait for us in turn.
    const self = this.#register(sourceId, claimed);
    await Promise.all(originals.map((original) => original.done));
    for (const index of indexes) {
      const id = records[index]!.clientMessageId!;
      // The original failed and released it (or it succeeded and the id is remembered: a true repeat).
      // A third request may have claimed it since; then it is that one's to store.
      if (this.#window.claim(sourceId, id)) {
        self.claimed.push(id);
        keep[index] = true;
      }
    }
    return { fresh: records.filter((_, index) => keep[index]), settle: (ok) => this.#settle(sourceId, self, ok) };
  }

  #admission<T extends DedupCandidate>(sourceId: string, records: readonly T[], keep: boolean[], claimed: string[]): Admission<T> {
    const entry = claimed.length > 0 ? this.#register(sourceId, claimed) : undefined;
    const fresh = keep.every(Boolean) ? (records as T[]) : records.filter((_, index) => keep[index]);
    return { fresh, settle: (ok) => entry && this.#settle(sourceId, entry, ok) };
  }

  #register(sourceId: string, claimed: string[]): InFlight {
    let resolve!: (ok: boolean) => void;
    const done = new Promise<boolean>((settle) => (resolve = settle));
    const entry: InFlight = { claimed, done, resolve };
    let entries = this.#inFlight.get(sourceId);
    if (!entries) this.#inFlight.set(sourceId, (entries = new Set()));
    entries.add(entry);
    return entry;
  }

  #settle(sourceId: string, entry: InFlight, ok: boolean): void {
    if (!ok) this.#window.release(sourceId, entry.claimed);
    this.#inFlight.get(sourceId)?.delete(entry);
    entry.resolve(ok);
  }

  /** The in-flight request that claimed `id` (a linear scan, only on the rare repeat path). */
  #inFlightHolding(sourceId: string, id: string): InFlight | undefined {
    for (const entry of this.#inFlight.get(sourceId) ?? []) if (entry.claimed.includes(id)) return entry;
    return undefined;
  }

  async #seed(sourceId: string): Promise<void> {
    const started = performance.now();
    let offset = this.#log.tailOffset(sourceId, this.#seedBytes);
    let records = 0;
    for (;;) {
      const page = await this.#log.read(sourceId, offset, { maxBytes: seedPageBytes });
      if (page.length === 0) break;
      const ids: string[] = [];
      for (const record of page) {
        const id = messageIdOf(record.data);
        if (id !== undefined) ids.push(id);
      }
      this.#window.seed(sourceId, ids);
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
