/**
 * Audit entries for backups and restores (issue 4 item 6), written through `audit.record`
 * (src/admin/audit-recorder.ts, which masks). Backups cover the whole installation, not one workspace,
 * so the entries have no workspace (`workspaceId: null`). Best effort: a store without the audit table (older schema)
 * or a busy database must not fail a backup that was already written.
 */
import { Kysely } from 'kysely';
import { openAudit } from '../admin/audit-recorder.js';
import type { AuditActorKind } from '../control/audit-store.js';
import { sqliteDialect, unmigratedControlDatabase, type ControlDatabase } from '../control/database.js';
import type { Database } from '../control/schema.js';

export interface BackupAuditEntry {
  readonly action: 'backup.created' | 'backup.restored';
  readonly actor: Extract<AuditActorKind, 'cli' | 'system'>;
  /** The backup's file name. */
  readonly backup: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export async function appendBackupAudit(database: ControlDatabase, entry: BackupAuditEntry): Promise<void> {
  await openAudit(database).record({
    workspaceId: null,
    actor: entry.actor,
    action: entry.action,
    resource: { type: 'backup', id: entry.backup },
    after: entry.details,
    ip: null,
  });
}

/** Opens `storeFile` just long enough to append the entry (no migrations: the file is someone else's). */
export async function appendBackupAuditToFile(storeFile: string, entry: BackupAuditEntry, warn: (message: string) => void): Promise<void> {
  const database = unmigratedControlDatabase(new Kysely<Database>({ dialect: sqliteDialect(storeFile).create() }), storeFile);
  try {
    await appendBackupAudit(database, entry);
  } catch (error) {
    warn(`could not record the audit entry (${(error as Error).message})`);
  } finally {
    await database.close();
  }
}

