/**
 * The logging the log needs: a pino-compatible subset (`logger.warn({ ...fields }, 'message')`), so
 * `sluice serve` passes its pino instance and tests pass a recorder.
 */
export interface LogLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: LogLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
