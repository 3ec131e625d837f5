/**
 * `sluice serve`: one flag per setting (generated from the settings table), `--config`, then runs the
 * server until SIGTERM/SIGINT. Shutdown: stop accepting, finish in-flight requests, close the log and the
 * store, exit 0; if that exceeds `shutdownTimeoutSeconds`, or a second signal arrives (a second press of
 * Ctrl-C, not the same one twice: see `REPEATED_SIGNAL_WINDOW_MS`), exit 1 saying why.
 */
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { ConfigError, envVarOf, flagOf, loadConfig, settingNames, settings, type Config } from '../../config/index.js';
import { startServer, type RunningServer } from '../../server.js';

export function registerServe(program: Command): void {
  const serve = program.command('serve').description('Run the Tracking API, the admin API and delivery.');
  serve.option('--config <file>', 'JSON config file of settings (keys as in docs/configuration.md); env SLUICE_CONFIG');
  for (const name of settingNames) {
    const definition = settings[name];
    const placeholder = definition.kind === 'boolean' ? '[boolean]' : '<value>';
    const defaultNote = definition.defaultText === '—' ? '' : `; default ${definition.defaultText}`;
    serve.option(`${flagOf(name)} ${placeholder}`, `${definition.doc} (env ${envVarOf(name)}${defaultNote})`);
  }
  serve.action(async (options: Record<string, unknown>) => {
    const { config: configFile, ...flags } = options;
    const config = await loadOrExit({ flags, env: process.env, ...(typeof configFile === 'string' ? { configFile } : {}) });
    const logger = pino({ level: config.logLevel });
    // Before start-up: a signal that arrives while the server starts (or just as it says it listens)
    // must not meet Node's default, which kills the process without a clean close.
    const shutdown = handleShutdownSignals(config, logger);
    let server: RunningServer;
    try {
      server = await startServer(config, { logger });
    } catch (error) {
      logger.fatal({ err: error }, 'sluice failed to start');
      process.stderr.write(`sluice: cannot start: ${(error as Error).message}\n`);
      process.exit(1);
    }
    shutdown.serverStarted(server);
  });
}

async function loadOrExit(sources: Parameters<typeof loadConfig>[0]): Promise<Config> {
  try {
    return await loadConfig(sources);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(2);
  }
}

/**
 * A signal within this long of the first is the same request to stop, delivered twice, not a second
 * request to stop at once: under `npm start` a Ctrl-C reaches Sluice from the terminal (the whole
 * foreground process group gets SIGINT) and again from npm, which passes the signals it gets on to its
 * script, and that script execs node.
 */
export const REPEATED_SIGNAL_WINDOW_MS = 1000;

/**
 * SIGTERM/SIGINT: a clean close, bounded by `shutdownTimeoutSeconds` from the signal. One that arrives
 * during start-up is kept: the close begins as soon as the server has started. A later one (after
 * `REPEATED_SIGNAL_WINDOW_MS`) ends the process at once, without the clean close.
 */
function handleShutdownSignals(config: Config, logger: Logger): { serverStarted(server: RunningServer): void } {
  let server: RunningServer | undefined;
  let firstSignalAt: number | undefined;
  const close = (running: RunningServer) =>
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (performance.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) {
        logger.info({ signal }, 'signal repeated while shutting down (npm passes on the Ctrl-C the terminal sent too): still closing cleanly');
        return;
      }
      logger.error({ signal }, 'second signal during shutdown: exiting now, without a clean close');
      process.exit(1);
    }
    firstSignalAt = performance.now();
    logger.info({ signal }, server ? 'shutting down: finishing in-flight requests' : 'shutting down as soon as start-up ends');
    setTimeout(() => {
      logger.error({ timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutdown timed out: exiting without a clean close');
      process.stderr.write(`sluice: shutdown did not finish within ${config.shutdownTimeoutSeconds}s (shutdownTimeoutSeconds); exiting 1\n`);
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    if (server) void close(server);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    serverStarted(running) {
      server = running;
      if (firstSignalAt !== undefined) void close(running);
    },
  };
}
