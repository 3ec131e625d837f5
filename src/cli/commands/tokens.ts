/**
 * `sluice tokens list|create|revoke`: API tokens for automation. A new token is printed once; the
 * server keeps only its hash.
 */
import type { Command } from 'commander';
import { adminAction, adminCommand, type CommonOptions } from './admin-command.js';
import { formatRecord, formatTable, listOf, printJson, processIo, type CliIo } from './output.js';

interface TokenBody {
  id: string;
  name: string;
  role: string;
  userId?: string;
  createdAt: string;
  lastUsedAt?: string | null;
  token?: string;
}

interface TokenOptions extends CommonOptions {
  readonly name?: string;
  readonly role?: string;
}

export function registerTokens(program: Command, io: CliIo = processIo): void {
  const tokens = program.command('tokens').description('API tokens for scripts and automation.');

  adminCommand(tokens, 'list', 'List API tokens (never their values), with when each was last used.').action(
    adminAction('tokens list', io, async (_args, context) => {
      const list = listOf<TokenBody>(await context.client.call('GET', context.path('/tokens')), 'tokens');
      if (context.options.json) return printJson(io.out, { tokens: list });
      io.out(formatTable(list, [
        { title: 'id', value: (row) => row.id },
        { title: 'name', value: (row) => row.name },
        { title: 'role', value: (row) => row.role },
        { title: 'created', value: (row) => row.createdAt },
        { title: 'last used', value: (row) => row.lastUsedAt ?? 'never' },
      ]));
    }),
  );

  adminCommand(tokens, 'create', 'Create an API token and print it (shown this once).')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--role <role>', 'role of the token (at most your own): owner | read_only | source_collaborator')
    .action(
      adminAction<TokenOptions>('tokens create', io, async (_args, context) => {
        const { options } = context;
        const body = { name: options.name, ...(options.role === undefined ? {} : { role: options.role }) };
        const created = await context.client.call<TokenBody>('POST', context.path('/tokens'), body);
        if (options.json) return printJson(io.out, created);
        io.out(formatRecord({ ...created }));
        io.out('Copy the token now: it is not shown again.\n');
      }),
    );

  adminCommand(tokens, 'revoke', 'Revoke an API token (it stops working at once).')
    .argument('<id>')
    .action(
      adminAction('tokens revoke', io, async ([id], context) => {
        await context.client.call('DELETE', context.path(`/tokens/${encodeURIComponent(id!)}`));
        if (context.options.json) printJson(io.out, { revoked: id });
        else io.out(`Revoked token ${id}.\n`);
      }),
    );
}
