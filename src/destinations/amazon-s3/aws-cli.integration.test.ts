/**
 * The seed's download recipe, run with the real AWS CLI against what Sluice wrote:
 *   aws s3 ls s3://{bucket}/segment-logs/{source-id}/
 *   aws s3 sync s3://{bucket}/segment-logs/{source-id}/{received-day} .
 * `ls`/`sync` LIST the bucket, so the CLI talks to s3rver directly (the user's own credentials can
 * list; Sluice's, behind the policy proxy, cannot). Nothing of the machine's AWS set-up leaks in:
 * every AWS_* variable is replaced and the config/credentials files are temp files.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { startS3TestServer, type S3TestServer } from '../../storage/test-support/s3-test-server.js';
import { destinationTypes } from '../registry.js';
import { appendSampleEvents, batchOf } from './test-support/batches.js';

const run = promisify(execFile);

/** Debian's awscli (what CI installs) first, then whatever `aws` is on PATH. */
function findAwsCli(): string | undefined {
  const candidates = ['/usr/bin/aws', ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((directory) => path.join(directory, 'aws'))];
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const awsCli = findAwsCli();
const DAY = 86_400_000;
const midnight = Date.UTC(2023, 10, 15);
const SOURCE = 'src_cli';

describe.skipIf(awsCli === undefined)('AWS CLI download of what Sluice wrote (seed 000 recipe)', () => {
  let server: S3TestServer;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const linesByDay = new Map<number, string[]>();

  beforeAll(async () => {
    server = await startS3TestServer({ policy: { requireEncryption: true } });
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-awscli-'));
    const spoolDirectory = path.join(home, 'spool');
    await fs.writeFile(path.join(home, 'config'), '[default]\nregion = us-east-1\nrequest_checksum_calculation = when_required\nresponse_checksum_validation = when_required\ns3 =\n    addressing_style = path\n');
    await fs.writeFile(path.join(home, 'credentials'), '');
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    Object.assign(env, {
      AWS_CONFIG_FILE: path.join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });

    // Two deliveries over three received days; the second batch straddles midnight.
    const log = new MemoryEventLog();
    const { destination } = destinationTypes['amazon-s3']!.create(
      { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, ...server.credentials },
      { nodeId: 'node-1', spoolDirectory },
    );
    const batches = [
      [midnight - DAY + 1000, midnight - DAY + 2000, midnight - 5000],
      [midnight - 10, midnight + 10, midnight - 5, midnight + DAY + 1],
    ];
    for (const [index, receivedAts] of batches.entries()) {
      const appended = await appendSampleEvents(log, SOURCE, receivedAts, index + 1);
      receivedAts.forEach((receivedAt, position) => {
        const day = Math.floor(receivedAt / DAY) * DAY;
        linesByDay.set(day, [...(linesByDay.get(day) ?? []), appended.lines[position]!]);
      });
      await destination.deliver(batchOf(log, SOURCE, appended.firstOffset, appended.endOffset), new AbortController().signal);
    }
    await destination.close();
  });

  afterAll(async () => {
    await server?.close();
    if (home) await fs.rm(home, { recursive: true, force: true });
  });

  const aws = async (...args: string[]) => (await run(awsCli!, ['--endpoint-url', server.directEndpoint, ...args], { env, cwd: home, timeout: 30_000 })).stdout;

  it('aws s3 ls lists the received-day folders', async () => {
    const output = await aws('s3', 'ls', `s3://${server.bucket}/segment-logs/${SOURCE}/`);
    expect(output.trim().split('\n').map((line) => line.trim())).toEqual([...linesByDay.keys()].sort().map((day) => `PRE ${day}/`));
  });

  it('aws s3 sync of one day downloads gzip files whose lines are exactly that day\'s events, in arrival order', async () => {
    for (const [day, lines] of linesByDay) {
      const target = path.join(home, `day-${day}`);
      await aws('s3', 'sync', `s3://${server.bucket}/segment-logs/${SOURCE}/${day}`, target);
      const files = (await fs.readdir(target)).sort();
      expect(files.every((file) => /^\d{13}\.\d{16}\.node-1\.gz$/.test(file))).toBe(true);
      let text = '';
      for (const file of files) text += gunzipSync(await fs.readFile(path.join(target, file))).toString();
      expect(text).toBe(lines.map((line) => `${line}\n`).join(''));
    }
  });

  it('aws s3 sync of the whole source downloads every day', async () => {
    const target = path.join(home, 'all');
    await aws('s3', 'sync', `s3://${server.bucket}/segment-logs/${SOURCE}`, target);
    const days = (await fs.readdir(target)).sort();
    expect(days).toEqual([...linesByDay.keys()].sort().map(String));
    let events = 0;
    for (const day of days) {
      for (const file of await fs.readdir(path.join(target, day))) {
        events += gunzipSync(await fs.readFile(path.join(target, day, file))).toString().split('\n').filter(Boolean).length;
      }
    }
    expect(events).toBe(7);
  });
});
