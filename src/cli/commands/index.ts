/**
 * Every `sluice` sub-command, one file each. To add one: write `commands/<name>.ts` exporting
 * `register<Name>(program)`, and list it here.
 */
import type { Command } from 'commander';
import { registerFlush } from './flush.js';
import { registerServe } from './serve.js';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerServe, registerFlush];
