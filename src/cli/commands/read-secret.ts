/**
 * Reads a password for a command: from stdin when piped (`--password-stdin`, first line), else by
 * prompting on the terminal without echo. Never from a flag by default: flags end up in shell history.
 */
import { createInterface } from 'node:readline';
import { CliError } from './admin-client.js';

export async function readStdinLine(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const lines = createInterface({ input: stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new CliError('expected a password on stdin', 2);
}

export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no terminal to ask the password on: use --password-stdin', 2);
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Write the question once, then swallow the echo of what is typed.
  process.stdout.write(question);
  (prompt as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => {};
  try {
    return await new Promise<string>((resolve) => prompt.question('', resolve));
  } finally {
    prompt.close();
    process.stdout.write('\n');
  }
}

/** `--password <p>` (discouraged), `--password-stdin`, else a prompt. */
export async function passwordFrom(options: { password?: string; passwordStdin?: boolean }, question = 'Password: '): Promise<string> {
  if (options.password !== undefined) return options.password;
  if (options.passwordStdin) return readStdinLine();
  return promptHidden(question);
}
