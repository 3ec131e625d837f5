/**
 * The soak's correctness check and bucket figures: how many objects and bytes each bucket holds (the
 * local-files directory, and the s3rver bucket read with full-access credentials, never through the
 * policy proxy Sluice writes through), and how many events — lines of gunzipped NDJSON — they hold.
 * Streams every object through gunzip, counting newlines; nothing is held in memory but one chunk.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3rverReader } from '../../src/storage/test-support/s3-test-server.js';
import { tallyFiles, type FileTally } from './probes.js';

const NEWLINE = 0x0a;

async function countLines(compressed: Readable): Promise<number> {
  let lines = 0;
  const counter = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
      callback();
    },
  });
  await pipeline(compressed, createGunzip(), counter);
  return lines;
}

export interface BucketReader {
  /** Objects and compressed bytes now. */
  tally(): Promise<FileTally>;
  /** Events (NDJSON lines) in every object now. */
  countEvents(): Promise<number>;
}

/** The S3 layout written by `local-files` under `directory`. */
export function localBucket(directory: string): BucketReader {
  const isObject = (name: string) => name.endsWith('.gz');
  return {
    tally: () => tallyFiles(directory, { include: isObject }),
    async countEvents() {
      let events = 0;
      const files: string[] = [];
      const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.isFile() && isObject(entry.name)) files.push(path.join(entry.parentPath, entry.name));
      }
      for (const file of files) events += await countLines(createReadStream(file));
      return events;
    },
  };
}

/** An S3 bucket read with list/get rights (s3rver's own endpoint in the soak). */
export function s3Bucket(options: { endpoint: string; bucket: string }): BucketReader & { close(): void } {
  const client = s3rverReader(options.endpoint);
  async function* objects(): AsyncGenerator<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: options.bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.gz')) yield { key: object.Key, size: object.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return {
    async tally() {
      const tally: FileTally = { files: 0, bytes: 0 };
      for await (const object of objects()) {
        tally.files += 1;
        tally.bytes += object.size;
      }
      return tally;
    },
    async countEvents() {
      let events = 0;
      for await (const object of objects()) {
        const output = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: object.key }));
        events += await countLines(output.Body as Readable);
      }
      return events;
    },
    close: () => client.destroy(),
  };
}
