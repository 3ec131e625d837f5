/**
 * Turns the four sources of settings into one validated `Config`. Precedence, highest first: CLI flags,
 * `SLUICE_*` environment variables, the JSON config file (`--config` / `SLUICE_CONFIG`), defaults.
 *
 * Two steps, kept apart (STYLE 5): `collectSettings` gathers raw values and where each came from,
 * refusing anything it does not recognise (unknown file keys, flags, `SLUICE_*` variables);
 * `validateSettings` parses them into typed values. Every problem found is reported at once, each naming
 * the setting and its origin. Nothing here opens ports or directories: that is the server's job.
 */
import { readFile } from 'node:fs/promises';
import { envVarOf, flagOf, otherEnvVars, settingNames, settings, type Config, type SettingName } from './settings.js';

/** The environment form of `--config`. */
export const CONFIG_FILE_ENV_VAR = 'SLUICE_CONFIG';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Parsed CLI flags keyed by setting name (commander's camelCase), values as typed by the user. */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** The environment; only `SLUICE_*` variables are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file; defaults to `$SLUICE_CONFIG` when set. */
  readonly configFile?: string;
}

export interface RawSetting {
  readonly value: unknown;
  /** Where the value came from, for messages: `flag --port`, `env SLUICE_PORT`, `config file x.json`. */
  readonly origin: string;
}

export type RawSettings = ReadonlyMap<SettingName, RawSetting>;

const isSettingName = (name: string): name is SettingName => Object.hasOwn(settings, name);

const envVarToSetting = new Map(settingNames.map((name) => [envVarOf(name), name]));

export async function collectSettings(sources: ConfigSources): Promise<RawSettings> {
  const problems: string[] = [];
  const raw = new Map<SettingName, RawSetting>();
  const env = sources.env ?? {};

  const configFile = sources.configFile ?? env[CONFIG_FILE_ENV_VAR];
  if (configFile !== undefined) {
    const fileValues = await readConfigFile(configFile, problems);
    for (const [key, value] of Object.entries(fileValues)) {
      if (isSettingName(key)) raw.set(key, { value, origin: `config file ${configFile}` });
      else problems.push(`Unknown setting "${key}" in config file ${configFile}${suggestion(key)}`);
    }
  }

  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith('SLUICE_') || Object.hasOwn(otherEnvVars, variable) || value === undefined) continue;
    const name = envVarToSetting.get(variable);
    if (name) raw.set(name, { value, origin: `env ${variable}` });
    else problems.push(`Unknown environment variable ${variable}${suggestion(variable)}`);
  }

  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    if (isSettingName(key)) raw.set(key, { value, origin: `flag ${flagOf(key)}` });
    else problems.push(`Unknown flag "${key}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return raw;
}

async function readConfigFile(path: string, problems: string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    problems.push(`Cannot read config file ${path}: ${(error as Error).message}`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`Config file ${path} must hold a JSON object of settings`);
    return {};
  }
  return parsed as Record<string, unknown>;
}

/** Parses every raw value; defaults fill the rest. Throws one `ConfigError` listing every problem. */
export function validateSettings(raw: RawSettings): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const name of settingNames) {
    const definition = settings[name];
    const given = raw.get(name);
    if (!given) {
      values[name] = definition.defaultValue;
      continue;
    }
    const parsed = definition.parse(given.value);
    if (parsed.ok) values[name] = parsed.value;
    else {
      const shown = definition.secret ? '' : ` = ${JSON.stringify(given.value)}`;
      problems.push(`Invalid setting "${name}" (${given.origin}${shown}): ${parsed.reason}`);
    }
  }
  if (problems.length === 0) problems.push(...crossCheck(values as Config));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values as Config);
}

/** Rules that involve more than one setting. */
function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    problems.push('Invalid setting "tlsCert"/"tlsKey": set both (HTTPS) or neither (HTTP)');
  }
  if (config.adminPort !== undefined && config.adminPort !== 0 && config.adminPort === config.port) {
    problems.push(`Invalid setting "adminPort": must differ from "port" (${config.port}); leave it unset to share the listener`);
  }
  if (config.maxEventBytes > config.maxRequestBytes) {
    problems.push('Invalid setting "maxEventBytes": must not exceed "maxRequestBytes"');
  }
  if (config.logSegmentBytes > config.logMaxBytes) {
    problems.push('Invalid setting "logSegmentBytes": must not exceed "logMaxBytes"');
  }
  return problems;
}

export async function loadConfig(sources: ConfigSources): Promise<Config> {
  return validateSettings(await collectSettings(sources));
}

/** A hint for near-miss names: `SLUICE_DATADIR` → did you mean SLUICE_DATA_DIR? */
function suggestion(given: string): string {
  const normalized = given.replace(/^SLUICE_/, '').replace(/[_-]/g, '').toLowerCase();
  const match = settingNames.find((name) => name.toLowerCase() === normalized);
  if (!match) return '';
  return given.startsWith('SLUICE_') ? ` (did you mean ${envVarOf(match)}?)` : ` (did you mean "${match}"?)`;
}
