/**
 * Child process for secret-key.durability.integration.test.ts: loads the secret key of the data
 * directory `argv[2]` (made first) as `sluice serve` does, creating the key file, and prints its path.
 */
import { mkdir } from 'node:fs/promises';
import { loadSecretKey } from '../secret-key.js';

const dataDir = process.argv[2]!;
await mkdir(dataDir, { recursive: true });
const { from } = await loadSecretKey({ setting: undefined, dataDir });
process.stdout.write(from);
