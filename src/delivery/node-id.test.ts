import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateNodeId, nodeIdFileName } from './node-id.js';

describe('loadOrCreateNodeId', () => {
  it('creates a random id once per data dir and returns the same one afterwards', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-node-id-')), 'data');
    const first = await loadOrCreateNodeId(dataDir);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await loadOrCreateNodeId(dataDir)).toBe(first);
    expect((await readFile(join(dataDir, nodeIdFileName), 'utf8')).trim()).toBe(first);
    const other = await loadOrCreateNodeId(await mkdtemp(join(tmpdir(), 'sluice-node-id-')));
    expect(other).not.toBe(first);
  });

  it('refuses a damaged id file instead of silently changing the id (object names depend on it)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-node-id-'));
    await writeFile(join(dataDir, nodeIdFileName), 'not-an-id\n');
    await expect(loadOrCreateNodeId(dataDir)).rejects.toThrow(/node id/);
  });
});
