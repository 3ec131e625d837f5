/**
 * Every Sluice setting, declared once (STYLE 5). From this table come: the config-file keys (the names
 * below), the environment variables (`SLUICE_` + UPPER_SNAKE), the `sluice serve` flags (--kebab-case),
 * validation, and the generated docs (docs/configuration.md, the README table: `npm run docs:config`).
 *
 * To add a setting: add one entry here, use it from `Config`, run `npm run docs:config`. Nothing else.
 */
import { availableParallelism } from 'node:os';
import { boolean, bytes, integer, oneOf, optionalInteger, optionalText, optionalUrl, text, type SettingDefinition } from './setting-types.js';

/**
 * Ingest workers for a machine with `cores` cores: one core is left to the main thread, but never fewer
 * than two workers where there are two cores. At half of the maximum batch load on 2 cores, the slowest
 * requests spent most of their time queued for the one worker whenever the scheduler put it aside;
 * with two, that wait's p99 roughly halved (12–23 against 29–52 ms) and the request p99 fell from
 * 72–109 to 46–61 ms in four interleaved pairs, for the same CPU per event and 10–20 MB more peak
 * RSS (docs/benchmarks.md). A single core gets none: a worker there only adds thread switches.
 */
export function defaultIngestWorkers(cores: number): number {
  if (cores <= 1) return 0;
  return Math.min(4, Math.max(2, cores - 1));
}

export const settings = {
  host: text({
    doc: 'Interface the HTTP listener binds to. Use 0.0.0.0 to accept connections from other machines.',
    default: '127.0.0.1',
    example: '0.0.0.0',
  }),
  port: integer({
    doc: 'TCP port of the Tracking API (and of the admin API unless `adminPort` is set). 0 picks a free port.',
    default: 8080,
    example: '80',
    min: 0,
    max: 65535,
  }),
  dataDir: text({
    doc: 'Directory holding everything Sluice stores: the metadata database, the event log and the local bucket. Created if missing.',
    default: './sluice-data',
    example: '/var/lib/sluice',
  }),
  publicUrl: optionalUrl({
    doc: 'URL clients reach Sluice at, used in the settings served to browser libraries. Default: derived from each request\'s Host.',
    default: undefined,
    example: 'https://events.example.com',
  }),
  trustProxy: boolean({
    doc: 'Take the client address from `X-Forwarded-For` (set it only behind a reverse proxy you control).',
    default: false,
    example: 'true',
  }),
  tlsCert: optionalText({
    doc: 'Path of a PEM certificate (chain); with `tlsKey` it makes the listeners HTTPS.',
    default: undefined,
    example: '/etc/sluice/tls/cert.pem',
  }),
  tlsKey: optionalText({
    doc: 'Path of the PEM private key matching `tlsCert`.',
    default: undefined,
    example: '/etc/sluice/tls/key.pem',
  }),
  adminPort: optionalInteger({
    doc: 'Serve the admin API on its own listener at this port (same host) instead of beside the Tracking API.',
    default: undefined,
    example: '8081',
    min: 0,
    max: 65535,
  }),
  adminEmail: text({
    doc: 'Email of the owner account created on first start (only when the data directory is empty).',
    default: 'admin@localhost',
    example: 'ops@example.com',
  }),
  adminPassword: optionalText({
    doc: 'Password of that first owner account (at least 8 characters). If unset, a random one is generated and printed once.',
    default: undefined,
    example: 'correct-horse-battery-staple',
    secret: true,
    minLength: 8,
  }),
  sessionTtlHours: integer({
    doc: 'How long an admin login session stays valid.',
    default: 168,
    example: '12',
    min: 1,
    max: 24 * 366,
  }),
  logMaxBytes: bytes({
    doc: 'Disk budget of the event log. When full, the Tracking API answers 503 until delivery frees space.',
    default: 10 * 2 ** 30,
    example: '50GiB',
    min: 2 ** 20,
  }),
  logSegmentBytes: bytes({
    doc: 'Size at which the event log starts a new segment file (space is reclaimed a whole segment at a time). Capped at a quarter of `logMaxBytes`.',
    default: 64 * 2 ** 20,
    example: '128MiB',
    min: 64 * 2 ** 10,
  }),
  maxEventBytes: bytes({
    doc: 'Largest accepted event (serialized JSON). Larger events are rejected with `event_too_large`.',
    default: 32 * 2 ** 10,
    example: '64KiB',
    min: 1024,
  }),
  maxRequestBytes: bytes({
    doc: 'Largest accepted request body after decompression. Larger requests get `request_too_large`.',
    default: 500 * 2 ** 10,
    example: '1MiB',
    min: 1024,
  }),
  maxBatchEvents: integer({
    doc: 'Most events accepted in one batch request. More get `too_many_events`.',
    default: 2500,
    example: '5000',
    min: 1,
    max: 1_000_000,
  }),
  requestTimeoutSeconds: integer({
    doc: 'How long a client may take to send a whole request (headers and body). A request still incomplete after that is answered 400 `bad_request` and its connection closed, so a client that stalls mid-request cannot hold a connection (and its buffered body) forever.',
    default: 30,
    example: '60',
    min: 1,
    max: 3600,
  }),
  dedupWindow: integer({
    doc: 'How many recent client messageIds Sluice remembers (across all sources) to drop an event a client sends again, e.g. the retry of a request whose answer it never got: a repeat is dropped when fewer than this many other events came in between (after a restart: among the last 32 MiB of the source log). Segment drops repeats within ~24 h. 45–75 bytes of memory each; 0 turns deduplication off.',
    default: 250_000,
    example: '1000000',
    min: 0,
    max: 2 ** 26,
  }),
  ingestWorkers: {
    ...integer({
      doc: 'Worker threads that parse, enrich and serialize large batch requests (16 KiB and up) off the main thread, which keeps HTTP, the log and the scheduling of delivery (which reads and compresses batches on a thread of its own). 0 does all ingest work on the main thread.',
      default: defaultIngestWorkers(availableParallelism()),
      example: '4',
      min: 0,
      max: 64,
    }),
    defaultText: 'CPU cores − 1, at least 2 and at most 4 (0 on a single core)',
  },
  logLevel: oneOf({
    doc: 'Minimum level of the JSON log lines written to stdout.',
    default: 'info',
    example: 'debug',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  }),
  shutdownTimeoutSeconds: integer({
    doc: 'On SIGTERM/SIGINT, how long to wait for in-flight requests and a clean close before exiting non-zero.',
    default: 30,
    example: '10',
    min: 1,
    max: 3600,
  }),
  secretKey: optionalText({
    doc: 'Key that encrypts destination secrets (and other secrets) in the metadata store: 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`). Default: the key file `secret.key` in the data directory, created with mode 0600 on first start. Keep it with your backups; a restored store needs the same key.',
    default: undefined,
    example: 'q3Jf0m8l7QvZ2mY1c9Jb8Wl2x6Hn4Pz0a5Ks3Dt7Ue8=',
    secret: true,
  }),
  backupIntervalMinutes: integer({
    doc: 'Minutes between online backups of the metadata store (sources, destinations, users, …; not the event log). 0 turns scheduled backups off.',
    default: 60,
    example: '15',
    min: 0,
    max: 7 * 24 * 60,
  }),
  backupKeep: integer({
    doc: 'How many scheduled backups to keep; older ones are deleted after each new one.',
    default: 48,
    example: '168',
    min: 1,
    max: 100_000,
  }),
  backupDirectory: optionalText({
    doc: 'Directory the backups are written to. Default: `backups` in the data directory. Ignored when `backupBucket` is set.',
    default: undefined,
    example: '/var/backups/sluice',
  }),
  backupBucket: optionalText({
    doc: 'Write backups to this S3 (or S3-compatible) bucket instead, as `name` or `name/prefix`. Needs s3:PutObject, s3:ListBucket and s3:DeleteObject on that prefix (docs/backups.md).',
    default: undefined,
    example: 'acme-sluice-backups/prod',
  }),
  backupRegion: optionalText({
    doc: 'Region of `backupBucket`. Default: AWS_REGION, else us-east-1.',
    default: undefined,
    example: 'eu-west-1',
  }),
  backupEndpoint: optionalUrl({
    doc: 'Endpoint of an S3-compatible service for `backupBucket` (MinIO, R2, …).',
    default: undefined,
    example: 'http://127.0.0.1:9000',
  }),
  backupForcePathStyle: boolean({
    doc: 'Address `backupBucket` path-style (most S3-compatible services need it).',
    default: false,
    example: 'true',
  }),
  backupAccessKeyId: optionalText({
    doc: 'Access key id for `backupBucket`. Default: the standard AWS credential chain.',
    default: undefined,
    example: 'AKIAIOSFODNN7EXAMPLE',
  }),
  backupSecretAccessKey: optionalText({
    doc: 'Secret access key matching `backupAccessKeyId`.',
    default: undefined,
    example: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    secret: true,
  }),
} satisfies Record<string, SettingDefinition<unknown>>;

