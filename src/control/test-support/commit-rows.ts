/**
 * Child process for database.durability.integration.test.ts: opens the control database in `argv[2]`
 * the way `sluice serve` does (creating and migrating it), then commits `argv[3]` transactions of one
 * row each. The test runs it under strace and counts the syncs.
 */
import { sql } from 'kysely';
import { openControlPlane, sqliteDialect } from '../index.js';

const [file, countText] = process.argv.slice(2);
const { database } = await openControlPlane(sqliteDialect(file!));
await sql`create table durability_probe (n integer)`.execute(database.db);
for (let index = 0; index < Number(countText); index++) await sql`insert into durability_probe values (${index})`.execute(database.db);
await database.close();
