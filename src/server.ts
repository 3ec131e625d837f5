/**
 * Wires Sluice together. `buildApp()` assembles a Fastify instance from ready-made parts (tests use it
 * with `app.inject()`, STYLE 9); `startServer()` opens those parts from a validated `Config` — the
 * metadata store (migrate + first-start bootstrap), the event log — listens, and returns a handle whose
 * `close()` shuts everything down in order. Signals and exit codes belong to the CLI (cli/commands/serve.ts).
 *
 * Owns: start-up order, listeners (HTTP/HTTPS, optional separate admin listener), shutdown order.
 * Never: business logic; each plugin owns its routes.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { IdentityOptions } from './admin/auth-context.js';
import { openAudit } from './admin/audit-recorder.js';
import { adminPlugin, type AdminRoutes } from './admin/index.js';
import type { Config } from './config/index.js';
import { SqlIdentityStore } from './control/identity-store-sql.js';
import { bootstrapIfEmpty, describeBootstrap, type BootstrapStep } from './control/bootstrap.js';
import { FileBootstrapJournal } from './control/bootstrap-journal.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type ControlDatabase, type MetadataStore } from './control/index.js';
import { deliveryExtensions } from './delivery/server-extensions.js';
import { installErrorHandling } from './errors/http-error-handler.js';
import { protocolErrorOptions } from './errors/protocol-errors.js';
import { faultClockFromEnv } from './faults/clock-hook.js';
import type { EventLog } from './log/event-log.js';
import { FileEventLog } from './log/file-event-log.js';
import { defaultSeedBytes } from './tracking/dedup/deduplicator.js';
import { backupExtensions } from './backup/server-extension.js';
import { bindSecretBox, openSecretBox, sealStoredDestinationSecrets, type SecretBox } from './secrets/index.js';
import { healthRoutes, trackingRoutes } from './tracking/index.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface AppDeps {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly log: EventLog;
  /** Which APIs this instance serves: both, or one of them when the admin API has its own port. */
  readonly serves: 'all' | 'tracking' | 'admin';
  readonly logger?: Logger;
  readonly tls?: TlsFiles;
  readonly adminRoutes?: readonly AdminRoutes[];
  /** The admin API's identity stores (sessions, TOTP, API tokens); without them sessions live in memory. */
  readonly identity?: IdentityOptions;
  /** Told of the deduplicator's start-up read-back of recent messageIds (see TrackingOptions). */
  readonly onDedupSeeding?: (seeding: Promise<void>) => void;
}

/** One year; subdomains are left out, as Sluice cannot know what else is served under the domain. */
export const HSTS_VALUE = 'max-age=31536000';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // A stalled client (a body that never ends) is answered 400 bad_request after requestTimeoutSeconds;
  // Node checks for such requests every connectionsCheckingInterval, so that is kept well below the
  // timeout. Fastify's default is no request timeout at all (found by the fuzz suite, src/fuzz/). Node
  // honours the timeout only when given to the server's constructor (http/https options), and Fastify
  // assigns its own `requestTimeout` afterwards, so both carry the same value.
  const requestTimeout = deps.config.requestTimeoutSeconds * 1000;
  const timeouts = { requestTimeout, connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))) };
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, ...timeouts } } : { http: timeouts }),
    requestTimeout,
    // Per-request log lines would cost more than the ingest path itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Closing: idle keep-alive sockets are closed at once, in-flight requests finish (Fastify default on Node ≥ 18.2).
    forceCloseConnections: 'idle',
    // Malformed URLs and HTTP framing get our error body too (found by the fuzz suite, src/fuzz/).
    ...protocolErrorOptions,
  }) as unknown as FastifyInstance;

  // Once closing starts, every response (in-flight requests included) closes its connection: a
  // keep-alive socket left open after its last response would hold shutdown up until it times out.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style: this runs on every response of the ingest path, where an extra promise is waste.
  // On TLS every response carries HSTS, so a browser that once reached us over HTTPS never downgrades.
  const hsts = deps.tls !== undefined;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    if (hsts) reply.header('strict-transport-security', HSTS_VALUE);
    done(null, payload);
  });

  // Paths outside /v1 and /api/v1 (whose plugins answer their own) get the same error body shape, for
  // unknown routes and for Fastify's own request errors there too (e.g. a POST /healthz with an
  // unparseable Content-Type was a 415 FST_ERR_CTP_INVALID_MEDIA_TYPE body; found by src/fuzz/).
  installErrorHandling(app, { requestErrorCode: 'bad_request', logMessage: 'request failed' });

  await app.register(healthRoutes, { checks: { log: () => deps.log.isWritable(), metadata: () => deps.store.isReachable() } });
  if (deps.serves !== 'admin') {
    const { config } = deps;
    // Tests only (src/faults): inert unless SLUICE_FAULT_CLOCK_OFFSET_FILE is set.
    const faultClock = faultClockFromEnv();
    await app.register(trackingRoutes, {
      log: deps.log,
      sources: deps.store.sourceDirectory,
      limits: { maxEventBytes: config.maxEventBytes, maxRequestBytes: config.maxRequestBytes, maxBatchEvents: config.maxBatchEvents },
      trustProxy: config.trustProxy,
      ingestPool: { workers: config.ingestWorkers },
      dedupWindow: config.dedupWindow,
      ...(deps.onDedupSeeding ? { onDedupSeeding: deps.onDedupSeeding } : {}),
      ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
      ...(faultClock === undefined ? {} : { now: faultClock }),
    });
  }
  if (deps.serves !== 'tracking') {
    await app.register(adminPlugin, {
      store: deps.store,
      sessionTtlSeconds: deps.config.sessionTtlHours * 3600,
      secureCookies: deps.tls !== undefined,
      routes: deps.adminRoutes ?? [],
      ...(deps.identity ? { identity: deps.identity } : {}),
    });
  }
  return app;
}

