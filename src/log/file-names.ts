/**
 * How streams and segments are named on disk, and the durability helpers every creator of a file uses
 * (a directory sync; a synced rename into place). Owns the mapping stream name ⇄ directory name: stream
 * names are source ids chosen elsewhere, so they are escaped, never trusted as paths.
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Stream directories live here, under the log directory. */
export const STREAMS_DIRECTORY = 'streams';
export const SEGMENT_SUFFIX = '.seg';
const OFFSET_DIGITS = 20;
const MAX_STREAM_NAME_LENGTH = 200;
/** Keeps every encoded name under the 255-byte file-name limit of common file systems. */
const MAX_ENCODED_LENGTH = 240;

/**
 * Encodes a stream name as a file name: lower-case ASCII letters, digits, `-` and `_` are kept; every
 * other byte (upper case too, so case-insensitive file systems cannot merge two streams) becomes
 * `%XX`. The result never starts with `.` and holds no separator.
 */
export function encodeStreamName(stream: string): string {
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > MAX_STREAM_NAME_LENGTH) {
    throw new RangeError(`A stream name must be a string of 1 to ${MAX_STREAM_NAME_LENGTH} characters.`);
  }
  let encoded = '';
  for (const byte of Buffer.from(stream, 'utf8')) {
    const kept = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x5f;
    encoded += kept ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (encoded.length > MAX_ENCODED_LENGTH) throw new RangeError(`The stream name "${stream}" is too long to store.`);
  return encoded;
}

/** The stream name of a directory entry, or undefined when the entry is not one `encodeStreamName` makes. */
export function decodeStreamName(encoded: string): string | undefined {
  if (!/^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/.test(encoded)) return undefined;
  try {
    const stream = decodeURIComponent(encoded);
    return encodeStreamName(stream) === encoded ? stream : undefined;
  } catch {
    return undefined;
  }
}

/** Segment file name: base offset zero-padded so names sort lexically in offset order. */
export function segmentFileName(baseOffset: number): string {
  return `${baseOffset.toString().padStart(OFFSET_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

/** Base offset of a segment file name, or undefined for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  if (name.length !== OFFSET_DIGITS + SEGMENT_SUFFIX.length || !name.endsWith(SEGMENT_SUFFIX)) return undefined;
  const digits = name.slice(0, OFFSET_DIGITS);
  if (!/^\d+$/.test(digits)) return undefined;
  const base = Number(digits);
  return Number.isSafeInteger(base) ? base : undefined;
}

/**
 * fsyncs a directory so entries created, renamed or removed in it survive a crash. Without it a
 * freshly synced file can vanish with its directory entry after a power loss.
 */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Renames a finished file to its final name durably: its bytes are synced first and the directory
 * after, so a power cut leaves either no file under that name or the whole of it, never a name over
 * missing data (a rename can reach the disk before the data it names).
 */
export async function putInPlace(finished: string, target: string): Promise<void> {
  const handle = await open(finished, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(finished, target);
  await syncDirectory(dirname(target));
}
