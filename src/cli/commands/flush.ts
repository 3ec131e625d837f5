/**
 * `sluice flush [--destination <id>]`: asks the running server to deliver everything pending now
 * (`POST …/destinations/{id}/flush`, DESIGN B4) and prints the objects written. Without --destination,
 * every enabled destination of the workspace is flushed, one after another.
 *
 * Server and credentials are found by the shared admin client (admin-client.ts: --url/--token, the
 * environment, `sluice login`, or the admin email/password settings).
 * Exit codes: 0 delivered; 1 the server refused or a delivery failed (the error is printed); 2 usage.
 */
import type { Command } from 'commander';
import { CliError, connect } from './admin-client.js';
import { runCli } from './output.js';

export interface FlushOptions {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly destination?: string | undefined;
  readonly workspace: string;
  readonly json: boolean;
  readonly config?: string | undefined;
}

interface FlushedObject {
  key: string;
  events: number;
  bytes: number;
}

/** Kept under its old name for callers of runFlush; the same class as every admin command's error. */
export { CliError as FlushCommandError };

export function registerFlush(program: Command): void {
  program
    .command('flush')
    .description('Deliver everything pending now, through the running server, and print the objects written.')
    .option('--destination <id>', 'flush only this destination (default: every enabled one)')
    .option('--workspace <slug>', 'workspace of the destinations', 'default')
    .option('--url <url>', 'base URL of the admin API (default: from the host/port settings)')
    .option('--token <token>', 'admin session token (env SLUICE_TOKEN; default: log in with SLUICE_ADMIN_EMAIL/SLUICE_ADMIN_PASSWORD)')
    .option('--config <file>', 'JSON config file of settings, to find host/port and credentials (env SLUICE_CONFIG)')
    .option('--json', 'print one JSON object instead of a table', false)
    .action((options: FlushOptions) => runCli('flush', () => runFlush(options, process.env, (text) => process.stdout.write(text))));
}

/** The whole command, printing through `print`; throws CliError with the exit code. */
export async function runFlush(options: FlushOptions, env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<void> {
  const client = await connect(options, env);
  const api = client.workspacePath(options.workspace, '/destinations');

  let targets: { id: string; name: string }[];
  if (options.destination !== undefined) {
    targets = [{ id: options.destination, name: options.destination }];
  } else {
    const list = await client.call<{ destinations: { id: string; name: string; enabled: boolean }[] }>('GET', api);
    targets = list.destinations.filter((destination) => destination.enabled);
  }

  const results: { id: string; name: string; objects: FlushedObject[] }[] = [];
  for (const target of targets) {
    const body = await client.call<{ objects: FlushedObject[] }>('POST', `${api}/${encodeURIComponent(target.id)}/flush`);
    results.push({ ...target, objects: body.objects });
  }

  if (options.json) {
    print(`${JSON.stringify(options.destination !== undefined ? { objects: results[0]!.objects } : { destinations: results })}\n`);
    return;
  }
  if (results.length === 0) print('No enabled destination to flush.\n');
  for (const result of results) {
    const events = result.objects.reduce((sum, object) => sum + object.events, 0);
    print(`${result.name === result.id ? result.id : `${result.name} (${result.id})`}: ${result.objects.length} object(s), ${events} event(s)\n`);
    for (const object of result.objects) print(`  ${object.key}  ${object.events} events  ${object.bytes} bytes\n`);
  }
}

