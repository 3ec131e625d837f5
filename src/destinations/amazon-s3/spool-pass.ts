/**
 * One pass over a delivery batch that encodes up to `maxOpenDays` of its days into spool files
 * (uploader.ts explains passes): what a pass is asked to do and what it gives back, shared by the
 * event loop's way of doing it and the spool thread's (spool-thread.ts).
 */
import type { FileRange } from '../../log/event-log.js';

/** A day's object, encoded into its spool file and ready to store. */
export interface SpooledObject {
  readonly key: string;
  readonly receivedDay: number;
  readonly file: string;
  readonly events: number;
  readonly bytes: number;
  /** Base64 MD5 of the file, when the store wants Content-MD5. */
  readonly md5: string | undefined;
}

export interface SpoolPassResult {
  readonly objects: SpooledObject[];
  /** True when records of days this pass could not open remain: another pass is needed. */
  readonly daysLeft: boolean;
}

/** A pass the spool thread runs on its own, reading the batch's records from the log's files. */
export interface SpoolPassJob {
  readonly sourceId: string;
  readonly ranges: readonly FileRange[];
  readonly finishedDays: readonly number[];
  readonly maxOpenDays: number;
  readonly prefix: string;
  readonly nodeId: string;
  /** This delivery's own temp directory (exists). */
  readonly spoolDirectory: string;
  readonly gzipLevel: number;
  readonly contentMd5: boolean;
  readonly chunkBytes: number;
}
