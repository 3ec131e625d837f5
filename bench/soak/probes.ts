/**
 * What the soak samples from outside the server process, cheaply and without touching it: resident
 * memory and open file descriptors from /proc (Linux; undefined elsewhere), and bytes on disk under a
 * directory. Reads only.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Current resident set size (VmRSS) of a live process, bytes. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const kib = (await readFile(`/proc/${pid}/status`, 'utf8')).match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** How many file descriptors a live process holds open (sockets, log segments, spool files, …). */
export async function openFileDescriptors(pid: number): Promise<number | undefined> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined;
  }
}

export interface FileTally {
  files: number;
  bytes: number;
}

/**
 * Files and bytes under `directory` whose names pass `include`, skipping the subdirectories named in
 * `skip` (absolute paths). Files that vanish while walking (log segments being reclaimed, spool files)
 * are simply not counted.
 */
export async function tallyFiles(directory: string, options: { skip?: readonly string[]; include?: (name: string) => boolean } = {}): Promise<FileTally> {
  const tally: FileTally = { files: 0, bytes: 0 };
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!options.skip?.includes(full)) await walk(full);
      } else if (!options.include || options.include(entry.name)) {
        try {
          tally.bytes += (await lstat(full)).size;
          tally.files += 1;
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  await walk(directory);
  return tally;
}
