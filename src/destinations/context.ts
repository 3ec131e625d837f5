/**
 * What the runtime gives a destination when it builds one: the node's id (part of every object key,
 * so nodes never overwrite each other), a directory for temp files, and a logger (pino-compatible).
 */
export interface DestinationLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  debug?(details: object, message: string): void;
}

export interface DestinationContext {
  /** Stable id of this Sluice node: letters, digits, `_`, `-` (≤ 63 chars). */
  readonly nodeId: string;
  /**
   * Directory for spool files, this destination's alone (e.g. `<data dir>/spool/<destination id>`):
   * created if missing, and swept of a crashed run's leftovers before the first delivery.
   */
  readonly spoolDirectory: string;
  readonly logger?: DestinationLogger | undefined;
}
