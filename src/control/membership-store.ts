/**
 * Members of a workspace as the admin API manages them: list, read one, change role and granted
 * sources, remove. Adding a member stays `MetadataStore.addMember`. Guards the workspace's last owner:
 * a change that would leave no owner is refused inside the same transaction that would make it.
 */
import type { Kysely } from 'kysely';
import type { ControlDatabase } from './database.js';
import type { Role } from './schema.js';
import { workspaceAdminDb, type WorkspaceAdminDatabase } from './workspace-admin-tables.js';

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  /** For `source_collaborator`: the sources granted; empty otherwise. */
  readonly sourceIds: readonly string[];
  readonly createdAt: string;
}

export type MemberChangeResult = { kind: 'changed'; member: Member } | { kind: 'not_found' } | { kind: 'last_owner' };

export interface MembershipStore {
  listMembers(workspaceId: string): Promise<Member[]>;
  findMember(workspaceId: string, userId: string): Promise<Member | undefined>;
  /** Changes role and/or granted sources (replacing them); refuses to demote the last owner. */
  updateMember(workspaceId: string, userId: string, changes: { role?: Role; sourceIds?: readonly string[] }): Promise<MemberChangeResult>;
  /** Removes the membership (not the user); refuses to remove the last owner. */
  removeMember(workspaceId: string, userId: string): Promise<{ kind: 'removed'; member: Member } | { kind: 'not_found' } | { kind: 'last_owner' }>;
}

export class SqlMembershipStore implements MembershipStore {
  readonly #database: ControlDatabase;

  constructor(database: ControlDatabase) {
    this.#database = database;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<WorkspaceAdminDatabase> {
    return workspaceAdminDb(this.#database);
  }

  listMembers(workspaceId: string): Promise<Member[]> {
    return membersOf(this.#db, workspaceId);
  }

  async findMember(workspaceId: string, userId: string): Promise<Member | undefined> {
    return (await membersOf(this.#db, workspaceId, userId))[0];
  }

  updateMember(workspaceId: string, userId: string, changes: { role?: Role; sourceIds?: readonly string[] }): Promise<MemberChangeResult> {
    return this.#database.atomically(async () => {
      const trx = this.#db;
      const current = (await membersOf(trx, workspaceId, userId))[0];
      if (!current) return { kind: 'not_found' } as const;
      const role = changes.role ?? current.role;
      if (current.role === 'owner' && role !== 'owner' && (await ownerCount(trx, workspaceId)) <= 1) return { kind: 'last_owner' } as const;
      if (role !== current.role) {
        await trx.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
      }
      // Only collaborators hold granted sources; any other role drops them.
      const sourceIds = role === 'source_collaborator' ? (changes.sourceIds ?? current.sourceIds) : [];
      await trx.deleteFrom('membership_sources').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
      const unique = [...new Set(sourceIds)];
      if (unique.length > 0) {
        await trx.insertInto('membership_sources').values(unique.map((sourceId) => ({ workspace_id: workspaceId, user_id: userId, source_id: sourceId }))).execute();
      }
      const member = (await membersOf(trx, workspaceId, userId))[0]!;
      return { kind: 'changed', member } as const;
    });
  }

  removeMember(workspaceId: string, userId: string): Promise<{ kind: 'removed'; member: Member } | { kind: 'not_found' } | { kind: 'last_owner' }> {
    return this.#database.atomically(async () => {
      const trx = this.#db;
      const member = (await membersOf(trx, workspaceId, userId))[0];
      if (!member) return { kind: 'not_found' } as const;
      if (member.role === 'owner' && (await ownerCount(trx, workspaceId)) <= 1) return { kind: 'last_owner' } as const;
      // Explicit, rather than relying on ON DELETE CASCADE (on only when the connection enabled it).
      await trx.deleteFrom('membership_sources').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
      await trx.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
      return { kind: 'removed', member } as const;
    });
  }
}

async function ownerCount(db: Kysely<WorkspaceAdminDatabase>, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('owners'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.owners);
}

async function membersOf(db: Kysely<WorkspaceAdminDatabase>, workspaceId: string, userId?: string): Promise<Member[]> {
  let query = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.created_at', 'memberships.role'])
    .where('memberships.workspace_id', '=', workspaceId)
    .orderBy('users.email');
  if (userId !== undefined) query = query.where('memberships.user_id', '=', userId);
  const rows = await query.execute();
  let grants = db.selectFrom('membership_sources').select(['user_id', 'source_id']).where('workspace_id', '=', workspaceId).orderBy('source_id');
  if (userId !== undefined) grants = grants.where('user_id', '=', userId);
  const granted = await grants.execute();
  return rows.map((row) => ({
    userId: row.id,
    email: row.email,
    role: row.role,
    sourceIds: granted.filter((grant) => grant.user_id === row.id).map((grant) => grant.source_id),
    createdAt: row.created_at,
  }));
}
