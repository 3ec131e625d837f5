/**
 * The Tracking API's view of sources: write key → {sourceId, workspaceId, enabled}, held in memory so
 * the hot path never touches the database. The store reloads it after each committed source change;
 * reloading all sources is cheap (one row per source) and can never drift from the table.
 */
import type { SourceDirectory, TrackedSource } from '../tracking/source-directory.js';

export class WriteKeyCache implements SourceDirectory {
  #byWriteKey = new Map<string, TrackedSource>();

  lookup(writeKey: string): TrackedSource | undefined {
    return this.#byWriteKey.get(writeKey);
  }

  replaceAll(sources: Iterable<{ writeKey: string } & TrackedSource>): void {
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
