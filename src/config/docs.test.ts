import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc, replaceReadmeTable } from './docs.js';
import { envVarOf, settingNames } from './settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stale = 'stale: run `npm run docs:config` and commit the result';

describe('generated settings docs', () => {
  it('docs/configuration.md matches the settings table', async () => {
    expect(await readFile(`${root}docs/configuration.md`, 'utf8'), stale).toBe(renderConfigurationDoc());
  });

  it('the README settings table matches the settings table', async () => {
    const readme = await readFile(`${root}README.md`, 'utf8');
    expect(readme, stale).toBe(replaceReadmeTable(readme));
  });

  it('documents every setting', () => {
    const doc = renderConfigurationDoc();
    for (const name of settingNames) expect(doc).toContain(envVarOf(name));
  });
});
