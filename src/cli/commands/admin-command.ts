/**
 * Building blocks shared by the admin sub-commands: the common flags (--url, --token, --config,
 * --workspace, --json) on every leaf command, and an action wrapper that connects, runs and maps errors
 * to exit codes. Keeps each command file to what its routes mean.
 */
import type { Command } from 'commander';
import { CliError, connect, type AdminClient, type ConnectionOptions } from './admin-client.js';
import { runCli, type CliIo } from './output.js';

export interface CommonOptions extends ConnectionOptions {
  readonly workspace: string;
  readonly json: boolean;
}

/** Adds `name` under `parent` with the common flags. */
export function adminCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--workspace <slug>', 'workspace (slug)', 'default')
    .option('--url <url>', 'base URL of the admin API (env SLUICE_URL; default: the one saved by `sluice login`, else the host/port settings)')
    .option('--token <token>', 'API or session token (env SLUICE_TOKEN; default: the one saved by `sluice login`)')
    .option('--config <file>', 'JSON config file of settings, to find host/port and credentials')
    .option('--json', 'print JSON instead of a table', false);
}

export interface ActionContext<O> {
  readonly client: AdminClient;
  readonly options: O;
  readonly io: CliIo;
  /** `/workspaces/{workspace}` + rest. */
  path(rest: string): string;
}

/**
 * Commander action for an admin command: commander passes positional args, then the options object,
 * then the command; `run` gets the args and a connected client.
 */
export function adminAction<O extends CommonOptions>(name: string, io: CliIo, run: (args: string[], context: ActionContext<O>) => Promise<void>) {
  return (...received: unknown[]): Promise<void> => {
    const command = received[received.length - 1] as Command;
    const options = command.opts<O>();
    const args = received.slice(0, -2).map(String);
    return runCli(
      name,
      async () => {
        const client = await connect(options, io.env);
        await run(args, { client, options, io, path: (rest) => client.workspacePath(options.workspace, rest) });
      },
      io,
    );
  };
}

/** `--setting key=value` values: JSON when the value parses as JSON (numbers, booleans), else the text. */
export function parseSettingPairs(pairs: readonly string[] | undefined, json: string | undefined): Record<string, unknown> | undefined {
  if (pairs === undefined && json === undefined) return undefined;
  let settings: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      settings = JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new CliError('--settings must be a JSON object', 2);
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new CliError('--settings must be a JSON object', 2);
  }
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--setting ${pair}: expected key=value`, 2);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Plain text.
    }
    settings[pair.slice(0, at)] = value;
  }
  return settings;
}

/** Commander collector for repeatable flags. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
