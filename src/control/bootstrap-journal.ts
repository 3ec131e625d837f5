/**
 * Makes first-start bootstrap survive a crash part-way (kill -9, power loss): a small file in the data
 * directory says "bootstrap begun, not finished" from just before the core transaction until the server
 * is listening. A start that finds it resumes: the core (workspace, owner, source) is already committed,
 * so only the registered steps (e.g. the default local-files destination) run again, and the banner is
 * printed again with the same generated password, which waits in the file sealed by the secret key
 * (AES-256-GCM, like destination secrets) and is deleted with it.
 *
 * Written with fsync of the file and of the directory, so "begun" is on disk before the transaction.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretBox } from '../secrets/secret-box.js';

export const BOOTSTRAP_JOURNAL_FILE = 'bootstrap-pending.json';

export interface PendingBootstrap {
  readonly adminEmail: string;
  /** The generated password, when there was one. */
  readonly generatedPassword: string | undefined;
}

export interface BootstrapJournal {
  /** The bootstrap begun and not finished, if any. */
  pending(): Promise<PendingBootstrap | undefined>;
  begin(state: PendingBootstrap): Promise<void>;
  finish(): Promise<void>;
}

interface JournalFile {
  readonly version: 1;
  readonly adminEmail: string;
  readonly sealedPassword?: string;
}

export class FileBootstrapJournal implements BootstrapJournal {
  readonly #path: string;
  readonly #dataDir: string;
  readonly #secrets: SecretBox;

  constructor(dataDir: string, secrets: SecretBox) {
    this.#dataDir = dataDir;
    this.#path = join(dataDir, BOOTSTRAP_JOURNAL_FILE);
    this.#secrets = secrets;
  }

  async pending(): Promise<PendingBootstrap | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let file: JournalFile;
    try {
      file = JSON.parse(text) as JournalFile;
    } catch {
      // Torn while being written: the crash came before the transaction, which then never ran.
      return undefined;
    }
    return { adminEmail: file.adminEmail, generatedPassword: file.sealedPassword === undefined ? undefined : this.#secrets.decrypt(file.sealedPassword) };
  }

  async begin(state: PendingBootstrap): Promise<void> {
    const file: JournalFile = {
      version: 1,
      adminEmail: state.adminEmail,
      ...(state.generatedPassword === undefined ? {} : { sealedPassword: this.#secrets.encrypt(state.generatedPassword) }),
    };
    const handle = await open(this.#path, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(this.#dataDir);
  }

  async finish(): Promise<void> {
    await rm(this.#path, { force: true });
    await syncDirectory(this.#dataDir);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
