/**
 * How admin commands print: `--json` prints the API's value as one JSON line (for scripts); otherwise
 * a plain aligned table. `runCli` is every command's action wrapper: prints `sluice <cmd>: <message>`
 * on stderr and exits with the CliError's code (1 server/other, 2 usage).
 */
import { CliError } from './admin-client.js';

export type Print = (text: string) => void;

export interface Column<Row> {
  readonly title: string;
  readonly value: (row: Row) => unknown;
}

export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.title.length, ...cells.map((line) => line[index]!.length)));
  const line = (values: readonly string[]) => `${values.map((value, index) => value.padEnd(widths[index]!)).join('  ').trimEnd()}\n`;
  return line(columns.map((column) => column.title.toUpperCase())) + cells.map(line).join('');
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Key: value lines for one record. */
export function formatRecord(record: Readonly<Record<string, unknown>>): string {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  return Object.entries(record)
    .map(([key, value]) => `${key.padEnd(width)}  ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}\n`)
    .join('');
}

export function printJson(print: Print, value: unknown): void {
  print(`${JSON.stringify(value)}\n`);
}

/** What a command touches of the process; tests pass their own to run commands in-process. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Print;
  readonly err: Print;
  /** Ends the command with a non-zero exit code. */
  exit(code: 1 | 2): void;
}

export const processIo: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/** Runs a command body; on failure prints the message (with the API's code) and exits with its code. */
export async function runCli(name: string, body: () => Promise<void>, io: CliIo = processIo): Promise<void> {
  try {
    await body();
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    io.err(`sluice ${name}: ${(error as Error).message}\n`);
    io.exit(exitCode);
  }
}

/** A list from a body that is either an array or `{ <key>: [...] }`. */
export function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (Array.isArray(value)) return value as T[];
  throw new CliError(`unexpected answer from the server: no "${key}" list`, 1);
}
