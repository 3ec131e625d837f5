/**
 * `npm run docs:config`: regenerates docs/configuration.md and the README settings table from
 * settings.ts. Run after adding or changing a setting; docs.test.ts fails until you do.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigurationDoc, replaceReadmeTable } from './docs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
await mkdir(`${root}docs`, { recursive: true });
await writeFile(`${root}docs/configuration.md`, renderConfigurationDoc());
await writeFile(`${root}README.md`, replaceReadmeTable(await readFile(`${root}README.md`, 'utf8')));
console.log('Wrote docs/configuration.md and the README settings table.');
