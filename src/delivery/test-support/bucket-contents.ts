/**
 * Reads back what a local-files destination (or s3rver's directory) holds, for exactly-once checks:
 * every `.gz` object under `segment-logs/`, decompressed, as parsed events.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface BucketObject {
  readonly key: string;
  readonly events: Record<string, unknown>[];
}

export async function readBucket(directory: string): Promise<BucketObject[]> {
  const objects: BucketObject[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.gz')) {
        const text = gunzipSync(await readFile(path)).toString('utf8');
        if (text !== '' && !text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
        const lines = text.split('\n').slice(0, -1);
        objects.push({ key: relative(directory, path), events: lines.map((line) => JSON.parse(line) as Record<string, unknown>) });
      }
    }
  };
  await walk(directory);
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

/** messageId → how many times it appears across all objects. */
export function countMessageIds(objects: readonly BucketObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const object of objects) for (const event of object.events) counts.set(String(event.messageId), (counts.get(String(event.messageId)) ?? 0) + 1);
  return counts;
}
