/**
 * This node's id: random, generated once per data directory and kept in `<dataDir>/node-id`, so object
 * names written by different Sluice nodes never collide (DESIGN B3) and stay stable across restarts
 * (a redone batch must land under the identical key).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const nodeIdFileName = 'node-id';

export async function loadOrCreateNodeId(dataDir: string): Promise<string> {
  const file = join(dataDir, nodeIdFileName);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined && /^[0-9a-f]{16}$/.test(existing.trim())) return existing.trim();
  if (existing !== undefined) throw new Error(`${file} does not hold a node id (16 hex digits); fix or remove it.`);
  const nodeId = randomBytes(8).toString('hex');
  await mkdir(dataDir, { recursive: true });
  // Write, sync, then rename: a crash leaves either no file or the whole id, never half of one.
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${nodeId}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const directory = await open(dataDir, 'r');
  await directory.sync().finally(() => directory.close());
  return nodeId;
}
