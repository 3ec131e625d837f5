/**
 * Secrets at rest (issue 4 item 7). For other parts: `SecretBox` (encrypt/decrypt a string, e.g. a TOTP
 * seed), `openSecretBox` (the key from SLUICE_SECRET_KEY or <dataDir>/secret.key), and the destination
 * settings binding used by startServer.
 */
export { SecretBox, SecretDecryptionError, ENVELOPE_PREFIX } from './secret-box.js';
export { loadSecretKey, parseSecretKey, secretKeyFileOf, SECRET_KEY_FILE, type SecretKeySource } from './secret-key.js';
export { bindSecretBox, secretBoxOf, sealStoredDestinationSecrets, sealSettings, openSettings } from './destination-secrets.js';

import { SecretBox } from './secret-box.js';
import { loadSecretKey, type SecretKeySource } from './secret-key.js';

/** The SecretBox of this installation, and where its key came from. */
export async function openSecretBox(options: { setting: string | undefined; dataDir: string }): Promise<{ box: SecretBox; source: SecretKeySource }> {
  const source = await loadSecretKey(options);
  return { box: new SecretBox(source.key), source };
}
