/**
 * Scheduled metadata backups inside `sluice serve` (a ServerExtensions background task): every
 * `backupIntervalMinutes` (0 = off), one backup at a time, keeping the newest `backupKeep`. A failed
 * backup is logged and retried at the next tick; it never stops the server.
 *
 * Audit: each backup is recorded through `options.audit` (default recordBackupAudit: an audit-log entry).
 */
import type { BackgroundContext, ServerExtensions } from '../server.js';
import { appendBackupAudit } from './audit.js';
import { backupTargetOf, runBackup, type BackupResult } from './run-backup.js';

/** Where a finished backup is recorded (default: recordBackupAudit). */
export type BackupAuditHook = (context: BackgroundContext, result: BackupResult) => Promise<void>;

export interface BackupExtensionOptions {
  readonly audit?: BackupAuditHook;
  /** Tests only: the interval in milliseconds instead of `backupIntervalMinutes`. */
  readonly intervalMs?: number;
  /** Called after each scheduled run, successful or not (tests await it instead of sleeping). */
  readonly onRun?: (outcome: { result?: BackupResult; error?: unknown }) => void;
}

export function backupExtensions(options: BackupExtensionOptions = {}): ServerExtensions {
  return {
    background: [
      async (context) => {
        const intervalMs = options.intervalMs ?? context.config.backupIntervalMinutes * 60_000;
        if (intervalMs === 0) return { stop: async () => {} };
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
            options.onRun?.({ result });
          } catch (error) {
            logger.error({ err: error, target: target.description }, 'metadata backup failed; retrying at the next interval');
            options.onRun?.({ error });
          }
        };
        const schedule = () => {
          if (stopped) return;
          timer = setTimeout(() => {
            running = tick().finally(schedule);
          }, intervalMs);
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

/** The audit entry of a scheduled backup: `backup.created` by actor 'system' (audit.ts). */
export const recordBackupAudit: BackupAuditHook = async (context, result) => {
  await appendBackupAudit(context.database, {
    action: 'backup.created',
    actor: 'system',
    backup: result.name,
    details: { location: result.location, bytes: result.bytes, pruned: result.pruned.length },
  });
};
