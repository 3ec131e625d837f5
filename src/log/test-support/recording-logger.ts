/**
 * A LogLogger that keeps what it is told, so tests can assert that a warning was logged and with
 * which fields.
 */
import type { LogLogger } from '../log-logger.js';

export interface LoggedEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export class RecordingLogger implements LogLogger {
  readonly entries: LoggedEntry[] = [];

  info(fields: object, message: string): void {
    this.entries.push({ level: 'info', fields: fields as Record<string, unknown>, message });
  }

  warn(fields: object, message: string): void {
    this.entries.push({ level: 'warn', fields: fields as Record<string, unknown>, message });
  }

  error(fields: object, message: string): void {
    this.entries.push({ level: 'error', fields: fields as Record<string, unknown>, message });
  }

  warnings(): LoggedEntry[] {
    return this.entries.filter((entry) => entry.level === 'warn');
  }
}
