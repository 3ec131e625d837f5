/**
 * The `local-files` destination: the same objects as amazon-s3 (same keys, byte-identical bodies)
 * written atomically under a directory (LocalDirectoryStore: temp file, fsync, rename, fsync dir).
 */
import type { DeliveredObject, DeliveryBatch } from '../../delivery/destination.js';
import { LocalDirectoryStore } from '../../storage/local-directory-store.js';
import { codeOf } from '../amazon-s3/errors.js';
import type { BuiltDestination } from '../amazon-s3/index.js';
import { isValidNodeId } from '../amazon-s3/keys.js';
import { sweepSpool, writeBatchObjects } from '../amazon-s3/uploader.js';
import type { DestinationContext } from '../context.js';
import { localFilesBatchingOf, type LocalFilesSettings } from './config.js';

/** File-system errors that only a change of settings or permissions fixes. */
const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

export function createLocalFilesDestination(settings: LocalFilesSettings, context: DestinationContext): BuiltDestination {
  if (!isValidNodeId(context.nodeId)) throw new RangeError(`Node id ${JSON.stringify(context.nodeId)} must be letters, digits, "_" or "-".`);
  const store = new LocalDirectoryStore({ directory: settings.directory });
  let swept: Promise<void> | undefined;
  const destination = {
    async deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveredObject[]> {
      // Leftovers of a crash mid-delivery; the spool directory is this destination's alone.
      swept ??= sweepSpool(context.spoolDirectory);
      await swept;
      return writeBatchObjects(batch, { store, prefix: '', nodeId: context.nodeId, spoolDirectory: context.spoolDirectory, contentMd5: false }, signal);
    },
    isRetriable(error: unknown): boolean {
      const code = codeOf(error);
      return code === undefined || !PERMANENT_CODES.has(code);
    },
    describeError(error: unknown): string {
      const code = codeOf(error);
      const detail = error instanceof Error ? error.message : String(error);
      if (code !== undefined && PERMANENT_CODES.has(code)) {
        return `Sluice cannot write under ${settings.directory} (${code}). Check that the directory setting points to a writable directory for the user Sluice runs as. ${detail}`;
      }
      if (code === 'ENOSPC') return `No space left on the device of ${settings.directory} or of the spool directory (${detail}); retrying. Free disk space.`;
      return `Writing under ${settings.directory} failed${code ? ` (${code})` : ''}: ${detail}`;
    },
    close: () => store.close(),
  };
  return { destination, batching: localFilesBatchingOf(settings) };
}
