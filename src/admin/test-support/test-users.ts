/**
 * Tests only: users with memberships, all sharing one password whose bcrypt hash (cost 12, ~¼ s) is
 * computed once per password, not once per user.
 */
import type { MetadataStore, Role, User, Workspace } from '../../control/index.js';
import { hashPassword } from '../../control/passwords.js';

export interface TestMembership {
  readonly workspace: Workspace;
  readonly role: Role;
  readonly sourceIds?: string[];
}

export type AddTestUser = (email: string, memberships?: readonly TestMembership[]) => Promise<User>;

const hashes = new Map<string, Promise<string>>();

export function testUserMaker(store: MetadataStore, password: string): AddTestUser {
  return async (email, memberships = []) => {
    let hash = hashes.get(password);
    if (!hash) hashes.set(password, (hash = hashPassword(password)));
    const user = await store.createUser({ email, passwordHash: await hash });
    for (const { workspace, role, sourceIds } of memberships) {
      await store.addMember({ workspaceId: workspace.id, userId: user.id, role, ...(sourceIds ? { sourceIds } : {}) });
    }
    return user;
  };
}
