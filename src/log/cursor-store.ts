/**
 * The durable consumer cursors of one stream: a small JSON file `{consumer: offset}` replaced
 * atomically (tmp file + fsync + rename + directory fsync), so a crash leaves either the old or the
 * new map, never a torn one. Concurrent commits share one write: each waits for the first write that
 * started after its change.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './file-names.js';

export const CURSORS_FILE_NAME = 'cursors.json';
const TEMP_SUFFIX = '.tmp';

export class CursorStore {
  readonly #directory: string;
  readonly #cursors: Map<string, number>;
  /** Bumped by every change; a write persists the generation it started with. */
  #generation = 0;
  #persistedGeneration = 0;
  #writing: Promise<void> | undefined;

  private constructor(directory: string, cursors: Map<string, number>) {
    this.#directory = directory;
    this.#cursors = cursors;
  }

  /** The store of a stream that has no cursor file yet. */
  static empty(directory: string): CursorStore {
    return new CursorStore(directory, new Map());
  }

  /** Loads the cursors of the stream directory (none when the file does not exist yet). */
  static async load(directory: string): Promise<CursorStore> {
    await unlink(join(directory, CURSORS_FILE_NAME + TEMP_SUFFIX)).catch(() => undefined);
    let text: string;
    try {
      text = await readFile(join(directory, CURSORS_FILE_NAME), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new CursorStore(directory, new Map());
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    const cursors = new Map<string, number>();
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${join(directory, CURSORS_FILE_NAME)} is not a cursor map.`);
    for (const [consumer, offset] of Object.entries(parsed)) {
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
        throw new Error(`${join(directory, CURSORS_FILE_NAME)}: cursor of "${consumer}" is not an offset.`);
      }
      cursors.set(consumer, offset as number);
    }
    return new CursorStore(directory, cursors);
  }

  get(consumer: string): number | undefined {
    return this.#cursors.get(consumer);
  }

  /** The lowest cursor: data before it is consumed by everyone. Undefined without consumers. */
  lowest(): number | undefined {
    let lowest: number | undefined;
    for (const offset of this.#cursors.values()) if (lowest === undefined || offset < lowest) lowest = offset;
    return lowest;
  }

  /** Sets (or, with undefined, removes) a cursor and resolves once that change is durable. */
  async set(consumer: string, offset: number | undefined): Promise<void> {
    if (offset === undefined) this.#cursors.delete(consumer);
    else this.#cursors.set(consumer, offset);
    const generation = ++this.#generation;
    while (this.#persistedGeneration < generation) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      this.#writing = this.#write().finally(() => {
        this.#writing = undefined;
      });
      await this.#writing;
    }
  }

  /** Resolves once no write is in flight. */
  async settle(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
  }

  async #write(): Promise<void> {
    const generation = this.#generation;
    const finalPath = join(this.#directory, CURSORS_FILE_NAME);
    const tempPath = finalPath + TEMP_SUFFIX;
    const handle = await open(tempPath, 'w');
    try {
      await handle.writeFile(JSON.stringify(Object.fromEntries(this.#cursors)));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, finalPath);
    await syncDirectory(this.#directory);
    this.#persistedGeneration = Math.max(this.#persistedGeneration, generation);
  }
}
