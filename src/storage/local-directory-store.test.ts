import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { objectStoreConformance } from './conformance.js';
import { DURABLE_SLICE_BYTES, LocalDirectoryStore, TEMP_FILE_SUFFIX } from './local-directory-store.js';

objectStoreConformance('LocalDirectoryStore', async () => {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-local-store-'));
  return {
    store: new LocalDirectoryStore({ directory }),
    readBack: (key) => fs.readFile(path.join(directory, key)),
    close: () => fs.rm(directory, { recursive: true, force: true }),
  };
});

describe('LocalDirectoryStore', () => {
  async function withStore<T>(run: (store: LocalDirectoryStore, directory: string) => Promise<T>): Promise<T> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-local-store-'));
    try {
      return await run(new LocalDirectoryStore({ directory }), directory);
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  }

  it('shows no file under the final name while the body is still streaming, and no temp file after', async () => {
    await withStore(async (store, directory) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const body = Readable.from((async function* () {
        yield Buffer.from('first half|');
        await gate;
        yield Buffer.from('second half');
      })());
      const writing = store.putObject({ key: 'a/b.gz', body: { stream: body }, contentLength: 22, contentType: 'text/plain' });
      // Wait until the temp file exists, then check the final name is still absent.
      while ((await fs.readdir(path.join(directory, 'a')).catch(() => [])).length === 0) await new Promise((resolve) => setImmediate(resolve));
      const during = await fs.readdir(path.join(directory, 'a'));
      expect(during).toHaveLength(1);
      expect(during[0]).toMatch(new RegExp(`^\\.b\\.gz\\..*${TEMP_FILE_SUFFIX.replace('.', '\\.')}$`));
      release();
      await writing;
      expect(await fs.readdir(path.join(directory, 'a'))).toEqual(['b.gz']);
      expect(await fs.readFile(path.join(directory, 'a/b.gz'), 'utf8')).toBe('first half|second half');
    });
  });

  it('removes the temp file and writes nothing when the body fails or has the wrong length', async () => {
    await withStore(async (store, directory) => {
      const failing = Readable.from((async function* () {
        yield Buffer.from('partial');
        throw new Error('source broke');
      })());
      await expect(store.putObject({ key: 'a/c.gz', body: { stream: failing }, contentLength: 100, contentType: 'text/plain' })).rejects.toThrow('source broke');
      await expect(store.putObject({ key: 'a/d.gz', body: { stream: Readable.from([Buffer.from('abc')]) }, contentLength: 4, contentType: 'text/plain' })).rejects.toThrow(/expected 4/);
      expect(await fs.readdir(path.join(directory, 'a'))).toEqual([]);
    });
  });

  it('copies a file body of several durable slices byte for byte, the last one partial', async () => {
    await withStore(async (store, directory) => {
      const body = Buffer.alloc(Math.floor(DURABLE_SLICE_BYTES * 2.5));
      for (let at = 0; at < body.length; at++) body[at] = (at * 31 + (at >> 12)) & 0xff;
      const source = path.join(directory, 'spool.gz');
      await fs.writeFile(source, body);
      await store.putObject({ key: 'a/b/object.gz', body: { file: source }, contentLength: body.length, contentType: 'application/gzip' });
      expect((await fs.readFile(path.join(directory, 'a/b/object.gz'))).equals(body)).toBe(true);
      expect((await fs.readdir(path.join(directory, 'a/b'))).filter((name) => name.endsWith(TEMP_FILE_SUFFIX))).toEqual([]);
    });
  });

  it('refuses keys that would escape the directory', async () => {
    await withStore(async (store) => {
      for (const key of ['../x.gz', '/etc/x', 'a//b', 'a/./b', 'a\\..\\b']) {
        await expect(store.putObject({ key, body: { stream: Readable.from([]) }, contentLength: 0, contentType: 'text/plain' })).rejects.toThrow(/Invalid object key/);
      }
    });
  });
});
