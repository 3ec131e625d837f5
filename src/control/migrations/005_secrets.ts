// Owned by the secrets/backups work: encrypted destination secrets.
// Deliberately no schema change: secrets are sealed inside the existing `destinations.settings` JSON
// (values `enc:v1:…`, src/secrets/secret-box.ts). Encrypting values stored before this existed needs
// the key, which migrations never see, so it is the idempotent start-up step
// `sealStoredDestinationSecrets` (src/secrets/destination-secrets.ts), run by startServer after migrating.
import type { Kysely } from 'kysely';

export async function up(_db: Kysely<unknown>): Promise<void> {}
export async function down(_db: Kysely<unknown>): Promise<void> {}
