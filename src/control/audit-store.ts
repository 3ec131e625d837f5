/**
 * The audit log's storage: append and filtered reads, nothing else. There is deliberately no update or
 * delete (the log is append-only through every API). Values arrive already masked (see
 * src/admin/audit-recorder.ts); this module only stores them as JSON text.
 */
import type { Kysely } from 'kysely';
import type { ControlDatabase } from './database.js';
import { randomAlphanumeric } from './ids.js';
import { workspaceAdminDb, type AuditLogTable, type WorkspaceAdminDatabase } from './workspace-admin-tables.js';

export type AuditActorKind = 'user' | 'api_token' | 'cli' | 'system';

export interface AuditActor {
  readonly kind: AuditActorKind;
  /** The user (for `user` and `api_token`), else null. */
  readonly userId: string | null;
  readonly email: string | null;
  /** For `api_token`: which token; else null (may be left out when writing). */
  readonly tokenId?: string | null;
}

export interface NewAuditEntry {
  readonly workspaceId: string | null;
  readonly actor: AuditActor;
  readonly action: string;
  readonly resource: { readonly type: string; readonly id: string };
  readonly before?: unknown;
  readonly after?: unknown;
  readonly ip: string | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly workspaceId: string | null;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly actor: AuditActor;
  readonly action: string;
  readonly resource: { readonly type: string; readonly id: string };
  readonly before: unknown;
  readonly after: unknown;
  readonly ip: string | null;
}

export interface AuditFilter {
  readonly workspaceId: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  /** A user id, or `cli` / `system`. */
  readonly actor?: string;
  readonly limit: number;
  /** An entry id: only entries older than it (the next page). */
  readonly before?: string;
}

export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /**
   * Runs `work` as one transaction with the entries it appends and the changes it makes through the
   * other stores of the same database (`ControlDatabase.atomically`): all commit, or none.
   */
  atomically<T>(work: () => Promise<T>): Promise<T>;
  /** Newest first. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
}

export class SqlAuditStore implements AuditStore {
  readonly #database: ControlDatabase;
  readonly #now: () => Date;
  #last = { ms: 0, counter: 0 };

  constructor(database: ControlDatabase, now: () => Date = () => new Date()) {
    this.#database = database;
    this.#now = now;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<WorkspaceAdminDatabase> {
    return workspaceAdminDb(this.#database);
  }

  atomically<T>(work: () => Promise<T>): Promise<T> {
    return this.#database.atomically(work);
  }

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const at = this.#now();
    const row: AuditLogTable = {
      id: this.#nextId(at.getTime()),
      workspace_id: entry.workspaceId,
      at: at.toISOString(),
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.userId,
      actor_email: entry.actor.email,
      actor_token_id: entry.actor.tokenId ?? null,
      action: entry.action,
      resource_type: entry.resource.type,
      resource_id: entry.resource.id,
      before_json: entry.before === undefined ? null : JSON.stringify(entry.before),
      after_json: entry.after === undefined ? null : JSON.stringify(entry.after),
      ip: entry.ip,
    };
    await this.#db.insertInto('audit_log').values(row).execute();
    return toEntry(row);
  }

  /**
   * Ids sort in append order (time, then a counter within the millisecond, then randomness against
   * other writers), so "newest first" and the `before` cursor are exact even for entries in one ms.
   */
  #nextId(ms: number): string {
    this.#last = ms > this.#last.ms ? { ms, counter: 0 } : { ms: this.#last.ms, counter: this.#last.counter + 1 };
    return `${this.#last.ms.toString(36).padStart(9, '0')}${this.#last.counter.toString(36).padStart(4, '0')}${randomAlphanumeric(6)}`;
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    let query = this.#db.selectFrom('audit_log').selectAll().where('workspace_id', '=', filter.workspaceId);
    if (filter.resourceType !== undefined) query = query.where('resource_type', '=', filter.resourceType);
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
    if (filter.actor === 'cli' || filter.actor === 'system') query = query.where('actor_kind', '=', filter.actor);
    else if (filter.actor !== undefined) query = query.where('actor_id', '=', filter.actor);
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toEntry);
  }
}

function toEntry(row: AuditLogTable): AuditEntry {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    at: row.at,
    actor: { kind: row.actor_kind as AuditActorKind, userId: row.actor_id, email: row.actor_email, tokenId: row.actor_token_id },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    before: row.before_json === null ? null : (JSON.parse(row.before_json) as unknown),
    after: row.after_json === null ? null : (JSON.parse(row.after_json) as unknown),
    ip: row.ip,
  };
}
