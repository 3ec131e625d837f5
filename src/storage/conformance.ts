/**
 * The ObjectStore conformance suite (STYLE 11): every implementation runs these same tests, so the
 * destinations above can rely on the interface alone. Each test uses fresh keys (`randomUUID()`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from './object-store.js';

export interface ConformanceSubject {
  readonly store: ObjectStore;
  /** Reads an object back by key through a side door (the store itself cannot read). */
  readBack(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

export function objectStoreConformance(name: string, open: () => Promise<ConformanceSubject>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let scratch: string;
    beforeAll(async () => {
      subject = await open();
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-store-conformance-'));
    });
    afterAll(async () => {
      await subject.close();
      await fs.rm(scratch, { recursive: true, force: true });
    });

    const put = (key: string, body: Buffer, from: 'file' | 'stream') => {
      const file = path.join(scratch, randomUUID());
      return (from === 'file' ? fs.writeFile(file, body).then(() => ({ file })) : Promise.resolve({ stream: Readable.from([body]) })).then((source) =>
        subject.store.putObject({ key, body: source, contentLength: body.length, contentType: 'text/plain', contentEncoding: 'gzip' }),
      );
    };

    it.each(['file', 'stream'] as const)('writes a %s body byte for byte under a nested key', async (from) => {
      const key = `segment-logs/${randomUUID()}/1700006400000/${randomUUID()}.gz`;
      const body = randomBytes(200_000);
      const result = await put(key, body, from);
      expect(result.bytes).toBe(body.length);
      expect((await subject.readBack(key)).equals(body)).toBe(true);
    });

    it('replaces an object written again under the same key', async () => {
      const key = `segment-logs/${randomUUID()}/x.gz`;
      await put(key, Buffer.from('first version, longer than the second'), 'file');
      await put(key, Buffer.from('second'), 'file');
      expect((await subject.readBack(key)).toString()).toBe('second');
    });

    it('writes an empty object', async () => {
      const key = `segment-logs/${randomUUID()}/empty.gz`;
      await put(key, Buffer.alloc(0), 'file');
      expect((await subject.readBack(key)).length).toBe(0);
    });
  });
}
