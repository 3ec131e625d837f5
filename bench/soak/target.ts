/**
 * The system under soak: the real `sluice serve` (the compiled output `npm start` runs, as the ingest benchmark
 * starts it) as a child process on its own temp data dir with default settings — so the bootstrap
 * `local-files` destination delivers as in production — plus an `amazon-s3` destination writing to an
 * in-process s3rver behind the PutObject-only policy proxy (src/storage/test-support).
 *
 * Owns their lifecycle and the admin calls the soak makes (login, create the S3 destination, status,
 * flush). Keeps only a bounded tail of the server's output, and counts its error-level log lines:
 * a soak must not grow its own memory with run length.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3TestServer, type S3TestServer } from '../../src/storage/test-support/s3-test-server.js';
import { reapOnExit } from '../support/child-reaper.js';
import { sluiceServeArgs } from '../support/processes.js';
import { localBucket, s3Bucket, type BucketReader } from './bucket-check.js';

const ADMIN_EMAIL = 'soak@example.com';
const ADMIN_PASSWORD = 'soak-password-1234';
const OUTPUT_TAIL_CHARS = 16_384;
/** pino's numeric level of `error`. */
const PINO_ERROR = 50;

/** Remembers the last `limit` characters written to it, and the error-level JSON log lines seen. */
class OutputTail {
  #text = '';
  #partialLine = '';
  errorLines = 0;
  readonly errorSamples: string[] = [];

  constructor(private readonly limit: number) {}

  write(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.limit);
    const lines = (this.#partialLine + chunk).split('\n');
    this.#partialLine = lines.pop()!.slice(-this.limit);
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        if (((JSON.parse(line) as { level?: number }).level ?? 0) >= PINO_ERROR) {
          this.errorLines++;
          if (this.errorSamples.length < 5) this.errorSamples.push(line.slice(0, 500));
        }
      } catch {
        // not a log line
      }
    }
  }

  text(): string {
    return this.#text;
  }
}

export interface DestinationRef {
  readonly id: string;
  readonly type: string;
}

export interface DestinationStatusJson {
  readonly pending: { readonly events: number; readonly bytes: number };
  readonly lastError: { readonly message: string } | null;
}

export interface SoakTarget {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly bucketDir: string;
  readonly writeKey: string;
  readonly adminToken: string;
  readonly destinations: readonly DestinationRef[];
  readonly buckets: { readonly local: BucketReader; readonly s3: BucketReader };
  /** Error-level log lines the server has written so far, and the first few of them. */
  errorLogLines(): { count: number; samples: readonly string[] };
  outputTail(): string;
  status(destination: DestinationRef): Promise<DestinationStatusJson>;
  /** Flushes every destination; resolves when each flush call has answered 200. */
  flushAll(): Promise<void>;
  /** SIGTERM, then the server's exit code; the caller still calls `close()`. */
  stopServer(): Promise<number | null>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

async function api<T>(url: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) };
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

function startServerProcess(dataDir: string, output: OutputTail, errors: OutputTail): Promise<{ child: ChildProcess; url: string; writeKey: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
  const child = reapOnExit(spawn(process.execPath, sluiceServeArgs(), {
    env: { ...env, SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD, SLUICE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.write(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => errors.write(chunk));
  return new Promise((resolve, reject) => {
    let banner = '';
    const timer = setTimeout(() => reject(new Error(`sluice serve did not start in 60 s: ${output.text()} ${errors.text()}`)), 60_000);
    const onData = (chunk: string) => {
      banner += chunk;
      const url = /Sluice listening on (\S+)/.exec(banner)?.[1];
      const writeKey = /write key: (\S+)/.exec(banner)?.[1];
      if (url && writeKey) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve({ child, url, writeKey });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice serve exited (${code}) before listening: ${errors.text()}`));
    });
  });
}

export async function startSoakTarget(options: { s3FlushIntervalSeconds?: number } = {}): Promise<SoakTarget> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-soak-'));
  const bucketDir = path.join(dataDir, 'bucket');
  const s3: S3TestServer = await startS3TestServer({ policy: { requireEncryption: true } });
  const output = new OutputTail(OUTPUT_TAIL_CHARS);
  const errors = new OutputTail(OUTPUT_TAIL_CHARS);
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const s3Reader = s3Bucket({ endpoint: s3.directEndpoint, bucket: s3.bucket });
  try {
    server = await startServerProcess(dataDir, output, errors);
    const base = `${server.url}/api/v1`;
    const { token } = await api<{ token: string }>(`${base}/auth/login`, { method: 'POST', body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
    const workspace = `${base}/workspaces/default`;
    const { sources } = await api<{ sources: { id: string }[] }>(`${workspace}/sources`, { token });
    const created = await api<{ id: string }>(`${workspace}/destinations`, {
      method: 'POST',
      token,
      body: JSON.stringify({
        type: 'amazon-s3',
        name: 'soak s3rver',
        sourceIds: sources.map((source) => source.id),
        // Same cadence as the bootstrap local-files destination; the 100 MB size trigger applies to both.
        settings: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', ...s3.credentials, flushIntervalSeconds: options.s3FlushIntervalSeconds ?? 60 },
      }),
    });
    const { destinations } = await api<{ destinations: { id: string; type: string }[] }>(`${workspace}/destinations`, { token });
    if (!destinations.some((destination) => destination.id === created.id)) throw new Error('the S3 destination was not listed after creation');
    const child = server.child;
    const exited = new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

    return {
      url: server.url,
      pid: child.pid!,
      dataDir,
      bucketDir,
      writeKey: server.writeKey,
      adminToken: token,
      destinations: destinations.map(({ id, type }) => ({ id, type })),
      buckets: { local: localBucket(bucketDir), s3: s3Reader },
      errorLogLines: () => ({ count: output.errorLines + errors.errorLines, samples: [...output.errorSamples, ...errors.errorSamples] }),
      outputTail: () => `${output.text()}\n${errors.text()}`,
      status: (destination) => api<DestinationStatusJson>(`${workspace}/destinations/${destination.id}/status`, { token }),
      async flushAll() {
        for (const destination of destinations) await api(`${workspace}/destinations/${destination.id}/flush`, { method: 'POST', token });
      },
      async stopServer() {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
      async close(closeOptions = {}) {
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        s3Reader.close();
        await s3.close();
        if (!closeOptions.keepData) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.child.kill('SIGKILL');
    s3Reader.close();
    await s3.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
