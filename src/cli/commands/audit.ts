/**
 * `sluice audit [--resource type[/id]] [--actor userId|cli|system] [--limit n]`: the workspace's audit
 * log, newest first: who changed what, when, from which address.
 */
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import { adminAction, adminCommand, type CommonOptions } from './admin-command.js';
import { formatTable, listOf, printJson, processIo, type CliIo } from './output.js';

interface AuditBody {
  id: string;
  at: string;
  actor: { kind: string; userId: string | null; email: string | null };
  action: string;
  resource: { type: string; id: string };
  ip: string | null;
}

interface AuditOptions extends CommonOptions {
  readonly resource?: string;
  readonly actor?: string;
  readonly limit?: string;
}

export function registerAudit(program: Command, io: CliIo = processIo): void {
  adminCommand(program, 'audit', 'Show the audit log of a workspace, newest first.')
    .option('--resource <type[/id]>', 'only entries about this resource type (e.g. destination) or resource (destination/<id>)')
    .option('--actor <actor>', 'only entries by this user id (or cli, system)')
    .option('--limit <n>', 'at most this many entries')
    .action(
      adminAction<AuditOptions>('audit', io, async (_args, context) => {
        const { options } = context;
        const query = new URLSearchParams();
        if (options.resource !== undefined) {
          const [type, ...id] = options.resource.split('/');
          if (!type) throw new CliError('--resource must be a type or type/id', 2);
          query.set('resourceType', type);
          if (id.length > 0) query.set('resourceId', id.join('/'));
        }
        if (options.actor !== undefined) query.set('actor', options.actor);
        if (options.limit !== undefined) {
          if (!/^\d+$/.test(options.limit)) throw new CliError('--limit must be a whole number', 2);
          query.set('limit', options.limit);
        }
        const suffix = query.size > 0 ? `?${query.toString()}` : '';
        const entries = listOf<AuditBody>(await context.client.call('GET', context.path(`/audit-log${suffix}`)), 'entries');
        if (options.json) return printJson(io.out, { entries });
        io.out(formatTable(entries, [
          { title: 'at', value: (row) => row.at },
          { title: 'actor', value: (row) => row.actor.email ?? row.actor.kind },
          { title: 'action', value: (row) => row.action },
          { title: 'resource', value: (row) => `${row.resource.type}/${row.resource.id}` },
          { title: 'from', value: (row) => row.ip },
        ]));
      }),
    );
}
