/**
 * First start of an empty data directory (DESIGN B1): workspace `default`, an owner account, a source
 * `default`, then the extra steps other parts register (the delivery work adds the `local-files`
 * destination under <dataDir>/bucket connected to the default source). Does nothing when any workspace
 * exists, so every later start is a no-op.
 *
 * The clear password (given or generated) is returned for printing once and never stored or logged.
 */
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
 * A step run right after the core bootstrap commits, e.g. `connectDefaultLocalFiles` (delivery work).
 * It runs once, on the first start; if the process dies between the commit and the step, the step does
 * not run again, so keep steps small and make them report failure loudly.
 */
export type BootstrapStep = (context: BootstrapContext) => Promise<void>;

export interface BootstrapResult extends BootstrapContext {
  /** Set only when the password was generated here: print it once, then forget it. */
  readonly generatedPassword: string | undefined;
}

export const DEFAULT_WORKSPACE_SLUG = 'default';
export const DEFAULT_SOURCE_NAME = 'default';

export async function bootstrapIfEmpty(store: MetadataStore, options: BootstrapOptions, steps: readonly BootstrapStep[] = []): Promise<BootstrapResult | undefined> {
  if (!(await store.isEmpty())) return undefined;
  const generatedPassword = options.adminPassword === undefined ? generatePassword() : undefined;
  // Hash before the transaction: bcrypt takes a quarter second and must not hold the database.
  const passwordHash = await hashPassword(options.adminPassword ?? generatedPassword!);

  const core = await store.transaction(async (tx) => {
    const workspace = await tx.createWorkspace({ slug: DEFAULT_WORKSPACE_SLUG, name: 'Default' });
    const owner = await tx.createUser({ email: options.adminEmail, passwordHash });
    await tx.addMember({ workspaceId: workspace.id, userId: owner.id, role: 'owner' });
    const source = await tx.createSource({ workspaceId: workspace.id, name: DEFAULT_SOURCE_NAME });
    return { workspace, owner, source };
  });

  const context: BootstrapContext = { store, dataDir: options.dataDir, ...core };
  for (const step of steps) await step(context);
  return { ...context, generatedPassword };
}

/** The banner printed on first start: the only time the generated password is ever shown. */
export function describeBootstrap(result: BootstrapResult): string {
  const password = result.generatedPassword ?? '(the configured adminPassword)';
  return [
    `First start: bootstrapped workspace "${result.workspace.slug}".`,
    `  Admin login:  ${result.owner.email} / ${password}${result.generatedPassword ? '   <- shown only now; store it safely' : ''}`,
    `  Source "${result.source.name}" (id ${result.source.id}) write key: ${result.source.writeKey}`,
    '',
  ].join('\n');
}
