/**
 * `sluice serve` as a real child process (as `npm start` runs it): first-start bootstrap, events
 * accepted, SIGTERM while requests are in flight → those requests answered, exit code 0; a restart
 * keeps the data and does not bootstrap again; every acknowledged event is in the log and, flushed, in
 * the first-start local-files destination.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileEventLog } from '../log/file-event-log.js';
import { REPEATED_SIGNAL_WINDOW_MS } from './commands/serve.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Serving {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: URL;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout, now or later. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** The exit code and the signal that ended the process (one of them is null). */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The command line from the sources, through tsx (most tests), or the built executable. */
const fromSources = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

/** `sluice serve` started, not yet listening. */
function startServe(dataDir: string, extraEnv: Record<string, string> = {}, entry: readonly string[] = fromSources): Omit<Serving, 'url'> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_') && name !== 'UV_THREADPOOL_SIZE'));
  const child = spawn(process.execPath, [...entry, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...env, SLUICE_ADMIN_PASSWORD: 'integration-pw', SLUICE_LOG_LEVEL: 'info', SLUICE_SHUTDOWN_TIMEOUT_SECONDS: '8', ...extraEnv },
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const check of waiters) check();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const exited = ended.then(({ code }) => code);
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern);
        if (match) {
          waiters.delete(check);
          resolve(match);
        }
      };
      waiters.add(check);
      check();
      void exited.then((code) => reject(new Error(`sluice exited (${code}) before printing ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`)));
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited, ended };
}

async function serve(dataDir: string, extraEnv: Record<string, string> = {}, entry: readonly string[] = fromSources): Promise<Serving> {
  const started = startServe(dataDir, extraEnv, entry);
  const [, url] = await started.waitFor(/Sluice listening on (http:\/\/[\d.]+:\d+)/);
  return { ...started, url: new URL(url!) };
}

const trackEvent = (messageId: string) => ({ type: 'track', userId: 'user-1', event: 'Integration', messageId });

/**
 * A request whose headers the server has taken in (it answered `100 Continue`) but whose body is still
 * to come: a request in flight, on a keep-alive connection like the official libraries use.
 */
