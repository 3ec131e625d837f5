import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registeredDestinationTypes as types } from './registry-adapter.js';

describe('registeredDestinationTypes', () => {
  it('names the real types and their secret settings', () => {
    expect(types.names().sort()).toEqual(['amazon-s3', 'local-files']);
    expect(types.secretSettings('amazon-s3')).toContain('secretAccessKey');
    expect(types.secretSettings('local-files')).toEqual([]);
  });

  it('rejects bad settings with invalid_destination_setting naming the setting, unknown types by code', () => {
    expect(() => types.validate('amazon-s3', {})).toThrow(expect.objectContaining({ code: 'invalid_destination_setting', message: expect.stringContaining('bucket') }));
    expect(() => types.validate('amazon-s3', { bucket: 'b-1', flushSchedule: 'every hour' })).toThrow(expect.objectContaining({ code: 'invalid_destination_setting', message: expect.stringContaining('flushSchedule') }));
    expect(() => types.validate('local-files', { directory: '/tmp/x', colour: 'red' })).toThrow(expect.objectContaining({ message: expect.stringContaining('colour') }));
    expect(() => types.validate('webhook', {})).toThrow(expect.objectContaining({ code: 'unknown_destination_type' }));
  });

  it('builds a destination with its batching policy and a close()', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sluice-registry-'));
    const settings = types.validate('local-files', { directory, flushIntervalSeconds: 5, maxBatchBytes: '1MiB' });
    const built = await types.create('local-files', settings, { nodeId: 'node-a', spoolDirectory: join(directory, 'spool') });
    expect(built.batching).toMatchObject({ maxBatchBytes: 1024 * 1024, flushIntervalSeconds: 5 });
    await built.close?.();
  });
});
