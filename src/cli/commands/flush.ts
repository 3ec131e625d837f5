/**
 * `sluice flush [--destination <id>]`: asks the running server to deliver everything pending now
 * (`POST …/destinations/{id}/flush`, DESIGN B4) and prints the objects written. Without --destination,
 * every enabled destination of the workspace is flushed, one after another.
 *
 * Where the server is: --url, else the host/port (or adminPort, https when tlsCert is set) settings.
 * Credentials: --token or SLUICE_TOKEN, else login with SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD.
 * Exit codes: 0 delivered; 1 the server refused or a delivery failed (the error is printed); 2 usage.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../../config/index.js';

export interface FlushOptions {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly destination?: string | undefined;
  readonly workspace: string;
  readonly json: boolean;
  readonly config?: string | undefined;
}

interface FlushedObject {
  key: string;
  events: number;
  bytes: number;
}

export class FlushCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export function registerFlush(program: Command): void {
  program
    .command('flush')
    .description('Deliver everything pending now, through the running server, and print the objects written.')
    .option('--destination <id>', 'flush only this destination (default: every enabled one)')
    .option('--workspace <slug>', 'workspace of the destinations', 'default')
    .option('--url <url>', 'base URL of the admin API (default: from the host/port settings)')
    .option('--token <token>', 'admin session token (env SLUICE_TOKEN; default: log in with SLUICE_ADMIN_EMAIL/SLUICE_ADMIN_PASSWORD)')
    .option('--config <file>', 'JSON config file of settings, to find host/port and credentials (env SLUICE_CONFIG)')
    .option('--json', 'print one JSON object instead of a table', false)
    .action(async (options: FlushOptions) => {
      try {
        await runFlush(options, process.env, (text) => process.stdout.write(text));
      } catch (error) {
        const exitCode = error instanceof FlushCommandError ? error.exitCode : 1;
        process.stderr.write(`sluice flush: ${(error as Error).message}\n`);
        process.exit(exitCode);
      }
    });
}

/** The whole command, printing through `print`; throws FlushCommandError with the exit code. */
export async function runFlush(options: FlushOptions, env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<void> {
  const config = await configOf(options, env);
  const base = (options.url ?? adminUrlOf(config)).replace(/\/+$/, '');
  const token = options.token ?? env.SLUICE_TOKEN ?? (await login(base, config));
  const api = `${base}/api/v1/workspaces/${encodeURIComponent(options.workspace)}/destinations`;

  let targets: { id: string; name: string }[];
  if (options.destination !== undefined) {
    targets = [{ id: options.destination, name: options.destination }];
  } else {
    const list = (await call('GET', api, token)) as { destinations: { id: string; name: string; enabled: boolean }[] };
    targets = list.destinations.filter((destination) => destination.enabled);
  }

  const results: { id: string; name: string; objects: FlushedObject[] }[] = [];
  for (const target of targets) {
    const body = (await call('POST', `${api}/${encodeURIComponent(target.id)}/flush`, token)) as { objects: FlushedObject[] };
    results.push({ ...target, objects: body.objects });
  }

  if (options.json) {
    print(`${JSON.stringify(options.destination !== undefined ? { objects: results[0]!.objects } : { destinations: results })}\n`);
    return;
  }
  if (results.length === 0) print('No enabled destination to flush.\n');
  for (const result of results) {
    const events = result.objects.reduce((sum, object) => sum + object.events, 0);
    print(`${result.name === result.id ? result.id : `${result.name} (${result.id})`}: ${result.objects.length} object(s), ${events} event(s)\n`);
    for (const object of result.objects) print(`  ${object.key}  ${object.events} events  ${object.bytes} bytes\n`);
  }
}

async function configOf(options: FlushOptions, env: NodeJS.ProcessEnv): Promise<Config> {
  // SLUICE_TOKEN belongs to this command, not to the server's settings table.
  const { SLUICE_TOKEN: _token, ...settingsEnv } = env;
  try {
    return await loadConfig({ env: settingsEnv, ...(options.config === undefined ? {} : { configFile: options.config }) });
  } catch (error) {
    if (error instanceof ConfigError) throw new FlushCommandError(error.message, 2);
    throw error;
  }
}

function adminUrlOf(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = config.tlsCert !== undefined ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.adminPort ?? config.port}`;
}

async function login(base: string, config: Config): Promise<string> {
  if (config.adminPassword === undefined) {
    throw new FlushCommandError('No credentials: pass --token (or SLUICE_TOKEN), or set SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD.', 2);
  }
  const body = (await call('POST', `${base}/api/v1/auth/login`, undefined, { email: config.adminEmail, password: config.adminPassword })) as { token: string };
  return body.token;
}

async function call(method: 'GET' | 'POST', url: string, token: string | undefined, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new FlushCommandError(`cannot reach ${new URL(url).origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}. Is "sluice serve" running there?`, 1);
  }
  const text = await response.text();
  const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) {
    throw new FlushCommandError(`${method} ${new URL(url).pathname} answered ${response.status} ${String(parsed?.code ?? '')}: ${String(parsed?.message ?? text)}`, 1);
  }
  return parsed;
}
