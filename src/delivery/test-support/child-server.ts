/**
 * Test support for kill -9 tests: starts the real `sluice serve` (src/cli/main.ts through tsx) as a child
 * process on a data dir, waits for its listening line, and offers the few HTTP calls the tests make
 * (ingest, login, flush). `SLUICE_*` settings and fault hooks come in through `env`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

export interface ChildServer {
  readonly process: ChildProcess;
  readonly url: string;
  /** Printed on the first start only. */
  readonly writeKey: string | undefined;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Everything the child wrote to stdout so far (its JSON log lines, at SLUICE_LOG_LEVEL). */
  stdout(): string;
  /** Resolves with the signal (or exit code) when the child is gone. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export async function startChildServer(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    env: {
      ...withoutSluiceSettings(process.env),
      SLUICE_PORT: '0',
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_EMAIL: 'ops@example.com',
      SLUICE_ADMIN_PASSWORD: 'kill-test-pw',
      SLUICE_LOG_LEVEL: 'warn',
      ...env,
    },
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
  return { process: child, url, writeKey: /write key: (\S+)/.exec(stdout)?.[1], stderr: () => stderr, stdout: () => stdout, exited };
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

/** A session token for the test's admin account; undefined when the server does not answer. */
export async function login(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'kill-test-pw' }) });
    return ((await response.json()) as { token?: string }).token;
  } catch {
    return undefined;
  }
}

/** Flushes every destination of the default workspace; the response status (0 = no answer). */
export async function flushAll(url: string, token?: string): Promise<number> {
  try {
    const headers = { authorization: `Bearer ${token ?? (await login(url))}` };
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

/** The parent's environment minus SLUICE_* settings, so a developer's own settings cannot leak in. */
function withoutSluiceSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SLUICE_')));
}
