/**
 * `audit.record(...)`: the one way every change made through the admin API (and the CLI, tokens,
 * backups) reaches the audit log. Masks secrets before anything is stored: a destination's secret
 * settings (by its type's `secretSettings`; every setting of an unknown type), and any field whose name
 * says it is a secret (password, token, key, hash). The log is append-only: there is no update or delete.
 *
 *   const audit = openAudit(database);
 *   const token = await audit.atomically(async () => {
 *     const token = await tokens.create(...);          // any store on the same database
 *     await audit.record({ workspaceId, actor: request.adminAuth!, action: 'token.create',
 *                          resource: { type: 'token', id: token.id }, after: { name }, ip: request.ip });
 *     return token;
 *   });
 *
 * A change and its entry go in one transaction (`atomically`): a crash or a failed audit write between
 * the two can never leave a change that the audit log does not show. Side effects outside the database
 * (starting delivery, notifying listeners) belong after it, once the change has committed.
 */
import type { ControlDatabase } from '../control/database.js';
import { SqlAuditStore, type AuditActor, type AuditEntry, type AuditStore } from '../control/audit-store.js';
import { getDestinationType, MASKED_SECRET } from '../destinations/registry.js';
import type { AdminAuth } from './auth-guard.js';

export type AuditActorInput = AdminAuth | 'cli' | 'system';

export interface AuditRecordInput {
  /** Null for a change outside any workspace (e.g. a system backup). */
  readonly workspaceId: string | null;
  readonly actor: AuditActorInput;
  /** `<resource>.<verb>`, e.g. `source.create`, `member.update`, `token.revoke`. */
  readonly action: string;
  readonly resource: { readonly type: string; readonly id: string };
  readonly before?: unknown;
  readonly after?: unknown;
  readonly ip: string | null;
}

/** The secret setting names of a destination type; undefined when the type is unknown (mask all). */
export type SecretSettingsOf = (type: string) => readonly string[] | undefined;

const registrySecrets: SecretSettingsOf = (type) => getDestinationType(type)?.secretSettings;

/** Field names that hold a secret wherever they appear: password, writeKey, apiToken, tokenHash ... */
const SECRET_NAME = /(password|secret|token|key|hash)$/i;

export class AuditRecorder {
  readonly #store: AuditStore;
  readonly #secretsOf: SecretSettingsOf;

  constructor(store: AuditStore, secretsOf: SecretSettingsOf = registrySecrets) {
    this.#store = store;
    this.#secretsOf = secretsOf;
  }

  /** Runs a change and the entries it records as one transaction: both commit, or neither does. */
  atomically<T>(work: () => Promise<T>): Promise<T> {
    return this.#store.atomically(work);
  }

  record(input: AuditRecordInput): Promise<AuditEntry> {
    return this.#store.append({
      workspaceId: input.workspaceId,
      actor: actorOf(input.actor),
      action: input.action,
      resource: input.resource,
      ...(input.before === undefined ? {} : { before: this.mask(input.before) }),
      ...(input.after === undefined ? {} : { after: this.mask(input.after) }),
      ip: input.ip,
    });
  }

  /** The value with every secret replaced by the mask (a copy; the input is not changed). */
  mask(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.mask(item));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    const masked: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(record)) {
      if (SECRET_NAME.test(name) && field !== null && field !== undefined) masked[name] = MASKED_SECRET;
      else if (name === 'settings' && typeof record.type === 'string' && typeof field === 'object' && field !== null) masked[name] = this.#maskSettings(record.type, field as Record<string, unknown>);
      else masked[name] = this.mask(field);
    }
    return masked;
  }

  #maskSettings(type: string, settings: Record<string, unknown>): Record<string, unknown> {
    const secrets = this.#secretsOf(type);
    const masked: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(settings)) {
      const secret = secrets === undefined || secrets.includes(name) || SECRET_NAME.test(name);
      masked[name] = secret && value !== null && value !== undefined ? MASKED_SECRET : this.mask(value);
    }
    return masked;
  }
}

function actorOf(actor: AuditActorInput): AuditActor {
  if (actor === 'cli' || actor === 'system') return { kind: actor, userId: null, email: null, tokenId: null };
  const tokenId = actor.credential.kind === 'api_token' ? actor.credential.tokenId : null;
  return { kind: tokenId === null ? 'user' : 'api_token', userId: actor.user.id, email: actor.user.email, tokenId };
}

/** The recorder over the metadata database (the same connection as every other control store). */
export const openAudit = (database: ControlDatabase, secretsOf?: SecretSettingsOf): AuditRecorder =>
  new AuditRecorder(new SqlAuditStore(database), secretsOf);
