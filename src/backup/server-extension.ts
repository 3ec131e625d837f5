/**
 * Scheduled metadata backups inside `sluice serve` (a ServerExtensions background task): every
 * `backupIntervalMinutes` (0 = off), one backup at a time, keeping the newest `backupKeep`. A failed
 * backup is logged and retried at the next tick; it never stops the server.
 *
 * Audit: each backup is reported to `auditBackup` — the hook the audit log plugs into (actor 'system').
 */
import type { BackgroundContext, ServerExtensions } from '../server.js';
import { backupTargetOf, runBackup, type BackupResult } from './run-backup.js';

/** Where a finished backup is recorded; the default only logs (see recordBackupAudit). */
export type BackupAuditHook = (context: BackgroundContext, result: BackupResult) => Promise<void>;

export interface BackupExtensionOptions {
  readonly audit?: BackupAuditHook;
}

export function backupExtensions(options: BackupExtensionOptions = {}): ServerExtensions {
  return {
    background: [
      async (context) => {
        const minutes = context.config.backupIntervalMinutes;
        if (minutes === 0) return { stop: async () => {} };
        const logger = context.logger.child({ component: 'backup' });
        const target = backupTargetOf(context.config);
        let timer: NodeJS.Timeout | undefined;
        let running: Promise<void> = Promise.resolve();
        let stopped = false;
        const tick = async () => {
          try {
            const result = await runBackup({ dataDir: context.config.dataDir, target, keep: context.config.backupKeep });
            logger.info({ backup: result.location, bytes: result.bytes, pruned: result.pruned.length }, 'metadata backup written');
            await (options.audit ?? recordBackupAudit)(context, result);
          } catch (error) {
            logger.error({ err: error, target: target.description }, 'metadata backup failed; retrying at the next interval');
          }
        };
        const schedule = () => {
          if (stopped) return;
          timer = setTimeout(() => {
            running = tick().finally(schedule);
          }, minutes * 60_000);
          timer.unref();
        };
        schedule();
        return {
          stop: async () => {
            stopped = true;
            if (timer) clearTimeout(timer);
            await running;
            await target.close();
          },
        };
      },
    ],
  };
}

/**
 * Named hook for the audit log (issue 4 item 6): records `backup.created` by actor 'system'. Until the
 * audit module is wired here it leaves a log line only.
 */
export const recordBackupAudit: BackupAuditHook = async (context, result) => {
  context.logger.info({ audit: 'backup.created', backup: result.name }, 'audit: metadata backup created');
};
