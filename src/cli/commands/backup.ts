/**
 * `sluice backup [--data-dir <dir>] [--output <dir>]` and `sluice restore <file> --data-dir <fresh dir>
 * [--force]`: metadata-store backups by hand (src/backup). `backup` works while the server runs: it
 * reads the database file through SQLite's online backup API on a read-only connection. It writes to
 * the configured backup target (backupDirectory / backupBucket, pruned to backupKeep) unless --output
 * names a directory (never pruned). `restore` puts a backup in place as the data directory's metadata
 * store after an integrity check, refusing a non-empty directory unless --force.
 *
 * The secret key is not in a backup (a backup next to its key protects nothing): keep `secret.key`
 * or SLUICE_SECRET_KEY with your backups; the restored server needs the same key.
 * Exit codes: 0 done; 1 failed (the reason is printed); 2 usage or settings.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../../config/index.js';
import { appendBackupAuditToFile } from '../../backup/audit.js';
import { DirectoryBackupTarget } from '../../backup/backup-target.js';
import { backupTargetOf, runBackup } from '../../backup/run-backup.js';
import { BackupError, restoreStore } from '../../backup/snapshot.js';
import { metadataFileOf } from '../../control/index.js';
import { secretKeyFileOf } from '../../secrets/index.js';
import { CliError } from './admin-client.js';
import { printJson, processIo, runCli, type CliIo } from './output.js';

interface BackupOptions {
  readonly dataDir?: string;
  readonly output?: string;
  readonly config?: string;
  readonly json: boolean;
}

interface RestoreOptions {
  readonly dataDir?: string;
  readonly force?: boolean;
  readonly json: boolean;
}

async function configOf(io: CliIo, options: { config?: string; dataDir?: string }): Promise<Config> {
  const { SLUICE_TOKEN: _token, SLUICE_URL: _url, ...env } = io.env;
  try {
    return await loadConfig({
      env: { ...env, ...(options.dataDir === undefined ? {} : { SLUICE_DATA_DIR: options.dataDir }) },
      ...(options.config === undefined ? {} : { configFile: options.config }),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }
}

const asCliError = (error: unknown): unknown => (error instanceof BackupError ? new CliError(error.message, 1) : error);

export function registerBackup(program: Command, io: CliIo = processIo): void {
  program
    .command('backup')
    .description('Back up the metadata store now (safe while the server runs).')
    .option('--data-dir <dir>', 'data directory of the store (default: the dataDir setting)')
    .option('--output <dir>', 'write the backup into this directory instead of the configured backup target (no pruning)')
    .option('--config <file>', 'JSON config file of settings')
    .option('--json', 'print one JSON object', false)
    .action((options: BackupOptions) =>
      runCli(
        'backup',
        async () => {
          const config = await configOf(io, options);
          const dataDir = resolve(config.dataDir);
          if (!existsSync(metadataFileOf(dataDir))) throw new CliError(`no metadata store in ${dataDir}`, 1);
          const target = options.output === undefined ? backupTargetOf(config) : new DirectoryBackupTarget(resolve(options.output));
          try {
            const keep = options.output === undefined ? config.backupKeep : Number.MAX_SAFE_INTEGER;
            const result = await runBackup({ dataDir, target, keep }).catch((error: unknown) => {
              throw asCliError(error);
            });
            await appendBackupAuditToFile(
              metadataFileOf(dataDir),
              { action: 'backup.created', actor: 'cli', backup: result.name, details: { location: result.location, bytes: result.bytes } },
              (message) => io.err(`sluice backup: warning: ${message}\n`),
            );
            if (options.json) printJson(io.out, result);
            else io.out(`Backed up ${dataDir} to ${result.location} (${result.bytes} bytes)${result.pruned.length > 0 ? `; pruned ${result.pruned.length} old backup(s)` : ''}.\n`);
          } finally {
            await target.close();
          }
        },
        io,
      ),
    );

  program
    .command('restore')
    .description('Restore a metadata backup (.sqlite.gz) into a fresh data directory.')
    .argument('<file>', 'a backup file made by `sluice backup` or the schedule')
    .requiredOption('--data-dir <dir>', 'data directory to restore into (must be empty unless --force)')
    .option('--force', 'replace the metadata store of a non-empty data directory (stop the server first)')
    .option('--json', 'print one JSON object', false)
    .action((file: string, options: RestoreOptions) =>
      runCli(
        'restore',
        async () => {
          const dataDir = resolve(options.dataDir!);
          const restored = await restoreStore(resolve(file), dataDir, 'metadata.sqlite', { force: options.force ?? false }).catch((error: unknown) => {
            throw asCliError(error);
          });
          await appendBackupAuditToFile(restored.file, { action: 'backup.restored', actor: 'cli', backup: resolve(file).split(/[\\/]/).pop()!, details: { dataDir } }, (message) =>
            io.err(`sluice restore: warning: ${message}\n`),
          );
          const keyNote = existsSync(secretKeyFileOf(dataDir))
            ? ''
            : ` Destination secrets need the original secret key: copy the old data directory's secret.key into ${dataDir} (mode 0600) or set SLUICE_SECRET_KEY.`;
          if (options.json) printJson(io.out, { restored: restored.file, secretKeyPresent: keyNote === '' });
          else io.out(`Restored ${file} as ${restored.file}.${keyNote}\n`);
        },
        io,
      ),
    );
}