/** What a background part (delivery) gets when the server starts it. */
export interface BackgroundContext {
  readonly config: Config;
  readonly store: MetadataStore;
  /** The metadata database handle, for other src/control stores (destinations) to open on. */
  readonly database: ControlDatabase;
  /** Encrypts secrets at rest (src/secrets); destination settings already go through it. */
  readonly secrets: SecretBox;
  readonly log: EventLog;
  readonly logger: Logger;
}

/** A running background part; `stop()` is awaited on shutdown before the log and the store close. */
export interface BackgroundTask {
  stop(): Promise<void>;
}

/**
 * Extension points for parts that plug into start-up without server.ts knowing their internals:
 * bootstrap steps (run once, on the first start), admin route groups, and background tasks (started
 * after the listeners, stopped on shutdown before the log and the store close).
 */
export interface ServerExtensions {
  readonly bootstrapSteps?: readonly BootstrapStep[];
  readonly adminRoutes?: readonly ((context: BackgroundContext) => AdminRoutes)[];
  readonly background?: readonly ((context: BackgroundContext) => Promise<BackgroundTask>)[];
}

/**
 * What `sluice serve` runs with: delivery (the first-start `local-files` destination under
 * <dataDir>/bucket flushing every 60 s, the destinations admin routes, the delivery runners). A fresh
 * set per start, as the extensions keep per-start state.
 */
export const builtInExtensions = (): ServerExtensions => mergeExtensions(deliveryExtensions(), backupExtensions());

/** One ServerExtensions holding every part's steps, routes and tasks, in the order given. */
export function mergeExtensions(...parts: readonly ServerExtensions[]): ServerExtensions {
  return {
    bootstrapSteps: parts.flatMap((part) => part.bootstrapSteps ?? []),
    adminRoutes: parts.flatMap((part) => part.adminRoutes ?? []),
    background: parts.flatMap((part) => part.background ?? []),
  };
}

export interface StartOptions {
  readonly extensions?: ServerExtensions;
  /** Where the first-start banner and the listening line go (stdout). */
  readonly print?: (text: string) => void;
  readonly logger?: Logger;
}

export interface RunningServer {
  /** Base URLs, e.g. `{ tracking: 'http://127.0.0.1:8080', admin: 'http://127.0.0.1:8080' }`. */
  readonly urls: { readonly tracking: string; readonly admin: string };
  /** Stops accepting, finishes in-flight requests, stops background work, closes the log and the store. */
  close(): Promise<void>;
}

