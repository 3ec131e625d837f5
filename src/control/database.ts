/**
 * Opens the metadata database: a Kysely instance over a dialect made by a `DialectFactory`, migrated to
 * the latest schema. SQLite (better-sqlite3: WAL synced on every commit, foreign keys on) is the
 * embedded default; a PostgreSQL factory can be added beside `sqliteDialect` without touching any caller.
 *
 * `ControlDatabase` is an opaque handle for src/control modules (the MetadataStore, the delivery
 * engineer's destination store) to share one connection; code outside src/control only passes it along,
 * or wraps several stores' changes in `atomically` (a change and its audit entry commit together).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Dialect, type Transaction } from 'kysely';
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
  /**
   * What a store queries: inside `atomically`, that call's transaction; anywhere else the shared
   * connection. Read it for every query, never keep it: a kept root handle used inside a transaction
   * would wait for the connection the transaction holds.
   */
  readonly db: Kysely<Database>;
  readonly description: string;
  /**
   * Runs `work` as one transaction: every store query made from it (through `db`) commits together, or
   * none does when it throws. Called inside another `atomically`, it joins that one.
   */
  atomically<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `effect` once the transaction `work` runs in has committed (at once, outside any); never after
   * a rollback. The same function registered twice in one transaction runs once. For what must not see
   * uncommitted rows, e.g. the write-key cache reloading.
   */
  afterCommit(effect: () => Promise<void>): Promise<void>;
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
  return new TransactionScopedDatabase(db, factory.description);
}

/** A handle on an open database without migrating it (a restored file that is not ours to change). */
export function unmigratedControlDatabase(db: Kysely<Database>, description: string): ControlDatabase {
  return new TransactionScopedDatabase(db, description);
}

/** The transaction `atomically` opened, seen by everything that runs inside its `work`. */
interface TransactionScope {
  readonly transaction: Transaction<Database>;
  readonly afterCommit: Set<() => Promise<void>>;
  /** Set once the transaction has ended: work that outlives it (a stray promise) gets the root again. */
  ended: boolean;
}

/**
 * Transactions carried by the async context rather than passed around, so a store's methods join the
 * caller's transaction without a parameter on every interface (and without leaking Kysely types).
 *
 * The context is tracked only while a transaction is open. Node 20's AsyncLocalStorage follows every
 * promise through async hooks from its first `run` until `disable`: an `await` cost ~2.5× as much
 * (measured: 2 million awaits, 104 against 288 ms), and the Tracking API makes thousands of promises a
 * second, while transactions are rare (admin changes, bootstrap). So the last transaction to end
 * disables the storage again; work that outlives its transaction then sees no scope, as it should.
 */
class TransactionScopedDatabase implements ControlDatabase {
  readonly #root: Kysely<Database>;
  readonly #scope = new AsyncLocalStorage<TransactionScope>();
  /** Transactions begun and not yet ended; tracking is on while this is above zero. */
  #open = 0;
  readonly description: string;

  constructor(root: Kysely<Database>, description: string) {
    this.#root = root;
    this.description = description;
  }

  get db(): Kysely<Database> {
    return this.#openScope()?.transaction ?? this.#root;
  }

  async atomically<T>(work: () => Promise<T>): Promise<T> {
    if (this.#openScope()) return work();
    let scope: TransactionScope | undefined;
    this.#open++;
    try {
      const result = await this.#root.transaction().execute((transaction) => {
        scope = { transaction, afterCommit: new Set(), ended: false };
        return this.#scope.run(scope, work);
      });
      scope!.ended = true;
      for (const effect of scope!.afterCommit) await effect();
      return result;
    } finally {
      if (scope) scope.ended = true;
      if (--this.#open === 0) this.#scope.disable();
    }
  }

  async afterCommit(effect: () => Promise<void>): Promise<void> {
    const scope = this.#openScope();
    if (scope) scope.afterCommit.add(effect);
    else await effect();
  }

  close(): Promise<void> {
    return this.#root.destroy();
  }

  #openScope(): TransactionScope | undefined {
    const scope = this.#scope.getStore();
    return scope && !scope.ended ? scope : undefined;
  }
}
