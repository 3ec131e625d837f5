/**
 * Child-process fixture for kill -9 tests: the real server (startServer: file log, SQLite store, admin
 * API, Tracking API) with delivery wired in, configured from the SLUICE_* environment like `sluice
 * serve`. argv[2] = flush interval (seconds) of the first-start local-files destination (default 60).
 * Prints the bootstrap banner and "Sluice listening on <url>" to stdout; SLUICE_DELIVERY_FAULT applies.
 */
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { startServer } from '../../server.js';
import { deliveryExtensions } from '../server-extensions.js';

const config = await loadConfig({ env: process.env });
const server = await startServer(config, {
  logger: pino({ level: process.env.DELIVERY_CHILD_LOG_LEVEL ?? 'silent' }),
  extensions: deliveryExtensions({ defaultFlushIntervalSeconds: Number(process.argv[2] ?? 60), backoff: { baseMs: 50, capMs: 500 } }),
});
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
