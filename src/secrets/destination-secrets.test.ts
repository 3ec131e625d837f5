import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlDestinationStore } from '../control/destination-store.js';
import { metadataFileOf, openControlPlane, sqliteDialect, type OpenedControlPlane } from '../control/index.js';
import { bindSecretBox, sealStoredDestinationSecrets } from './destination-secrets.js';
import { SecretBox } from './secret-box.js';

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCY-SCANME';
const opened: OpenedControlPlane[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((plane) => plane.store.close()));
});

async function fresh() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-dest-secrets-'));
  const plane = await openControlPlane(sqliteDialect(metadataFileOf(dataDir)));
  opened.push(plane);
  const workspace = await plane.store.createWorkspace({ slug: 'acme', name: 'Acme' });
  return { plane, workspace };
}

const s3Settings = { bucket: 'acme-logs', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET };
const rawSettings = async (plane: OpenedControlPlane) =>
  (await plane.database.db.selectFrom('destinations').select(['id', 'settings']).execute()).map((row) => JSON.parse(row.settings) as Record<string, unknown>);

describe('destination secrets at rest', () => {
  it('stores secret settings as ciphertext and gives callers the plain values back', async () => {
    const { plane, workspace } = await fresh();
    const box = new SecretBox(randomBytes(32));
    bindSecretBox(plane.database, box);
    const destinations = new SqlDestinationStore(plane.database);
    const created = await destinations.createDestination({ workspaceId: workspace.id, type: 'amazon-s3', name: 'S3', settings: s3Settings, enabled: false, sourceIds: [] });
    expect(created.settings).toEqual(s3Settings);
    const [stored] = await rawSettings(plane);
    expect(stored!.secretAccessKey).toMatch(/^enc:v1:/);
    expect(stored!.accessKeyId).toBe('AKIAEXAMPLE');
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect((await destinations.getDestination(created.id))!.settings).toEqual(s3Settings);
    expect((await destinations.listDestinations(workspace.id))[0]!.settings).toEqual(s3Settings);

    const updated = await destinations.updateDestination(created.id, { settings: { ...s3Settings, secretAccessKey: `${SECRET}-2` } });
    expect(updated!.settings.secretAccessKey).toBe(`${SECRET}-2`);
    expect(JSON.stringify(await rawSettings(plane))).not.toContain(SECRET);
  });

  it('the start-up step seals plain values written before, once, and stops on a key that does not open them', async () => {
    const { plane, workspace } = await fresh();
    // Written without a box: how a store from before encryption looks.
    const legacy = new SqlDestinationStore(plane.database);
    const created = await legacy.createDestination({ workspaceId: workspace.id, type: 'amazon-s3', name: 'S3', settings: s3Settings, enabled: false, sourceIds: [] });
    await legacy.createDestination({ workspaceId: workspace.id, type: 'local-files', name: 'L', settings: { directory: '/tmp/x' }, enabled: false, sourceIds: [] });
    expect(JSON.stringify(await rawSettings(plane))).toContain(SECRET);

    const box = new SecretBox(randomBytes(32));
    expect(await sealStoredDestinationSecrets(plane.database, box)).toBe(1);
    expect(await sealStoredDestinationSecrets(plane.database, box)).toBe(0);
    expect(JSON.stringify(await rawSettings(plane))).not.toContain(SECRET);
    bindSecretBox(plane.database, box);
    expect((await new SqlDestinationStore(plane.database).getDestination(created.id))!.settings).toEqual(s3Settings);

    await expect(sealStoredDestinationSecrets(plane.database, new SecretBox(randomBytes(32)))).rejects.toThrow(/Invalid setting "secretKey": it does not decrypt/);
  });
});

describe('values that look like envelopes', () => {
  it('a typed enc:v1: value is plain text to the store: a secret comes back as typed, a non-secret setting is never decrypted', async () => {
    const { plane, workspace } = await fresh();
    bindSecretBox(plane.database, new SecretBox(randomBytes(32)));
    const destinations = new SqlDestinationStore(plane.database);
    const lookalike = 'enc:v1:not:really:ciphertext';
    const created = await destinations.createDestination({
      workspaceId: workspace.id,
      type: 'amazon-s3',
      name: 'S3',
      settings: { bucket: lookalike, secretAccessKey: lookalike },
      enabled: false,
      sourceIds: [],
    });
    expect((await destinations.getDestination(created.id))!.settings).toEqual({ bucket: lookalike, secretAccessKey: lookalike });
    expect((await destinations.listDestinations(workspace.id)).map((destination) => destination.settings.bucket)).toEqual([lookalike]);
  });
});
