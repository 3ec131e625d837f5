/**
 * Process entry of the paced open-loop generator (`paced-load.ts`): `node --import tsx
 * bench/support/paced-load-generator.ts '<PacedLoadConfig as JSON>'` prints one `PacedLoadResult` as JSON.
 */
import { runPacedLoad, type PacedLoadConfig } from './paced-load.js';

const config = JSON.parse(process.argv[2] ?? '{}') as PacedLoadConfig;
process.stdout.write(JSON.stringify(await runPacedLoad(config)));