async function startInFlightRequest(url: URL, writeKey: string, body: string) {
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.on('error', () => undefined); // a reset after the server exits is expected in the timeout test
  let received = '';
  const changed = new EventTarget();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    changed.dispatchEvent(new Event('data'));
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => done() && (changed.removeEventListener('data', check), resolve());
      changed.addEventListener('data', check);
      check();
    });
  socket.write(
    [
      'POST /v1/track HTTP/1.1',
      `Host: ${url.host}`,
      'Content-Type: application/json',
      `Authorization: Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Expect: 100-continue',
      '',
      '',
    ].join('\r\n'),
  );
  await until(() => received.includes('100 Continue\r\n\r\n'));
  return {
    async finish(): Promise<{ status: number; body: string; closedByServer: Promise<unknown> }> {
      received = received.slice(received.indexOf('100 Continue\r\n\r\n') + '100 Continue\r\n\r\n'.length);
      socket.write(body);
      const complete = () => {
        const end = received.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(received.slice(0, end));
        return end > 0 && length !== null && received.length >= end + 4 + Number(length[1]);
      };
      await until(complete);
      const end = received.indexOf('\r\n\r\n');
      return { status: Number(received.split(' ', 2)[1]), body: received.slice(end + 4), closedByServer: once(socket, 'close') };
    },
  };
}

async function post(url: URL, writeKey: string, path: string, payload: unknown) {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await response.json() };
}

describe('sluice serve (child process)', () => {
  it('bootstraps, accepts events, drains in-flight requests on SIGTERM, exits 0 and keeps every acknowledged event', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-serve-')), 'data');
    const first = await serve(dataDir);
    const [, sourceId, writeKey] = first.stdout().match(/Source "default" \(id ([A-Za-z0-9]+)\) write key: ([A-Za-z0-9]{32})/)!;
    expect(first.stdout()).toContain('Admin login:  admin@localhost / (the configured adminPassword)');
    expect(first.stdout()).not.toContain('integration-pw');

    const acknowledged: string[] = [];
    const batch = await post(first.url, writeKey!, '/v1/batch', { batch: ['b1', 'b2', 'b3'].map(trackEvent) });
    expect(batch).toEqual({ status: 200, body: { success: true } });
    acknowledged.push('b1', 'b2', 'b3');
    for (const id of ['t1', 't2']) {
      expect((await post(first.url, writeKey!, '/v1/track', trackEvent(id))).status).toBe(200);
      acknowledged.push(id);
    }

    const inFlight = await Promise.all(['f1', 'f2'].map((id) => startInFlightRequest(first.url, writeKey!, JSON.stringify(trackEvent(id)))));
    first.child.kill("SIGTERM");
    await first.waitFor(/shutting down/);
    for (const [index, request] of inFlight.entries()) {
      const response = await request.finish();
      expect(response).toMatchObject({ status: 200, body: '{"success":true}' });
      acknowledged.push(`f${index + 1}`);
      await response.closedByServer; // the keep-alive connection does not hold shutdown up
    }
    expect(await first.exited).toBe(0);
    expect(first.stdout()).not.toMatch(/timed out/);

    const second = await serve(dataDir);
    expect(second.stdout()).not.toContain('First start');
    expect((await post(second.url, writeKey!, '/v1/track', trackEvent('r1'))).status).toBe(200);
    acknowledged.push('r1');

    // The first start also connected a local-files destination to the default source (DESIGN B1):
    // flushing it on demand writes every acknowledged event, in order, in the S3 layout under <dataDir>/bucket.
    const admin = async (method: string, path: string, token?: string, body?: unknown) => {
      const response = await fetch(new URL(path, second.url), {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json() as Promise<Record<string, unknown>>;
    };
    const { token } = (await admin('POST', '/api/v1/auth/login', undefined, { email: 'admin@localhost', password: 'integration-pw' })) as { token: string };
    const { destinations } = (await admin('GET', '/api/v1/workspaces/default/destinations', token)) as { destinations: { id: string; type: string; sourceIds: string[] }[] };
    expect(destinations).toEqual([expect.objectContaining({ type: 'local-files', sourceIds: [sourceId] })]);
    const { objects } = (await admin('POST', `/api/v1/workspaces/default/destinations/${destinations[0]!.id}/flush`, token)) as { objects: { key: string }[] };
    const delivered = objects.flatMap(({ key }) => {
      expect(key).toMatch(new RegExp(`^segment-logs/${sourceId}/\\d{13}/`));
      return gunzipSync(readFileSync(join(dataDir, 'bucket', key))).toString().trimEnd().split('\n');
    });
    expect(delivered.map((line) => (JSON.parse(line) as { messageId: string }).messageId)).toEqual(acknowledged);

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    const log = await FileEventLog.open({ directory: join(dataDir, 'log'), maxBytes: 2 ** 30 });
    try {
      const records = await log.read(sourceId!, 0);
      const messageIds = records.map((record) => (JSON.parse(record.data.toString()) as { messageId: string }).messageId);
      expect(messageIds).toEqual(acknowledged);
    } finally {
      await log.close();
    }
  });

  it('exits 1 with a message when shutdown outlasts shutdownTimeoutSeconds', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-serve-timeout-')), 'data');
    const server = await serve(dataDir, { SLUICE_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const [, writeKey] = server.stdout().match(/write key: ([A-Za-z0-9]{32})/)!;
    await startInFlightRequest(server.url, writeKey!, '{"type":"track"}'); // its body never comes
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('shutdown did not finish within 1s (shutdownTimeoutSeconds); exiting 1');
  });

  it('takes the same signal twice in a row as one request to stop (npm start passes on the Ctrl-C the terminal sent too)', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-serve-twice-')), 'data');
    const server = await serve(dataDir);
    const [, writeKey] = server.stdout().match(/write key: ([A-Za-z0-9]{32})/)!;
    const inFlight = await startInFlightRequest(server.url, writeKey!, JSON.stringify(trackEvent('twice')));
    server.child.kill('SIGINT');
    // The first one handled (two pending ones would merge into one), the second comes right after it.
    await server.waitFor(/shutting down: finishing in-flight requests/);
    server.child.kill('SIGINT');
    await server.waitFor(/signal repeated while shutting down/);
    const response = await inFlight.finish();
    expect(response).toMatchObject({ status: 200, body: '{"success":true}' });
    expect(await server.ended).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('sluice stopped');
    expect(server.stdout()).not.toContain('second signal during shutdown');
  });

  it('exits 1 at once on a second signal that comes later, while shutdown is held up', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-serve-again-')), 'data');
    const server = await serve(dataDir);
    const [, writeKey] = server.stdout().match(/write key: ([A-Za-z0-9]{32})/)!;
    await startInFlightRequest(server.url, writeKey!, '{"type":"track"}'); // its body never comes: shutdown waits (8 s timeout)
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down: finishing in-flight requests/);
    await new Promise((resolve) => setTimeout(resolve, REPEATED_SIGNAL_WINDOW_MS + 500));
    server.child.kill('SIGTERM');
    expect(await server.ended).toEqual({ code: 1, signal: null });
    expect(server.stdout()).toContain('second signal during shutdown: exiting now, without a clean close');
  });

  it('shuts down cleanly, exit 0, on a SIGTERM that arrives during start-up', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-serve-early-')), 'data');
    const starting = startServe(dataDir);
    // The first-start banner comes out before the listeners are even built.
    await starting.waitFor(/First start:/);
    starting.child.kill('SIGTERM');
    expect(await starting.ended).toEqual({ code: 0, signal: null });
    expect(starting.stdout()).toMatch(/shutting down (as soon as start-up ends|: finishing in-flight requests)/);
    expect(starting.stdout()).toContain('sluice stopped');
    // Start-up was allowed to finish: the next start is an ordinary one, not a first start.
    const again = await serve(dataDir);
    expect(again.stdout()).not.toContain('First start:');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('refuses to start on an invalid setting, naming it', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--max-batch-events', 'lots'], {
      cwd: root,
      env: { ...env, SLUICE_DATA_DIR: join(tmpdir(), 'never-created') },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid setting "maxBatchEvents" (flag --max-batch-events = "lots"): must be an integer');
  });
});

describe('the sluice executable (dist/cli/sluice.cjs, as npm start and the bin run it)', () => {
  // Counted in /proc. libuv reads UV_THREADPOOL_SIZE when its pool starts, which an ES module entry
  // does before its first line runs: the executable is CommonJS so that its default comes first.
  it.runIf(process.platform === 'linux')("starts libuv's pool with 16 threads, or as many as the operator set", async () => {
    const executable = join(root, 'dist/cli/sluice.cjs');
    if (!existsSync(executable)) throw new Error(`${executable} is missing: \`npm test\` builds it first (npm run build)`);
    const threadsWhenListening = async (extraEnv: Record<string, string>) => {
      const dataDir = join(await mkdtemp(join(tmpdir(), 'sluice-executable-')), 'data');
      const serving = await serve(dataDir, extraEnv, [executable]);
      const threads = readdirSync(`/proc/${serving.child.pid}/task`).length;
      serving.child.kill('SIGTERM');
      expect(await serving.exited).toBe(0);
      return threads;
    };
    const operatorSized = await threadsWhenListening({ UV_THREADPOOL_SIZE: '4' });
    const byDefault = await threadsWhenListening({});
    // The same process otherwise: 12 more threads are the pool's 16 against the operator's 4.
    expect(byDefault).toBeGreaterThanOrEqual(operatorSized + 12);
  });
});
