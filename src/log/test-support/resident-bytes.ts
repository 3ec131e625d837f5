/**
 * How many bytes of a file the kernel holds in its page cache, from util-linux `fincore` (mincore(2)
 * underneath): what tests of page cache dropping look at.
 */
import { execFileSync } from 'node:child_process';

export function residentBytes(path: string): number {
  const output = execFileSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', path], { encoding: 'utf8' });
  return Number(output.trim());
}
