import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigSources } from './load-config.js';
import { defaultIngestWorkers, envVarOf, flagOf } from './settings.js';

async function configFile(contents: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  const path = join(dir, 'sluice.json');
  await writeFile(path, contents);
  return path;
}

async function problemsOf(sources: ConfigSources): Promise<readonly string[]> {
  const error = await loadConfig(sources).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', async () => {
    const config = await loadConfig({ env: {} });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './sluice-data',
      trustProxy: false,
      maxEventBytes: 32 * 1024,
      maxRequestBytes: 500 * 1024,
      maxBatchEvents: 2500,
      logMaxBytes: 10 * 2 ** 30,
      adminEmail: 'admin@localhost',
    });
    expect(config.publicUrl).toBeUndefined();
    expect(config.adminPort).toBeUndefined();
  });

  it('ranks flags over env over the config file over defaults', async () => {
    const file = await configFile(JSON.stringify({ port: 1001, host: '10.0.0.1', dataDir: '/from-file', logLevel: 'warn' }));
    const config = await loadConfig({
      configFile: file,
      env: { SLUICE_PORT: '1002', SLUICE_HOST: '10.0.0.2' },
      flags: { port: '1003' },
    });
    expect(config.port).toBe(1003);
    expect(config.host).toBe('10.0.0.2');
    expect(config.dataDir).toBe('/from-file');
    expect(config.logLevel).toBe('warn');
    expect(config.shutdownTimeoutSeconds).toBe(30);
  });

  it('finds the config file through SLUICE_CONFIG', async () => {
    const file = await configFile('{"maxBatchEvents": 10}');
    expect((await loadConfig({ env: { SLUICE_CONFIG: file } })).maxBatchEvents).toBe(10);
  });

  it('parses byte sizes with units, booleans and URLs', async () => {
    const config = await loadConfig({
      env: { SLUICE_LOG_MAX_BYTES: '2GiB', SLUICE_MAX_EVENT_BYTES: '64 KiB', SLUICE_TRUST_PROXY: 'yes', SLUICE_PUBLIC_URL: 'https://events.example.com/' },
    });
    expect(config.logMaxBytes).toBe(2 * 2 ** 30);
    expect(config.maxEventBytes).toBe(64 * 1024);
    expect(config.trustProxy).toBe(true);
    expect(config.publicUrl).toBe('https://events.example.com');
  });

  it('rejects an unknown config-file key, naming it and the file', async () => {
    const file = await configFile('{"prot": 1, "datadir": "x"}');
    const problems = await problemsOf({ configFile: file, env: {} });
    expect(problems).toEqual([
      `Unknown setting "prot" in config file ${file}`,
      `Unknown setting "datadir" in config file ${file} (did you mean "dataDir"?)`,
    ]);
  });

  it('rejects an unknown SLUICE_ environment variable and ignores other variables', async () => {
    const problems = await problemsOf({ env: { SLUICE_DATADIR: '/x', PATH: '/bin', HOME: '/root' } });
    expect(problems).toEqual(['Unknown environment variable SLUICE_DATADIR (did you mean SLUICE_DATA_DIR?)']);
  });

  it('accepts the SLUICE_ variables that are read elsewhere', async () => {
    expect((await loadConfig({ env: { SLUICE_DELIVERY_FAULT: 'after-record:kill', SLUICE_DELIVERY_FAULT_SKIP: '1' } })).port).toBe(8080);
  });

  it('rejects an unknown flag', async () => {
    expect(await problemsOf({ env: {}, flags: { colour: 'blue' } })).toEqual(['Unknown flag "colour"']);
  });

  it('names the setting, the source and the reason for every bad value', async () => {
    const file = await configFile('{"maxBatchEvents": "many"}');
    const problems = await problemsOf({
      configFile: file,
      env: { SLUICE_PORT: 'eighty', SLUICE_LOG_LEVEL: 'loud' },
      flags: { logMaxBytes: '12 parsecs' },
    });
    expect(problems).toEqual([
      'Invalid setting "port" (env SLUICE_PORT = "eighty"): must be an integer',
      expect.stringMatching(/^Invalid setting "logMaxBytes" \(flag --log-max-bytes = "12 parsecs"\): must be a byte size/),
      `Invalid setting "maxBatchEvents" (config file ${file} = "many"): must be an integer`,
      'Invalid setting "logLevel" (env SLUICE_LOG_LEVEL = "loud"): must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('checks ranges and never echoes a secret', async () => {
    const problems = await problemsOf({ env: { SLUICE_PORT: '70000', SLUICE_ADMIN_PASSWORD: '   ' } });
    expect(problems).toEqual([
      'Invalid setting "port" (env SLUICE_PORT = "70000"): must be between 0 and 65535',
      'Invalid setting "adminPassword" (env SLUICE_ADMIN_PASSWORD): must not be empty',
    ]);
  });

  it('refuses a short admin password without echoing it', async () => {
    expect(await problemsOf({ env: { SLUICE_ADMIN_PASSWORD: 'short' } })).toEqual([
      'Invalid setting "adminPassword" (env SLUICE_ADMIN_PASSWORD): must be at least 8 characters long',
    ]);
  });

  it('checks rules across settings', async () => {
    expect(await problemsOf({ env: { SLUICE_TLS_CERT: 'cert.pem' } })).toEqual([
      'Invalid setting "tlsCert"/"tlsKey": set both (HTTPS) or neither (HTTP)',
    ]);
    expect(await problemsOf({ env: { SLUICE_ADMIN_PORT: '8080' } })).toEqual([
      expect.stringContaining('Invalid setting "adminPort": must differ from "port"'),
    ]);
  });

  it('reports an unreadable or malformed config file', async () => {
    const missing = join(tmpdir(), `sluice-missing-${process.pid}.json`);
    expect((await problemsOf({ configFile: missing, env: {} }))[0]).toMatch(/^Cannot read config file .*sluice-missing/);
    const broken = await configFile('{"port": 80,');
    expect((await problemsOf({ configFile: broken, env: {} }))[0]).toMatch(/^Config file .* is not valid JSON: /);
    const list = await configFile('[1]');
    expect(await problemsOf({ configFile: list, env: {} })).toEqual([`Config file ${list} must hold a JSON object of settings`]);
  });

  it('derives env var and flag names from the setting name', () => {
    expect(envVarOf('logMaxBytes')).toBe('SLUICE_LOG_MAX_BYTES');
    expect(flagOf('shutdownTimeoutSeconds')).toBe('--shutdown-timeout-seconds');
  });
});

describe('defaultIngestWorkers', () => {
  it('leaves a core to the main thread, but runs two workers on two cores and none on one', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(defaultIngestWorkers)).toEqual([0, 2, 2, 3, 4, 4, 4]);
  });
});
