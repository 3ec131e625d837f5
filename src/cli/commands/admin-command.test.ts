import { describe, expect, it } from 'vitest';
import { parseSettingPairs } from './admin-command.js';
import { formatTable } from './output.js';

describe('parseSettingPairs', () => {
  it('reads key=value pairs (JSON values when they parse) over a --settings object', () => {
    expect(parseSettingPairs(undefined, undefined)).toBeUndefined();
    expect(parseSettingPairs(['bucket=acme/logs', 'useServerSideEncryption=false', 'flushIntervalSeconds=60', 'secret=a=b'], '{"region":"eu-west-1","bucket":"old"}')).toEqual({
      region: 'eu-west-1',
      bucket: 'acme/logs',
      useServerSideEncryption: false,
      flushIntervalSeconds: 60,
      secret: 'a=b',
    });
  });

  it('refuses what is not a pair or not a JSON object, as a usage error', () => {
    expect(() => parseSettingPairs(['novalue'], undefined)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseSettingPairs(['=x'], undefined)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseSettingPairs(undefined, '[1,2]')).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseSettingPairs(undefined, '{')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('formatTable', () => {
  it('aligns columns under upper-case titles, with - for absent values', () => {
    const text = formatTable([{ id: 'a', tags: ['x', 'y'] }, { id: 'long-id', tags: [] }], [
      { title: 'id', value: (row) => row.id },
      { title: 'tags', value: (row) => row.tags },
    ]);
    expect(text).toBe('ID       TAGS\na        x,y\nlong-id  -\n');
    expect(formatTable([], [{ title: 'id', value: () => 1 }])).toBe('(none)\n');
  });
});
