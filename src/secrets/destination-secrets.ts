/**
 * Destination secrets at rest. `bindSecretBox(database, box)` (startServer, right after the metadata
 * store opens) makes every `SqlDestinationStore` opened on that database seal the type's
 * `secretSettings` (e.g. amazon-s3 `secretAccessKey`) on write and open them on read, so callers keep
 * seeing plain settings while SQLite holds only `enc:v1:` envelopes. `sealStoredDestinationSecrets`
 * is the idempotent start-up step that encrypts plain values written before encryption existed
 * (migration 005 cannot: migrations never see the key) and proves the key opens the ones already sealed.
 *
 * A binding rather than a constructor argument so the stores built by other parts (delivery's
 * composition root) need no change. Never: logs a setting value.
 */
import type { ControlDatabase } from '../control/database.js';
import { getDestinationType } from '../destinations/registry.js';
import { SecretBox, SecretDecryptionError } from './secret-box.js';

// Keyed by the handle, not by `database.db`: inside a transaction that is the transaction, not the database.
const boxes = new WeakMap<ControlDatabase, SecretBox>();

export function bindSecretBox(database: ControlDatabase, box: SecretBox): void {
  boxes.set(database, box);
}

/** The box bound to this database, if any (tests and tools that open a store bare get none). */
export function secretBoxOf(database: ControlDatabase): SecretBox | undefined {
  return boxes.get(database);
}

/** The setting names of `type` that are kept encrypted. */
export const secretFieldsOf = (type: string): readonly string[] => getDestinationType(type)?.secretSettings ?? [];

/**
 * Settings as they go into the store: each secret field that is a string encrypted when a box is
 * bound, else unchanged. Always encrypted, even a value that looks like an envelope already: callers
 * hold plain values only, so a user-typed `enc:v1:…` is a plain value too, and must come back as typed.
 */
export function sealSettings(box: SecretBox | undefined, type: string, settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const sealed: Record<string, unknown> = { ...settings };
  if (!box) return sealed;
  for (const field of secretFieldsOf(type)) {
    const value = sealed[field];
    if (typeof value === 'string') sealed[field] = box.encrypt(value);
  }
  return sealed;
}

/**
 * Settings as callers see them: the type's secret fields opened. Other fields are never decrypted, so
 * a non-secret setting that merely looks like an envelope cannot make a destination unreadable.
 * An envelope with no box bound is a wiring bug.
 */
export function openSettings(box: SecretBox | undefined, type: string, settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const opened: Record<string, unknown> = { ...settings };
  for (const field of secretFieldsOf(type)) {
    const value = opened[field];
    if (!SecretBox.isEnvelope(value)) continue;
    if (!box) throw new Error('Destination settings are encrypted but no secret key is loaded (bindSecretBox was not called for this database).');
    opened[field] = box.decrypt(value);
  }
  return opened;
}

/**
 * Seals every plain secret setting in the store and checks that every sealed one opens under `box`.
 * Returns how many destinations were rewritten. A sealed value that does not open stops start-up
 * naming the setting: the key is not the one the store was written with (e.g. a restore without it).
 */
export async function sealStoredDestinationSecrets(database: ControlDatabase, box: SecretBox): Promise<number> {
  const rows = await database.db.selectFrom('destinations').select(['id', 'type', 'settings']).execute();
  let rewritten = 0;
  for (const row of rows) {
    const settings = JSON.parse(row.settings) as Record<string, unknown>;
    for (const field of secretFieldsOf(row.type)) {
      const value = settings[field];
      if (!SecretBox.isEnvelope(value)) continue;
      try {
        box.decrypt(value);
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        throw new Error(
          `Invalid setting "secretKey": it does not decrypt the settings of destination ${row.id}. Use the key this metadata store was written with (the data directory's secret.key, or SLUICE_SECRET_KEY).`,
          { cause: error },
        );
      }
    }
    const sealed = box.sealFields(settings, secretFieldsOf(row.type));
    if (secretFieldsOf(row.type).some((field) => sealed[field] !== settings[field])) {
      await database.db.updateTable('destinations').set({ settings: JSON.stringify(sealed) }).where('id', '=', row.id).execute();
      rewritten += 1;
    }
  }
  return rewritten;
}
