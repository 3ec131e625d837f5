/**
 * The control plane's entry points for the rest of Sluice: open the metadata store, bootstrap a fresh
 * data directory. Callers get domain types only (metadata-store.ts).
 */
import { join } from 'node:path';
import { openControlDatabase, sqliteDialect, type ControlDatabase, type DialectFactory } from './database.js';
import type { MetadataStore } from './metadata-store.js';
import { SqlMetadataStore } from './sql-metadata-store.js';

export type { MetadataStore, Workspace, User, Source, Membership, Role } from './metadata-store.js';
export { roles } from './metadata-store.js';
export type { ControlDatabase, DialectFactory } from './database.js';
export { sqliteDialect } from './database.js';

/** Where the embedded metadata database lives inside the data directory. */
export const metadataFileOf = (dataDir: string): string => join(dataDir, 'metadata.sqlite');

export interface OpenedControlPlane {
  readonly store: MetadataStore;
  /** The shared database handle, for other src/control stores (destinations) to build on. */
  readonly database: ControlDatabase;
}

/** Opens (creating and migrating as needed) the metadata store over the given dialect. */
export async function openControlPlane(dialect: DialectFactory): Promise<OpenedControlPlane> {
  const database = await openControlDatabase(dialect);
  try {
    return { store: await SqlMetadataStore.open(database), database };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The embedded default: SQLite in `<dataDir>/metadata.sqlite`. */
export const openMetadataStore = async (dataDir: string): Promise<MetadataStore> => (await openControlPlane(sqliteDialect(metadataFileOf(dataDir)))).store;
