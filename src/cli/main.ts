/**
 * The `sluice` command line. Only assembles the sub-commands of ./commands; each owns its flags and
 * its exit codes. The executable is sluice.cts, which sizes libuv's thread pool first (it cannot be
 * done from here); tests run this module directly and get Node's default pool.
 */
// First: caps heap growth before the heap grows.
import './v8-defaults.js';
import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('sluice')
  .description('Self-hosted, Segment-compatible customer-event pipeline.')
  .showHelpAfterError('(add --help to list the commands and settings)')
  .enablePositionalOptions();
for (const register of commands) register(program);

await program.parseAsync(process.argv);
