/**
 * Child process for database.durability.integration.test.ts: makes a metadata store in `argv[2]`,
 * backs it up into `argv[3]`, and restores that backup into the empty directory `argv[4]`, each the
 * way the `sluice backup` and `sluice restore` commands do. The test runs it under strace.
 */
import { join } from 'node:path';
import { restoreStore, snapshotStore } from '../snapshot.js';
import { metadataFileOf, openControlPlane, sqliteDialect } from '../../control/index.js';

const [dataDir, backups, restoreInto] = process.argv.slice(2) as [string, string, string];
const { database } = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
await database.close();
const { file } = await snapshotStore(metadataFileOf(dataDir), backups);
await restoreStore(file, restoreInto, 'metadata.sqlite');
process.stdout.write(JSON.stringify({ backup: file, restored: join(restoreInto, 'metadata.sqlite') }));
