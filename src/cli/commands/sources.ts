/**
 * `sluice sources list|create|rename|enable|disable|rotate-key|delete` over the sources routes of the
 * admin API (DESIGN B4). Write keys are shown: whoever may see a source may see its key.
 */
import type { Command } from 'commander';
import { adminAction, adminCommand, type ActionContext, type CommonOptions } from './admin-command.js';
import { formatRecord, formatTable, listOf, printJson, processIo, type CliIo } from './output.js';

interface SourceBody {
  id: string;
  name: string;
  writeKey: string;
  enabled: boolean;
  createdAt: string;
}

const show = (context: ActionContext<CommonOptions>, source: SourceBody) =>
  context.options.json ? printJson(context.io.out, source) : context.io.out(formatRecord({ ...source }));

export function registerSources(program: Command, io: CliIo = processIo): void {
  const sources = program.command('sources').description('List and change the sources of a workspace.');
  const source = (id: string) => `/sources/${encodeURIComponent(id)}`;

  adminCommand(sources, 'list', 'List the sources.').action(
    adminAction('sources list', io, async (_args, context) => {
      const list = listOf<SourceBody>(await context.client.call('GET', context.path('/sources')), 'sources');
      if (context.options.json) return printJson(io.out, { sources: list });
      io.out(formatTable(list, [
        { title: 'id', value: (row) => row.id },
        { title: 'name', value: (row) => row.name },
        { title: 'enabled', value: (row) => row.enabled },
        { title: 'write key', value: (row) => row.writeKey },
        { title: 'created', value: (row) => row.createdAt },
      ]));
    }),
  );

  adminCommand(sources, 'create', 'Create a source and print its write key.')
    .argument('<name>')
    .action(adminAction('sources create', io, async ([name], context) => show(context, await context.client.call('POST', context.path('/sources'), { name }))));

  adminCommand(sources, 'rename', 'Rename a source.')
    .argument('<id>')
    .argument('<name>')
    .action(adminAction('sources rename', io, async ([id, name], context) => show(context, await context.client.call('PATCH', context.path(source(id!)), { name }))));

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    adminCommand(sources, verb, `${verb === 'enable' ? 'Accept' : 'Refuse (403)'} events sent with the source's write key.`)
      .argument('<id>')
      .action(adminAction(`sources ${verb}`, io, async ([id], context) => show(context, await context.client.call('PATCH', context.path(source(id!)), { enabled }))));
  }

  adminCommand(sources, 'rotate-key', 'Give the source a new write key (the old one stops working) and print it.')
    .argument('<id>')
    .action(adminAction('sources rotate-key', io, async ([id], context) => show(context, await context.client.call('POST', context.path(`${source(id!)}/rotate-write-key`)))));

  adminCommand(sources, 'delete', 'Delete a source.')
    .argument('<id>')
    .action(
      adminAction('sources delete', io, async ([id], context) => {
        await context.client.call('DELETE', context.path(source(id!)));
        if (context.options.json) printJson(io.out, { deleted: id });
        else io.out(`Deleted source ${id}.\n`);
      }),
    );
}
