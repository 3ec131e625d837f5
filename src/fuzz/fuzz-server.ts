/**
 * The server the fuzz suite attacks: exactly what `sluice serve` builds (`startServer` with the built-in
 * extensions: tracking, admin, delivery, backups), on 127.0.0.1:0 over a temp data dir, with the
 * request limits lowered so "near the limit" inputs stay cheap. A capture extension hands the suite the
 * server's own EventLog and metadata database, so stored events are read back through the EventLog read
 * API and admin state is compared table by table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../config/index.js';
import type { ControlDatabase, MetadataStore } from '../control/index.js';
import type { EventLog } from '../log/event-log.js';
import { builtInExtensions, mergeExtensions, startServer, type BackgroundContext } from '../server.js';

/** Lowered limits (all configurable settings); the fuzzers size their "near the limit" inputs from these. */
export const fuzzLimits = { maxEventBytes: 4096, maxRequestBytes: 64 * 1024, maxBatchEvents: 40 } as const;
export const ADMIN_EMAIL = 'owner@fuzz.test';
export const ADMIN_PASSWORD = 'fuzz-owner-password';

export interface FuzzServer {
  /** e.g. http://127.0.0.1:40123 (tracking and admin share the listener) */
  readonly baseUrl: string;
  readonly port: number;
  readonly log: EventLog;
  readonly store: MetadataStore;
  readonly database: ControlDatabase;
  /** The bootstrap source `default`. */
  readonly source: { readonly id: string; readonly writeKey: string };
  /** A disabled source in the same workspace: its key must get 403 and store nothing. */
  readonly disabledSource: { readonly id: string; readonly writeKey: string };
  close(): Promise<void>;
}

export async function startFuzzServer(): Promise<FuzzServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-fuzz-'));
  const config = await loadConfig({
    env: {
      SLUICE_HOST: '127.0.0.1',
      SLUICE_PORT: '0',
      SLUICE_DATA_DIR: join(dataDir, 'data'),
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SLUICE_MAX_EVENT_BYTES: String(fuzzLimits.maxEventBytes),
      SLUICE_MAX_REQUEST_BYTES: String(fuzzLimits.maxRequestBytes),
      SLUICE_MAX_BATCH_EVENTS: String(fuzzLimits.maxBatchEvents),
      SLUICE_LOG_LEVEL: 'silent',
      // A client that stalls mid-request is answered well within the fuzzers' 10 s deadline.
      SLUICE_REQUEST_TIMEOUT_SECONDS: '2',
      // One ingest worker even on one core, so large header-authenticated batches take the worker path.
      SLUICE_INGEST_WORKERS: '1',
    },
  });
  let captured: BackgroundContext | undefined;
  const capture = { background: [async (context: BackgroundContext) => ((captured = context), { stop: async () => undefined })] };
  let printed = '';
  const server = await startServer(config, {
    extensions: mergeExtensions(builtInExtensions(), capture),
    logger: pino({ level: 'silent' }),
    print: (text) => (printed += text),
  });
  const keyLine = /\(id (\S+)\) write key: (\S+)/.exec(printed);
  if (!captured || !keyLine) {
    await server.close();
    throw new Error(`fuzz server did not bootstrap as expected:\n${printed}`);
  }
  const context = captured;
  const workspace = await context.store.findWorkspaceBySlug('default');
  const disabled = await context.store.createSource({ workspaceId: workspace!.id, name: 'disabled', enabled: false });
  const url = new URL(server.urls.tracking);
  return {
    baseUrl: server.urls.tracking,
    port: Number(url.port),
    log: context.log,
    store: context.store,
    database: context.database,
    source: { id: keyLine[1]!, writeKey: keyLine[2]! },
    disabledSource: { id: disabled.id, writeKey: disabled.writeKey },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