/** Reads the PEM files named by `tlsCert`/`tlsKey`, naming the setting when one cannot be read. */
async function readTls(config: Config): Promise<TlsFiles | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = async (setting: 'tlsCert' | 'tlsKey', path: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`Invalid setting "${setting}": cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  return { cert: await read('tlsCert', config.tlsCert), key: await read('tlsKey', config.tlsKey) };
}

/** Runs the cleanups in reverse order of acquisition, even when one fails; rethrows the first failure. */
async function unwind(cleanups: (() => Promise<void>)[]): Promise<void> {
  let failure: unknown;
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const extensions = options.extensions ?? builtInExtensions();
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const logger = options.logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  // What to undo, by kind: resources (store, log) close only after listeners and background tasks stop.
  const resources: (() => Promise<void>)[] = [];
  const listeners: (() => Promise<void>)[] = [];
  const tasks: (() => Promise<void>)[] = [];
  const stopFrontAndBackground = async () => {
    // Stop accepting and finish in-flight requests while background work winds down; only then may the
    // log (which in-flight requests append to) and the store close.
    const results = await Promise.allSettled([unwind(listeners), unwind(tasks)]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const stopAll = async () => {
    try {
      await stopFrontAndBackground();
    } finally {
      await unwind(resources);
    }
  };

  try {
    const tls = await readTls(config);
    await mkdir(dataDir, { recursive: true });
    // The key first: a bad SLUICE_SECRET_KEY (or a key file others can read) stops start-up before anything opens.
    const { box: secrets, source: keySource } = await openSecretBox({ setting: config.secretKey, dataDir });

    const { store, database } = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
    resources.push(() => store.close());
    bindSecretBox(database, secrets);
    const sealed = await sealStoredDestinationSecrets(database, secrets);
    logger.info({ key: keySource.from, generated: keySource.generated, destinationsSealed: sealed }, 'secret key loaded');
    const bootstrapJournal = new FileBootstrapJournal(dataDir, secrets);
    const bootstrapped = await bootstrapIfEmpty(
      store,
      { adminEmail: config.adminEmail, adminPassword: config.adminPassword, dataDir },
      extensions.bootstrapSteps ?? [],
      bootstrapJournal,
    );
    if (bootstrapped) print(describeBootstrap(bootstrapped));

    const log = await FileEventLog.open({
      directory: join(dataDir, 'log'),
      maxBytes: config.logMaxBytes,
      segmentBytes: config.logSegmentBytes,
      // The deduplicator reads this much of each stream's end back at start-up: keep it, delivered or not.
      keepConsumedBytes: config.dedupWindow > 0 ? defaultSeedBytes : 0,
      logger: logger.child({ component: 'log' }),
    });
    resources.push(() => log.close());

    const context: BackgroundContext = { config, store, database, secrets, log, logger };
    const adminRoutes = (extensions.adminRoutes ?? []).map((make) => make(context));
    const separateAdmin = config.adminPort !== undefined;
    // Sessions, TOTP enrolments (secrets sealed by the server's SecretBox) and API tokens in the metadata store.
    const identity: IdentityOptions = { identity: new SqlIdentityStore(database), secretBox: secrets, audit: openAudit(database), trustProxy: config.trustProxy };
    // Delivery may delete delivered segments; it starts only once the deduplicator has read back the
    // recent messageIds they hold (a client retrying across a crash repeats exactly those).
    const dedupSeedings: Promise<void>[] = [];
    const onDedupSeeding = (seeding: Promise<void>): void => void dedupSeedings.push(seeding);
    const common = { config, store, log, logger, adminRoutes, identity, onDedupSeeding, ...(tls ? { tls } : {}) };

    const app = await buildApp({ ...common, serves: separateAdmin ? 'tracking' : 'all' });
    listeners.push(() => app.close());
    const trackingUrl = await app.listen({ host: config.host, port: config.port });
    let adminUrl = trackingUrl;
    if (separateAdmin) {
      const adminApp = await buildApp({ ...common, serves: 'admin' });
      listeners.push(() => adminApp.close());
      adminUrl = await adminApp.listen({ host: config.host, port: config.adminPort });
    }

    await Promise.all(dedupSeedings);
    for (const start of extensions.background ?? []) {
      const task = await start(context);
      tasks.push(() => task.stop());
    }

    // Every bootstrap step has run and the banner is out: a crash from here on is an ordinary restart.
    if (bootstrapped) await bootstrapJournal.finish();
    logger.info({ tracking: trackingUrl, admin: adminUrl, dataDir }, 'sluice listening');
    print(`Sluice listening on ${trackingUrl}${separateAdmin ? ` (admin API on ${adminUrl})` : ''}\n`);

    let closing: Promise<void> | undefined;
    return {
      urls: { tracking: trackingUrl, admin: adminUrl },
      close: () =>
        (closing ??= stopAll().then(() => {
          logger.info('sluice stopped');
        })),
    };
  } catch (error) {
    await stopAll().catch((cleanupError: unknown) => logger.error({ err: cleanupError }, 'cleanup after a failed start failed'));
    throw error;
  }
}
