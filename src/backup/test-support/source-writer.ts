/**
 * Tests only: a separate process that keeps creating sources in a data directory's metadata store
 * (its own connection, as another server or CLI would), so a backup runs under real concurrent writes.
 * Usage: node --import tsx source-writer.ts <dataDir> <workspaceId>. Prints "ready" after the first
 * source; on SIGTERM stops and prints "stopped <count>".
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openControlPlane, metadataFileOf, sqliteDialect } from '../../control/index.js';

const [dataDir, workspaceId] = process.argv.slice(2);
const { store } = await openControlPlane(sqliteDialect(metadataFileOf(dataDir!)));
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
let count = 0;
while (!stopping) {
  await store.createSource({ workspaceId: workspaceId!, name: `load-${count}` });
  count += 1;
  if (count === 1) process.stdout.write('ready\n');
  // better-sqlite3 answers synchronously, so without a turn of the event loop neither the output
  // nor SIGTERM would ever be handled.
  await nextTurn();
}
await store.close();
process.stdout.write(`stopped ${count}\n`);
