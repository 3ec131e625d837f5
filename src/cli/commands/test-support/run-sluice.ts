/**
 * Tests only: runs `sluice <args>` in-process (a fresh commander program per call, every command
 * registered with a test CliIo), returning what it printed and its exit code.
 */
import { Command } from 'commander';
import { registerAudit } from '../audit.js';
import { registerBackup } from '../backup.js';
import { registerDestinations } from '../destinations.js';
import { registerLogin } from '../login.js';
import { registerMembers } from '../members.js';
import type { CliIo } from '../output.js';
import { registerSources } from '../sources.js';
import { registerTokens } from '../tokens.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface SluiceRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runSluice(args: readonly string[], env: NodeJS.ProcessEnv): Promise<SluiceRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    env,
    out: (text) => (out += text),
    err: (text) => (err += text),
    exit: (code) => {
      throw new Exit(code);
    },
  };
  const program = new Command('sluice').exitOverride().configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  for (const register of [registerLogin, registerSources, registerDestinations, registerMembers, registerTokens, registerAudit, registerBackup]) register(program, io);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return { code: 0, out, err };
  } catch (error) {
    if (error instanceof Exit) return { code: error.code, out, err };
    const commanderCode = (error as { exitCode?: number }).exitCode;
    if (commanderCode !== undefined) return { code: commanderCode === 0 ? 0 : 2, out, err };
    throw error;
  }
}

/** The JSON a `--json` run printed. */
export const jsonOf = <T = Record<string, unknown>>(run: SluiceRun): T => {
  if (run.code !== 0) throw new Error(`sluice exited ${run.code}: ${run.err}`);
  return JSON.parse(run.out) as T;
};
