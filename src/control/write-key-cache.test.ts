import { describe, expect, it } from 'vitest';
import { WriteKeyCache } from './write-key-cache.js';

const source = (writeKey: string, enabled = true) => ({ writeKey, sourceId: `id-${writeKey}`, workspaceId: 'w', enabled });

describe('WriteKeyCache', () => {
  it('never lets a reload that read earlier overwrite a newer one', () => {
    const cache = new WriteKeyCache();
    const older = cache.beginRead();
    const newer = cache.beginRead();
    cache.replaceAll(newer, [source('new-key')]);
    cache.replaceAll(older, [source('old-key')]);
    expect(cache.lookup('new-key')?.sourceId).toBe('id-new-key');
    expect(cache.lookup('old-key')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
