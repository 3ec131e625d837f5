/**
 * The one HTTP client of the `sluice` admin commands (flush, sources, destinations, members, tokens,
 * audit): finds the server and a credential, calls the admin API (DESIGN B4), and turns failures into
 * `CliError`s carrying the exit code (1: the server refused or cannot be reached, with its error code;
 * 2: usage — bad flags, no credentials).
 *
 * Where the server is: --url, else SLUICE_URL, else the URL saved by `sluice login`, else the
 * host/port (adminPort; https when tlsCert is set) settings. Credential: --token, else SLUICE_TOKEN,
 * else the token saved by `sluice login`, else a login with SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD.
 * For a server with a private CA, point NODE_EXTRA_CA_CERTS at it; verification is never turned off.
 */
import { ConfigError, loadConfig, type Config } from '../../config/index.js';
import { readSavedLogin } from './credentials-file.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** The API's error code, when the server answered with one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Flags every admin command takes. */
export interface ConnectionOptions {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly config?: string | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export class AdminClient {
  constructor(
    readonly base: string,
    readonly token: string | undefined,
  ) {}

  /** Calls `/api/v1<path>`; returns the parsed body (undefined for an empty one). */
  async call<T = unknown>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    return (await request(method, `${this.base}/api/v1${path}`, this.token, body)) as T;
  }

  /** `/workspaces/{slug}` + rest, with the slug escaped. */
  workspacePath(workspace: string, rest: string): string {
    return `/workspaces/${encodeURIComponent(workspace)}${rest}`;
  }
}

/** Resolves the server and the credential as described above, logging in when it must. */
export async function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv): Promise<AdminClient> {
  const saved = await readSavedLogin(env);
  let config: Config | undefined;
  const settings = async () => (config ??= await configOf(options, env));
  const base = (options.url ?? env.SLUICE_URL ?? saved?.url ?? adminUrlOf(await settings())).replace(/\/+$/, '');
  const token = options.token ?? env.SLUICE_TOKEN ?? (saved && saved.url === base ? saved.token : undefined) ?? (await loginWithSettings(base, await settings()));
  return new AdminClient(base, token);
}

async function configOf(options: ConnectionOptions, env: NodeJS.ProcessEnv): Promise<Config> {
  // Variables that belong to the CLI, not to the server's settings table.
  const { SLUICE_TOKEN: _token, SLUICE_URL: _url, ...settingsEnv } = env;
  try {
    return await loadConfig({ env: settingsEnv, ...(options.config === undefined ? {} : { configFile: options.config }) });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }
}

export function adminUrlOf(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = config.tlsCert !== undefined ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.adminPort ?? config.port}`;
}

async function loginWithSettings(base: string, config: Config): Promise<string> {
  if (config.adminPassword === undefined) {
    throw new CliError('No credentials: run `sluice login`, pass --token (or SLUICE_TOKEN), or set SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD.', 2);
  }
  return (await login(base, config.adminEmail, config.adminPassword)).token;
}

/** `POST /api/v1/auth/login`; the extra fields (e.g. a TOTP `code`) go along as given. */
export async function login(base: string, email: string, password: string, extra: Record<string, unknown> = {}): Promise<{ token: string; user?: unknown }> {
  return (await request('POST', `${base}/api/v1/auth/login`, undefined, { email, password, ...extra })) as { token: string };
}

async function request(method: HttpMethod, url: string, token: string | undefined, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new CliError(`cannot reach ${new URL(url).origin}: ${cause}. Is "sluice serve" running there?`, 1);
  }
  const text = await response.text();
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    if (response.ok) throw new CliError(`${method} ${new URL(url).pathname} answered ${response.status} with a body that is not JSON`, 1);
  }
  if (!response.ok) {
    const code = typeof parsed?.code === 'string' ? parsed.code : undefined;
    throw new CliError(`${method} ${new URL(url).pathname} answered ${response.status} ${code ?? ''}: ${String(parsed?.message ?? text)}`, 1, code);
  }
  return parsed;
}
