/**
 * First start of an empty data directory (DESIGN B1): workspace `default`, an owner account, a source
 * `default`, then the extra steps other parts register (the delivery work adds the `local-files`
 * destination under <dataDir>/bucket connected to the default source). Does nothing when any workspace
 * exists, so every later start is a no-op.
 *
 * The clear password (given or generated) is returned for printing once and never stored or logged
 * (a generated one waits, sealed, in the journal until the first start completes).
 *
 * With a journal (`bootstrap-journal.ts`), a first start that died part-way is resumed on the next start:
 * the committed core is found again and the steps run again, so steps must be idempotent.
 */
import type { BootstrapJournal } from './bootstrap-journal.js';
import type { MetadataStore, Source, User, Workspace } from './metadata-store.js';
import { generatePassword, hashPassword } from './passwords.js';

export interface BootstrapOptions {
  readonly adminEmail: string;
  /** When absent a random password is generated (and returned so it can be printed once). */
  readonly adminPassword?: string | undefined;
  readonly dataDir: string;
}

export interface BootstrapContext {
  readonly store: MetadataStore;
  readonly workspace: Workspace;
  readonly owner: User;
  readonly source: Source;
  readonly dataDir: string;
}

/**
 * A step run right after the core bootstrap commits, e.g. the default local-files destination (delivery
 * work). It runs on the first start, and again on the next start if that one died before completing
 * (with a journal), so it must be idempotent.
 */
export type BootstrapStep = (context: BootstrapContext) => Promise<void>;

export interface BootstrapResult extends BootstrapContext {
  /** Set only when the password was generated here: print it once, then forget it. */
  readonly generatedPassword: string | undefined;
  /** True when this resumed a first start that died part-way. */
  readonly resumed: boolean;
}

export const DEFAULT_WORKSPACE_SLUG = 'default';
export const DEFAULT_SOURCE_NAME = 'default';

export async function bootstrapIfEmpty(
  store: MetadataStore,
  options: BootstrapOptions,
  steps: readonly BootstrapStep[] = [],
  journal?: BootstrapJournal,
): Promise<BootstrapResult | undefined> {
  if (!(await store.isEmpty())) {
    const pending = await journal?.pending();
    return pending ? resume(store, options, steps, pending.adminEmail, pending.generatedPassword) : undefined;
  }
  const generatedPassword = options.adminPassword === undefined ? generatePassword() : undefined;
  // Hash before the transaction: bcrypt takes a quarter second and must not hold the database.
  const passwordHash = await hashPassword(options.adminPassword ?? generatedPassword!);
  await journal?.begin({ adminEmail: options.adminEmail, generatedPassword });

  const core = await store.transaction(async (tx) => {
    const workspace = await tx.createWorkspace({ slug: DEFAULT_WORKSPACE_SLUG, name: 'Default' });
    const owner = await tx.createUser({ email: options.adminEmail, passwordHash });
    await tx.addMember({ workspaceId: workspace.id, userId: owner.id, role: 'owner' });
    const source = await tx.createSource({ workspaceId: workspace.id, name: DEFAULT_SOURCE_NAME });
    return { workspace, owner, source };
  });

  const context: BootstrapContext = { store, dataDir: options.dataDir, ...core };
  for (const step of steps) await step(context);
  return { ...context, generatedPassword, resumed: false };
}

/** Finds the committed core of an unfinished first start and runs the steps again. */
async function resume(
  store: MetadataStore,
  options: BootstrapOptions,
  steps: readonly BootstrapStep[],
  adminEmail: string,
  generatedPassword: string | undefined,
): Promise<BootstrapResult> {
  const workspace = await store.findWorkspaceBySlug(DEFAULT_WORKSPACE_SLUG);
  const owner = (await store.findCredentials(adminEmail))?.user;
  const source = workspace && (await store.listSources(workspace.id)).find((candidate) => candidate.name === DEFAULT_SOURCE_NAME);
  if (!workspace || !owner || !source) {
    throw new Error(
      `An unfinished first start was found (${options.dataDir}/bootstrap-pending.json), but not the workspace, owner and source it created. ` +
        'Remove that file if this data directory was set up by other means.',
    );
  }
  const context: BootstrapContext = { store, dataDir: options.dataDir, workspace, owner, source };
  for (const step of steps) await step(context);
  return { ...context, generatedPassword, resumed: true };
}

/** The banner printed on first start: the only time the generated password is ever shown. */
export function describeBootstrap(result: BootstrapResult): string {
  const password = result.generatedPassword ?? '(the configured adminPassword)';
  return [
    `First start${result.resumed ? ' (resumed after an interrupted one)' : ''}: bootstrapped workspace "${result.workspace.slug}".`,
    `  Admin login:  ${result.owner.email} / ${password}${result.generatedPassword ? '   <- shown only now; store it safely' : ''}`,
    `  Source "${result.source.name}" (id ${result.source.id}) write key: ${result.source.writeKey}`,
    '',
  ].join('\n');
}