export type SettingName = keyof typeof settings;

/** The validated configuration: one typed field per setting. */
export type Config = {
  readonly [K in SettingName]: (typeof settings)[K] extends SettingDefinition<infer T> ? T : never;
};

export const settingNames = Object.keys(settings) as SettingName[];

/** `dataDir` → `SLUICE_DATA_DIR`. */
export function envVarOf(name: SettingName): string {
  return `SLUICE_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** `dataDir` → `--data-dir`. */
export function flagOf(name: SettingName): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * `SLUICE_*` environment variables that are not settings but are read elsewhere; the loader accepts
 * them instead of refusing them as unknown. Add one here when a module reads a new variable.
 */
export const otherEnvVars: Readonly<Record<string, string>> = {
  SLUICE_CONFIG: 'Path of the JSON config file; the same as `--config`.',
  SLUICE_TOKEN: 'Admin API token used by the `sluice` admin commands (`flush`, `sources`, …) instead of the one saved by `sluice login` or logging in with the admin email and password.',
  SLUICE_URL: 'Base URL of the admin API for the `sluice` admin commands (instead of the one saved by `sluice login`).',
  SLUICE_DELIVERY_FAULT: 'Tests only: makes delivery crash or pause at a named point (src/delivery/fault-hooks.ts). Never set it in production.',
  SLUICE_DELIVERY_FAULT_SKIP: 'Tests only: how many passes through that point go by before `SLUICE_DELIVERY_FAULT` acts.',
  SLUICE_FAULT_CLOCK_OFFSET_FILE: 'Tests only: a file holding a millisecond offset added to the clock that stamps receivedAt (src/faults/clock-hook.ts). Never set it in production.',
};
