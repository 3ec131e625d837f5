import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { GZIP_HEADER } from './chunked-gzip.js';
import { DeflatePool, type GzipMember } from './deflate-pool.js';

const pools: DeflatePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
function newPool(niceness?: number): DeflatePool {
  const pool = new DeflatePool(niceness === undefined ? {} : { niceness });
  pools.push(pool);
  return pool;
}

async function gzipThrough(member: GzipMember, chunks: readonly string[]): Promise<Buffer> {
  const parts = [GZIP_HEADER];
  for (let index = 0; index < chunks.length; index++) parts.push((await member.deflate(Buffer.from(chunks[index]!), index === chunks.length - 1)).output);
  return Buffer.concat(parts);
}

/** Niceness of every thread of this process (Linux /proc: field 19 of a task's stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((task) => {
    const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('DeflatePool', () => {
  it('builds one gzip member per opener, chunk by chunk, members interleaved', async () => {
    const pool = newPool();
    const first = pool.openMember(6);
    const second = pool.openMember(1);
    const [a, b] = await Promise.all([gzipThrough(first, ['alpha\n', 'beta\n', '']), gzipThrough(second, ['one\n', 'two\n', 'three\n'])]);
    expect(zlib.gunzipSync(a).toString()).toBe('alpha\nbeta\n');
    expect(zlib.gunzipSync(b).toString()).toBe('one\ntwo\nthree\n');
  });

  it.runIf(process.platform === 'linux')('runs its thread at the lowered priority, leaving the rest of the process alone', async () => {
    const before = threadNiceness();
    const pool = newPool(7);
    await gzipThrough(pool.openMember(6), ['x']);
    const after = threadNiceness();
    expect(after.filter((nice) => nice === 7).length).toBe(before.filter((nice) => nice === 7).length + 1);
    expect(after.filter((nice) => nice === 0).length).toBeGreaterThanOrEqual(before.filter((nice) => nice === 0).length);
  });

  it('fails the members of a thread that died and starts a new thread for the next member', async () => {
    const pool = newPool();
    const orphan = pool.openMember(6);
    await orphan.deflate(Buffer.from('before\n'), false);
    await pool.close();
    await expect(orphan.deflate(Buffer.from('after\n'), true)).rejects.toThrow();
    const fresh = pool.openMember(6);
    expect(zlib.gunzipSync(await gzipThrough(fresh, ['again\n'])).toString()).toBe('again\n');
  });

  it('keeps a process alive while a chunk is owed, and lets it exit once idle', async () => {
    // A one-shot process (a CLI command, a benchmark) that deflates must get its answer, then exit by itself.
    const script = `
      const { deflatePool } = await import(${JSON.stringify(new URL('./deflate-pool.ts', import.meta.url).href)});
      const member = deflatePool.openMember(6);
      const { output } = await member.deflate(Buffer.from('hello\\n'), true);
      process.stdout.write(String(output.length));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    expect(Number(stdout)).toBeGreaterThan(0);
  }, 30_000);
});
