/**
 * Object keys of Segment's S3 raw-log layout (seed 000, DESIGN B3):
 *
 *   {prefix/}segment-logs/{sourceId}/{receivedDay}/{file}.gz
 *
 * - `receivedDay`: 13-digit Unix milliseconds of the UTC midnight of the records' `receivedAt`
 *   (StoredRecord.timestamp), exactly Segment's folder names (e.g. `1700006400000`).
 * - `{file}` = `{firstReceivedAt}.{firstOffset}.{nodeId}`, e.g. `1700049600123.0000000000524288.node-1`:
 *     firstReceivedAt  13-digit ms receive time of the object's first record. Segment's own file names
 *                      also start with a 13-digit ms timestamp, so `aws s3 ls | tail` and lexical
 *                      sorting read as time order across nodes; it always falls inside the folder's day.
 *     firstOffset      log offset of that first record, zero-padded to 16 digits (2^53 fits): strict
 *                      arrival order within a node's stream, and unique per object of a stream.
 *     nodeId           which node's log the offsets belong to, so nodes with their own logs never
 *                      overwrite each other.
 *   Everything comes from the records at the batch's log positions, never from the clock at upload,
 *   so re-delivering a batch rewrites the same keys (and, the encoder being deterministic, the same bytes).
 */
const DAY_MS = 86_400_000;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** UTC midnight (ms) of the day `receivedAt` (ms) falls in. */
export function receivedDayOf(receivedAt: number): number {
  return Math.floor(receivedAt / DAY_MS) * DAY_MS;
}

/** A ms timestamp as the fixed 13 digits Segment uses (dates 2001-09-09 … 2286-11-20 are 13 digits anyway). */
export function thirteenDigits(milliseconds: number): string {
  if (!Number.isSafeInteger(milliseconds) || milliseconds < 0 || milliseconds > 9_999_999_999_999) {
    throw new RangeError(`Timestamp ${milliseconds} cannot be written as 13 digits.`);
  }
  return String(milliseconds).padStart(13, '0');
}

export function isValidNodeId(nodeId: string): boolean {
  return NODE_ID.test(nodeId);
}

/** The bucket setting: `name` or `name/path/prefix` (Segment's custom path prefix). */
export interface BucketLocation {
  readonly bucket: string;
  /** `path/prefix/` (with the trailing slash) or `''`. */
  readonly prefix: string;
}

export function parseBucketSetting(value: string): BucketLocation {
  const [bucket = '', ...path] = value.trim().replace(/^s3:\/\//, '').split('/');
  const segments = path.filter((segment) => segment !== '');
  return { bucket, prefix: segments.length === 0 ? '' : `${segments.join('/')}/` };
}

export interface ObjectKeyParts {
  readonly prefix: string;
  readonly sourceId: string;
  readonly receivedDay: number;
  readonly firstReceivedAt: number;
  readonly firstOffset: number;
  readonly nodeId: string;
}

export function dayFolder(prefix: string, sourceId: string, receivedDay: number): string {
  if (!SOURCE_ID.test(sourceId)) throw new RangeError(`Source id ${JSON.stringify(sourceId)} cannot be used in an object key.`);
  return `${prefix}segment-logs/${sourceId}/${thirteenDigits(receivedDay)}/`;
}

export function objectKey(parts: ObjectKeyParts): string {
  if (!isValidNodeId(parts.nodeId)) throw new RangeError(`Node id ${JSON.stringify(parts.nodeId)} cannot be used in an object key.`);
  if (!Number.isSafeInteger(parts.firstOffset) || parts.firstOffset < 0) throw new RangeError(`Offset ${parts.firstOffset} is not a log position.`);
  const file = `${thirteenDigits(parts.firstReceivedAt)}.${String(parts.firstOffset).padStart(16, '0')}.${parts.nodeId}`;
  return `${dayFolder(parts.prefix, parts.sourceId, parts.receivedDay)}${file}.gz`;
}
