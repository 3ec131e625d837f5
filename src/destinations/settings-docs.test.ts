import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { destinationTypes } from './registry.js';

// STYLE 5: the settings documentation is tested against the schema it describes.
describe('src/destinations/README.md', () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  it.each(Object.keys(destinationTypes))('documents every setting of %s', (type) => {
    for (const name of Object.keys(destinationTypes[type]!.settings)) expect(readme).toContain(`\`${name}\``);
  });
  it('shows the defaults the schema applies', () => {
    const s3 = destinationTypes['amazon-s3']!.settings;
    expect(readme).toContain(`| \`flushSchedule\` | \`${s3.flushSchedule!.defaultText.split(' (')[0]!}\` |`);
    expect(readme).toContain(`| \`maxBatchBytes\` | ${s3.maxBatchBytes!.defaultText} |`);
    expect(readme).toContain(`| \`useServerSideEncryption\` | \`${String(s3.useServerSideEncryption!.defaultValue)}\` |`);
  });
});
