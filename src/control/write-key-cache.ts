/**
 * The Tracking API's view of sources: write key → {sourceId, workspaceId, enabled}, held in memory so
 * the hot path never touches the database. The store reloads it after each committed source change;
 * reloading all sources is cheap (one row per source) and can never drift from the table.
 */
import type { SourceDirectory, TrackedSource } from '../tracking/source-directory.js';

export class WriteKeyCache implements SourceDirectory {
  #byWriteKey = new Map<string, TrackedSource>();
  #readsStarted = 0;
  #appliedRead = 0;

  lookup(writeKey: string): TrackedSource | undefined {
    return this.#byWriteKey.get(writeKey);
  }

  /**
   * Call before reading the sources table; pass the ticket to `replaceAll`. With a connection pool two
   * reloads can finish out of order, and the one that read earlier must not overwrite a newer view.
   */
  beginRead(): number {
    return ++this.#readsStarted;
  }

  replaceAll(ticket: number, sources: Iterable<{ writeKey: string } & TrackedSource>): void {
    if (ticket < this.#appliedRead) return;
    this.#appliedRead = ticket;
    const next = new Map<string, TrackedSource>();
    for (const source of sources) {
      next.set(source.writeKey, Object.freeze({ sourceId: source.sourceId, workspaceId: source.workspaceId, enabled: source.enabled }));
    }
    this.#byWriteKey = next;
  }

  get size(): number {
    return this.#byWriteKey.size;
  }
}
