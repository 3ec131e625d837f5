/**
 * Opens the metadata database: a Kysely instance over a dialect made by a `DialectFactory`, migrated to
 * the latest schema. SQLite (better-sqlite3: WAL synced on every commit, foreign keys on) is the
 * embedded default; a PostgreSQL factory can be added beside `sqliteDialect` without touching any caller.
 *
 * `ControlDatabase` is an opaque handle for src/control modules (the MetadataStore, the delivery
 * engineer's destination store) to share one connection; code outside src/control only passes it along.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Dialect } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export interface DialectFactory {
  /** For messages: "sqlite /path/metadata.sqlite". */
  readonly description: string;
  create(): Dialect;
}

/** The embedded SQLite database in one file (created, with its directory, if missing). */
export function sqliteDialect(file: string): DialectFactory {
  return {
    description: `sqlite ${file}`,
    create: () =>
      new SqliteDialect({
        database: async () => {
          mkdirSync(dirname(file), { recursive: true });
          const connection = new BetterSqlite3(file);
          connection.pragma('journal_mode = WAL');
          // Every commit syncs the WAL before it returns, so an acknowledged change (a new source, a
          // rotated key, an audit entry, delivery's recorded batch) survives a power cut, not only a
          // killed process. Set explicitly: better-sqlite3 builds SQLite with
          // SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so in WAL mode commits would otherwise not be synced at
          // all (NORMAL), while `PRAGMA synchronous` still reads 2 (FULL). The durability test counts
          // the syncs (database.durability.integration.test.ts).
          connection.pragma('synchronous = FULL');
          connection.pragma('foreign_keys = ON');
          // Another process (a CLI command) may hold the write lock briefly; wait instead of failing.
          connection.pragma('busy_timeout = 5000');
          return connection;
        },
      }),
  };
}

export interface ControlDatabase {
  readonly db: Kysely<Database>;
  readonly description: string;
  close(): Promise<void>;
}

/** Opens the database and applies every pending migration; fails naming the migration that broke. */
export async function openControlDatabase(factory: DialectFactory): Promise<ControlDatabase> {
  const db = new Kysely<Database>({ dialect: factory.create() });
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`Migrating the metadata store (${factory.description}) failed at ${failed}: ${(error as Error).message}`, { cause: error });
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, description: factory.description, close: () => db.destroy() };
}
