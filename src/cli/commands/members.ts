/**
 * `sluice members list|add|set-role|remove` over the members routes (DESIGN B4). Roles: owner,
 * read_only, source_collaborator (with --source for the sources it may see and change).
 */
import type { Command } from 'commander';
import { adminAction, adminCommand, collect, type CommonOptions } from './admin-command.js';
import { formatRecord, formatTable, listOf, printJson, processIo, type CliIo } from './output.js';
import { passwordFrom } from './read-secret.js';

interface MemberBody {
  userId: string;
  email: string;
  role: string;
  sourceIds?: string[];
}

interface MemberOptions extends CommonOptions {
  readonly role?: string;
  readonly source?: string[];
  readonly password?: string;
  readonly passwordStdin?: boolean;
}

export function registerMembers(program: Command, io: CliIo = processIo): void {
  const members = program.command('members').description('List and change who belongs to a workspace, and their roles.');
  const member = (userId: string) => `/members/${encodeURIComponent(userId)}`;
  const showOne = (json: boolean, body: unknown) => (json ? printJson(io.out, body) : io.out(formatRecord({ ...(body as Record<string, unknown>) })));

  adminCommand(members, 'list', 'List the members and their roles.').action(
    adminAction('members list', io, async (_args, context) => {
      const list = listOf<MemberBody>(await context.client.call('GET', context.path('/members')), 'members');
      if (context.options.json) return printJson(io.out, { members: list });
      io.out(formatTable(list, [
        { title: 'user id', value: (row) => row.userId },
        { title: 'email', value: (row) => row.email },
        { title: 'role', value: (row) => row.role },
        { title: 'sources', value: (row) => row.sourceIds },
      ]));
    }),
  );

  adminCommand(members, 'add', 'Add a member (creating the user with the password given if new).')
    .argument('<email>')
    .requiredOption('--role <role>', 'owner | read_only | source_collaborator')
    .option('--source <id>', 'for source_collaborator: a source it may see and change (repeatable)', collect)
    .option('--password-stdin', 'read the new user\'s password from stdin (default: prompt)')
    .option('--password <password>', 'the new user\'s password (ends up in shell history; prefer --password-stdin)')
    .action(
      adminAction<MemberOptions>('members add', io, async ([email], context) => {
        const { options } = context;
        const password = await passwordFrom(options, `Password for ${email}: `);
        const body = { email, password, role: options.role, ...(options.source === undefined ? {} : { sourceIds: options.source }) };
        showOne(options.json, await context.client.call('POST', context.path('/members'), body));
      }),
    );

  adminCommand(members, 'set-role', 'Change a member\'s role (and, for source_collaborator, its sources).')
    .argument('<userId>')
    .argument('<role>')
    .option('--source <id>', 'for source_collaborator: a source it may see and change (repeatable)', collect)
    .action(
      adminAction<MemberOptions>('members set-role', io, async ([userId, role], context) => {
        const body = { role, ...(context.options.source === undefined ? {} : { sourceIds: context.options.source }) };
        showOne(context.options.json, await context.client.call('PATCH', context.path(member(userId!)), body));
      }),
    );

  adminCommand(members, 'remove', 'Remove a member from the workspace.')
    .argument('<userId>')
    .action(
      adminAction('members remove', io, async ([userId], context) => {
        await context.client.call('DELETE', context.path(member(userId!)));
        if (context.options.json) printJson(io.out, { removed: userId });
        else io.out(`Removed member ${userId}.\n`);
      }),
    );
}
