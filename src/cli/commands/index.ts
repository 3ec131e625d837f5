/**
 * Every `sluice` sub-command, one file each. To add one: write `commands/<name>.ts` exporting
 * `register<Name>(program)`, and list it here.
 */
import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerBackup } from './backup.js';
import { registerDestinations } from './destinations.js';
import { registerFlush } from './flush.js';
import { registerLogin } from './login.js';
import { registerMembers } from './members.js';
import { registerServe } from './serve.js';
import { registerSources } from './sources.js';
import { registerTokens } from './tokens.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerServe,
  (program) => registerLogin(program),
  (program) => registerSources(program),
  (program) => registerDestinations(program),
  (program) => registerMembers(program),
  (program) => registerTokens(program),
  (program) => registerAudit(program),
  registerFlush,
  (program) => registerBackup(program),
];
