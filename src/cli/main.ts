#!/usr/bin/env node
/**
 * The `sluice` command line (package.json `bin`). Only assembles the sub-commands of ./commands; each
 * owns its flags and its exit codes.
 */
// First: sizes the thread pool before any module can start it, and caps heap growth before the heap grows.
import './thread-pool.js';
import './v8-defaults.js';
import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('sluice')
  .description('Self-hosted, Segment-compatible customer-event pipeline.')
  .showHelpAfterError('(add --help to list the commands and settings)')
  .enablePositionalOptions();
for (const register of commands) register(program);

await program.parseAsync(process.argv);
