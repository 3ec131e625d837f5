/**
 * `sluice destinations list|show|create|update|delete|status` over the destinations routes (DESIGN B4).
 * Settings come as `--setting key=value` (repeatable) and/or `--settings '<json>'`; secrets are sent
 * and never shown back (the server masks them).
 */
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import type { DestinationJson } from '../../admin/destinations-json.js';
import { adminAction, adminCommand, collect, parseSettingPairs, type CommonOptions } from './admin-command.js';
import { formatRecord, formatTable, listOf, printJson, processIo, type CliIo } from './output.js';

/** What the admin API answers for a destination: the CLI reads the server's own shape. */
type DestinationBody = DestinationJson;

interface ChangeOptions extends CommonOptions {
  readonly type?: string;
  readonly name?: string;
  readonly source?: string[];
  readonly setting?: string[];
  readonly settings?: string;
  readonly enable?: boolean;
  readonly disable?: boolean;
}

export function registerDestinations(program: Command, io: CliIo = processIo): void {
  const destinations = program.command('destinations').description('List and change the destinations of a workspace.');
  const destination = (id: string) => `/destinations/${encodeURIComponent(id)}`;
  const showOne = (json: boolean, body: DestinationBody) => (json ? printJson(io.out, body) : io.out(formatRecord({ ...body })));

  adminCommand(destinations, 'list', 'List the destinations.').action(
    adminAction('destinations list', io, async (_args, context) => {
      const list = listOf<DestinationBody>(await context.client.call('GET', context.path('/destinations')), 'destinations');
      if (context.options.json) return printJson(io.out, { destinations: list });
      io.out(formatTable(list, [
        { title: 'id', value: (row) => row.id },
        { title: 'name', value: (row) => row.name },
        { title: 'type', value: (row) => row.type },
        { title: 'enabled', value: (row) => row.enabled },
        { title: 'sources', value: (row) => row.sourceIds },
      ]));
    }),
  );

  adminCommand(destinations, 'show', 'Show one destination, its settings (secrets masked) and sources.')
    .argument('<id>')
    .action(adminAction('destinations show', io, async ([id], context) => showOne(context.options.json, await context.client.call('GET', context.path(destination(id!))))));

  const changeFlags = (command: Command) =>
    command
      .option('--name <name>', 'display name')
      .option('--source <id>', 'a source to read from (repeatable)', collect)
      .option('--setting <key=value>', 'one setting (repeatable; the value is JSON when it parses as JSON)', collect)
      .option('--settings <json>', 'settings as one JSON object');

  changeFlags(adminCommand(destinations, 'create', 'Create a destination.'))
    .requiredOption('--type <type>', 'destination type, e.g. amazon-s3 or local-files')
    .option('--disable', 'create it disabled')
    .action(
      adminAction<ChangeOptions>('destinations create', io, async (_args, context) => {
        const { options } = context;
        if (options.name === undefined) throw new CliError('--name is required', 2);
        const body = {
          type: options.type,
          name: options.name,
          sourceIds: options.source ?? [],
          settings: parseSettingPairs(options.setting, options.settings) ?? {},
          ...(options.disable ? { enabled: false } : {}),
        };
        showOne(options.json, await context.client.call('POST', context.path('/destinations'), body));
      }),
    );

  changeFlags(adminCommand(destinations, 'update', 'Change a destination (only what is given changes; settings are replaced whole, masked secrets kept).'))
    .argument('<id>')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(
      adminAction<ChangeOptions>('destinations update', io, async ([id], context) => {
        const { options } = context;
        if (options.enable && options.disable) throw new CliError('--enable and --disable exclude each other', 2);
        const settings = parseSettingPairs(options.setting, options.settings);
        const body = {
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.source === undefined ? {} : { sourceIds: options.source }),
          ...(settings === undefined ? {} : { settings }),
          ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
        };
        if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --name, --source, --setting(s), --enable or --disable', 2);
        showOne(options.json, await context.client.call('PATCH', context.path(destination(id!)), body));
      }),
    );

  adminCommand(destinations, 'delete', 'Delete a destination (pending events for it are dropped).')
    .argument('<id>')
    .action(
      adminAction('destinations delete', io, async ([id], context) => {
        await context.client.call('DELETE', context.path(destination(id!)));
        if (context.options.json) printJson(io.out, { deleted: id });
        else io.out(`Deleted destination ${id}.\n`);
      }),
    );

  adminCommand(destinations, 'status', 'Pending events and bytes, last delivery, last error.')
    .argument('<id>')
    .action(
      adminAction('destinations status', io, async ([id], context) => {
        const status = await context.client.call<Record<string, unknown>>('GET', context.path(`${destination(id!)}/status`));
        if (context.options.json) printJson(io.out, status);
        else io.out(formatRecord(status));
      }),
    );
}
