/**
 * Child process for snapshot.durability.integration.test.ts: makes a metadata store in `argv[2]`,
 * backs it up into `argv[3]`, and restores that backup into the empty directory `argv[4]`, each the
 * way `sluice backup` (to a directory) and `sluice restore` do; then hands the backup target a file
 * made elsewhere (`put` of a file not already in place). The test runs it under strace.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryBackupTarget } from '../backup-target.js';
import { runBackup } from '../run-backup.js';
import { restoreStore } from '../snapshot.js';
import { metadataFileOf, openControlPlane, sqliteDialect } from '../../control/index.js';

const [dataDir, backups, restoreInto] = process.argv.slice(2) as [string, string, string];
const { database } = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
await database.close();
const { location } = await runBackup({ dataDir, target: new DirectoryBackupTarget(backups), keep: 7 });
await restoreStore(location, restoreInto, 'metadata.sqlite');
const madeElsewhere = join(dataDir, 'made-elsewhere.sqlite.gz');
await writeFile(madeElsewhere, 'not a real backup');
const put = await new DirectoryBackupTarget(backups).put('sluice-metadata-20260101T000000000Z.sqlite.gz', madeElsewhere);
process.stdout.write(JSON.stringify({ backup: location, restored: join(restoreInto, 'metadata.sqlite'), put }));
