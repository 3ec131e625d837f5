/**
 * Start-up recovery of one stream directory: finds its segments and makes the last one end on a whole
 * record. A crash can leave the active segment with a torn or garbage tail (bytes written but never
 * acknowledged); those are cut off at the last valid frame and reported with `warn`. Earlier segments
 * were fully synced before the log rolled past them, so they are trusted as they are (a damaged one
 * makes the reader stop with an error later, never start-up crash).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSegmentFileName, segmentFileName } from './file-names.js';
import { scanFrames } from './frame-scanner.js';
import type { LogLogger } from './log-logger.js';
import { SegmentChain, type Segment } from './segment-chain.js';
import { SegmentIndex } from './segment-index.js';

export interface RecoveredStream {
  readonly chain: SegmentChain;
  /** Bytes cut from the tail (0 when it was clean). */
  readonly droppedBytes: number;
}

export async function recoverStream(stream: string, directory: string, logger: LogLogger): Promise<RecoveredStream> {
  const bases = (await readdir(directory))
    .map((name) => parseSegmentFileName(name))
    .filter((base): base is number => base !== undefined)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const baseOffset of bases) {
    const path = join(directory, segmentFileName(baseOffset));
    const { size } = await stat(path);
    const previous = segments.at(-1);
    if (previous && previous.baseOffset + previous.size !== baseOffset) {
      logger.warn({ stream, segment: path, expectedBase: previous.baseOffset + previous.size }, 'event log segments are not contiguous');
    }
    segments.push({ baseOffset, path, size, records: undefined, index: undefined });
  }
  const last = segments.at(-1);
  const droppedBytes = last ? await repairTail(stream, last, logger) : 0;
  return { chain: new SegmentChain(directory, segments), droppedBytes };
}

/**
 * Scans the last segment, truncates it after its last whole record, and counts and indexes its
 * records on the way (the scan sees every frame anyway, so the index costs no extra I/O).
 */
async function repairTail(stream: string, segment: Segment, logger: LogLogger): Promise<number> {
  const handle = await open(segment.path, 'r+');
  try {
    const index = new SegmentIndex();
    const outcome = await scanFrames(handle, 0, segment.size, (_position, frameBytes) => {
      index.noteFrame(frameBytes);
      return true;
    });
    segment.records = index.records;
    segment.index = index;
    if (!outcome.damage) return 0;
    const droppedBytes = segment.size - outcome.endPosition;
    await handle.truncate(outcome.endPosition);
    await handle.datasync();
    logger.warn(
      {
        stream,
        segment: segment.path,
        offset: segment.baseOffset + outcome.endPosition,
        bytesDropped: droppedBytes,
        reason: outcome.damage.reason,
      },
      'event log: truncated a torn or corrupt tail left by a crash',
    );
    segment.size = outcome.endPosition;
    return droppedBytes;
  } finally {
    await handle.close();
  }
}
