/**
 * Test support for kill -9 tests: starts `serve-with-delivery.ts` as a child process on a data dir,
 * waits for its listening line, and offers the few HTTP calls the tests make (ingest, login, flush).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./serve-with-delivery.ts', import.meta.url));

export interface ChildServer {
  readonly process: ChildProcess;
  readonly url: string;
  /** Printed on the first start only. */
  readonly writeKey: string | undefined;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the signal (or exit code) when the child is gone. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export async function startChildServer(dataDir: string, env: Record<string, string> = {}, flushIntervalSeconds = 60): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(flushIntervalSeconds)], {
    env: { ...process.env, SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_EMAIL: 'ops@example.com', SLUICE_ADMIN_PASSWORD: 'kill-test-pw', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Sluice listening on (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((how) => reject(new Error(`child exited (${how}) before listening: ${stderr}`)));
  });
  return { process: child, url, writeKey: /write key: (\S+)/.exec(stdout)?.[1], stderr: () => stderr, exited };
}

/** Sends a batch; resolves true only on a 200 (the events are acknowledged), false on any failure. */
export async function sendBatch(url: string, writeKey: string, messageIds: readonly string[]): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch: messageIds.map((messageId) => ({ type: 'track', event: 'Kill', userId: 'u', messageId })) }),
    });
    await response.text();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Logs in and flushes every destination of the default workspace; the response status (0 = no answer). */
export async function flushAll(url: string): Promise<number> {
  try {
    const login = (await (await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'kill-test-pw' }) })).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}` };
    const list = (await (await fetch(`${url}/api/v1/workspaces/default/destinations`, { headers })).json()) as { destinations: { id: string }[] };
    let status = 200;
    for (const destination of list.destinations) {
      const response = await fetch(`${url}/api/v1/workspaces/default/destinations/${destination.id}/flush`, { method: 'POST', headers });
      await response.text();
      if (response.status !== 200) status = response.status;
    }
    return status;
  } catch {
    return 0;
  }
}
