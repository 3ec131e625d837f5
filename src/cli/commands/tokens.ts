/**
 * `sluice tokens list|create|revoke`: API tokens for automation. Personal tokens by default
 * (`/tokens`: yours, for one workspace, at most your role); `--workspace-token` for the workspace's
 * tokens (owners: `/workspaces/{ws}/tokens`). A new token is printed once; the server keeps only its hash.
 */
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import { adminAction, adminCommand, type CommonOptions } from './admin-command.js';
import { formatRecord, formatTable, listOf, printJson, processIo, type CliIo } from './output.js';

interface TokenBody {
  id: string;
  name: string;
  role: string;
  scope?: string;
  workspace?: string | null;
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  token?: string;
}

interface TokenOptions extends CommonOptions {
  readonly name?: string;
  readonly role?: string;
  readonly expiresInDays?: string;
  readonly workspaceToken?: boolean;
}

const WORKSPACE_TOKEN_FLAG = ['--workspace-token', "the workspace's tokens (owners) instead of your personal ones"] as const;

export function registerTokens(program: Command, io: CliIo = processIo): void {
  const tokens = program.command('tokens').description('API tokens for scripts and automation.');

  adminCommand(tokens, 'list', 'List API tokens (never their values), with when each was last used.')
    .option(...WORKSPACE_TOKEN_FLAG)
    .action(
      adminAction<TokenOptions>('tokens list', io, async (_args, context) => {
        const path = context.options.workspaceToken ? context.path('/tokens') : '/tokens';
        const list = listOf<TokenBody>(await context.client.call('GET', path), 'tokens');
        if (context.options.json) return printJson(io.out, { tokens: list });
        io.out(formatTable(list, [
          { title: 'id', value: (row) => row.id },
          { title: 'name', value: (row) => row.name },
          { title: 'workspace', value: (row) => row.workspace },
          { title: 'role', value: (row) => row.role },
          { title: 'scope', value: (row) => row.scope },
          { title: 'expires', value: (row) => row.expiresAt ?? 'never' },
          { title: 'last used', value: (row) => row.lastUsedAt ?? 'never' },
        ]));
      }),
    );

  adminCommand(tokens, 'create', 'Create an API token for the workspace and print it (shown this once).')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--role <role>', 'role of the token, at most your own (default: your role): owner | read_only | source_collaborator')
    .option('--expires-in-days <days>', 'expiry (default: never)')
    .option(...WORKSPACE_TOKEN_FLAG)
    .action(
      adminAction<TokenOptions>('tokens create', io, async (_args, context) => {
        const { options } = context;
        if (options.expiresInDays !== undefined && !/^\d+$/.test(options.expiresInDays)) throw new CliError('--expires-in-days must be a whole number', 2);
        const fields = {
          name: options.name,
          ...(options.role === undefined ? {} : { role: options.role }),
          ...(options.expiresInDays === undefined ? {} : { expiresInDays: Number(options.expiresInDays) }),
        };
        const created = options.workspaceToken
          ? await context.client.call<TokenBody>('POST', context.path('/tokens'), fields)
          : await context.client.call<TokenBody>('POST', '/tokens', { ...fields, workspace: options.workspace });
        if (options.json) return printJson(io.out, created);
        io.out(formatRecord({ ...created }));
        io.out('Copy the token now: it is not shown again.\n');
      }),
    );

  adminCommand(tokens, 'revoke', 'Revoke an API token (it stops working at once).')
    .argument('<id>')
    .option(...WORKSPACE_TOKEN_FLAG)
    .action(
      adminAction<TokenOptions>('tokens revoke', io, async ([id], context) => {
        const path = context.options.workspaceToken ? context.path(`/tokens/${encodeURIComponent(id!)}`) : `/tokens/${encodeURIComponent(id!)}`;
        await context.client.call('DELETE', path);
        if (context.options.json) printJson(io.out, { revoked: id });
        else io.out(`Revoked token ${id}.\n`);
      }),
    );
}
