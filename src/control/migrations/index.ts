/**
 * Every schema migration, in order. Migrations are code (not files found at run time) so the built
 * package and the tests apply exactly the same list. A shipped migration is never edited: add a new one.
 */
import type { Migration } from 'kysely';
import * as foundation from './001_foundation.js';
import * as delivery from './002_delivery.js';
import * as identity from './003_identity.js';
import * as workspaceAdmin from './004_workspace_admin.js';
import * as secrets from './005_secrets.js';

export const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_delivery': delivery,
  '003_identity': identity,
  '004_workspace_admin': workspaceAdmin,
  '005_secrets': secrets,
};
