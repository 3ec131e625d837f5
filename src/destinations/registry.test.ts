import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors/index.js';
import { destinationTypes, maskSecrets, requireDestinationType } from './registry.js';

const s3 = destinationTypes['amazon-s3']!;
const local = destinationTypes['local-files']!;
const context = { nodeId: 'node-1', spoolDirectory: '/tmp/unused' };

function problemsOf(entry: typeof s3, raw: unknown): string[] {
  const result = entry.validate(raw);
  return result.ok ? [] : result.problems.map((problem) => `${problem.setting}: ${problem.message}`);
}

describe('amazon-s3 settings', () => {
  it('applies Segment\'s defaults: SSE on, 100 MiB batches, hourly at minute 40', () => {
    const result = s3.validate({ bucket: 'my-bucket' });
    expect(result).toEqual({
      ok: true,
      settings: {
        bucket: 'my-bucket', useServerSideEncryption: true, region: undefined, endpoint: undefined, forcePathStyle: false,
        accessKeyId: undefined, secretAccessKey: undefined, maxBatchBytes: 100 * 2 ** 20, flushSchedule: undefined, flushIntervalSeconds: undefined,
      },
    });
    expect(s3.create({ bucket: 'my-bucket' }, context).batching).toEqual({ maxBatchBytes: 100 * 2 ** 20, flushSchedule: '40 * * * *' });
  });

  it('takes every setting of DESIGN B3', () => {
    const result = s3.validate({
      bucket: 'my-bucket/path/prefix/', useServerSideEncryption: false, region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000/',
      forcePathStyle: true, accessKeyId: 'AKIA', secretAccessKey: 'secret', maxBatchBytes: '50MiB', flushIntervalSeconds: 60,
    });
    expect(result.ok && result.settings).toMatchObject({ bucket: 'my-bucket/path/prefix', endpoint: 'http://127.0.0.1:9000', maxBatchBytes: 50 * 2 ** 20, flushIntervalSeconds: 60 });
    expect(s3.create({ bucket: 'b-1', flushIntervalSeconds: 60 }, context).batching).toEqual({ maxBatchBytes: 100 * 2 ** 20, flushIntervalSeconds: 60 });
  });

  it('rejects unknown and invalid settings, naming each one', () => {
    expect(problemsOf(s3, {})).toEqual([expect.stringMatching(/^bucket: "bucket" is required/)]);
    expect(problemsOf(s3, { bucket: 'b-1', bukcet: 'x' })).toEqual([expect.stringMatching(/^bukcet: unknown setting "bukcet" \(known settings: bucket, useServerSideEncryption/)]);
    expect(problemsOf(s3, { bucket: 'My_Bucket' })).toEqual([expect.stringMatching(/^bucket: .*valid S3 bucket name/)]);
    expect(problemsOf(s3, { bucket: 'b-1', useServerSideEncryption: 'maybe' })).toEqual([expect.stringMatching(/^useServerSideEncryption: .*true or false/)]);
    expect(problemsOf(s3, { bucket: 'b-1', flushSchedule: 'every hour' })).toEqual([expect.stringMatching(/^flushSchedule: .*not a valid cron pattern/)]);
    expect(problemsOf(s3, { bucket: 'b-1', flushSchedule: '0 * * * *', flushIntervalSeconds: 5 })).toEqual([expect.stringMatching(/^flushIntervalSeconds: set either/)]);
    expect(problemsOf(s3, { bucket: 'b-1', accessKeyId: 'AKIA' })).toEqual([expect.stringMatching(/^secretAccessKey: set both/)]);
    expect(problemsOf(s3, { bucket: 'b-1', maxBatchBytes: 10 })).toEqual([expect.stringMatching(/^maxBatchBytes: .*between/)]);
    expect(problemsOf(s3, { bucket: 'b-1', endpoint: 'ftp://x' })).toEqual([expect.stringMatching(/^endpoint: /)]);
    expect(problemsOf(s3, 'bucket')).toEqual(['(settings): settings must be a JSON object']);
  });

  it('never echoes a secret back in a message', () => {
    expect(problemsOf(s3, { bucket: 'b-1', accessKeyId: 'AKIA', secretAccessKey: 42 }).join()).not.toContain('42');
  });

  it('create() throws the API error invalid_destination_setting', () => {
    let error: unknown;
    try {
      s3.create({ bucket: 'b-1', colour: 'red' }, context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('invalid_destination_setting');
    expect((error as SluiceError).message).toMatch(/unknown setting "colour"/);
  });

  it('documents every setting and marks the secret ones', () => {
    for (const definition of Object.values(s3.settings)) expect(definition.doc.length).toBeGreaterThan(10);
    expect(s3.secretSettings).toEqual(['secretAccessKey']);
    expect(maskSecrets('amazon-s3', { bucket: 'b', secretAccessKey: 'shh' })).toEqual({ bucket: 'b', secretAccessKey: '********' });
  });
});

describe('local-files settings', () => {
  it('needs a directory and shares the batching settings', () => {
    expect(problemsOf(local, {})).toEqual([expect.stringMatching(/^directory: "directory" is required/)]);
    expect(problemsOf(local, { directory: '/x', bucket: 'b' })).toEqual([expect.stringMatching(/^bucket: unknown setting/)]);
    expect(local.create({ directory: '/tmp/x', flushIntervalSeconds: 60 }, context).batching).toEqual({ maxBatchBytes: 100 * 2 ** 20, flushIntervalSeconds: 60 });
  });
});

describe('validated settings', () => {
  it.each([
    ['amazon-s3', { bucket: 'b-1' }],
    ['amazon-s3', { bucket: 'b-1/x', flushIntervalSeconds: 60, maxBatchBytes: '1MiB' }],
    ['amazon-s3', { bucket: 'b-1', flushSchedule: '*/5 * * * *', accessKeyId: 'A', secretAccessKey: 'S' }],
    ['local-files', { directory: '/tmp/x', flushIntervalSeconds: 60 }],
  ])('validate again unchanged and build (%s %j)', (type, raw) => {
    const entry = destinationTypes[type]!;
    const first = entry.validate(raw);
    expect(first.ok).toBe(true);
    const settings = first.ok ? first.settings : {};
    // What the API stores is JSON: undefined values disappear.
    const stored = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
    expect(entry.validate(stored)).toEqual(first);
    expect(entry.create(stored, context).batching).toEqual(entry.create(raw, context).batching);
  });
});

describe('registry', () => {
  it('answers unknown_destination_type for a type it does not have', () => {
    expect(() => requireDestinationType('webhook')).toThrow(expect.objectContaining({ code: 'unknown_destination_type' }));
    expect(requireDestinationType('amazon-s3')).toBe(s3);
    expect(() => requireDestinationType('toString')).toThrow();
  });
});
