import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unlinkGradually } from './gradual-unlink.js';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function fileOf(bytes: number): Promise<{ directory: string; path: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-gradual-'));
  directories.push(directory);
  const path = join(directory, 'big.seg');
  await writeFile(path, Buffer.alloc(bytes, 7));
  return { directory, path };
}

describe('unlinkGradually', () => {
  it('shrinks a large file step by step from its end, then removes it', async () => {
    const { directory, path } = await fileOf(1_000_000);
    const sizes: number[] = [];
    await unlinkGradually(path, { stepBytes: 300_000, pauseMs: 1, onStep: (size) => sizes.push(size) });
    expect(sizes).toEqual([700_000, 400_000, 100_000]);
    expect(await readdir(directory)).toEqual([]);
  });

  it('removes a file no larger than a step at once', async () => {
    const { directory, path } = await fileOf(4096);
    const sizes: number[] = [];
    await unlinkGradually(path, { onStep: (size) => sizes.push(size) });
    expect(sizes).toEqual([]);
    expect(await readdir(directory)).toEqual([]);
  });

  it('is fine with a file that is already gone, and reports other failures', async () => {
    const { directory } = await fileOf(10);
    await expect(unlinkGradually(join(directory, 'missing'))).resolves.toBeUndefined();
    await expect(unlinkGradually(directory)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
