/**
 * The harness side of the clock hook (src/faults/clock-hook.ts): writes the server child's clock
 * offset, atomically (temp file + rename), so the child never reads a half-written number.
 */
import { rename, writeFile } from 'node:fs/promises';

export async function writeClockOffset(path: string, offsetMs: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${Math.round(offsetMs)}\n`);
  await rename(temporary, path);
}
