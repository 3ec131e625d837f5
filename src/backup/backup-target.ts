/**
 * Where backups go and how old ones are pruned: a local directory, or an S3 bucket (prefix). The S3
 * target writes through the shared `S3ObjectStore` (PutObject, SSE AES256) and adds only what retention
 * needs — ListObjectsV2 and DeleteObject — with its own client, so the destination path keeps its
 * PutObject-only contract. IAM for the backup prefix: s3:PutObject, s3:ListBucket (on the bucket, with
 * the prefix as condition), s3:DeleteObject.
 *
 * Owns: put/list/delete of backup files. Never: touches names that are not backup names.
 */
import { stat, readdir, rm, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../storage/s3-object-store.js';
import { putInPlace } from '../log/file-names.js';
import { isBackupName } from './snapshot.js';

export interface BackupTarget {
  /** For messages: a directory path or `s3://bucket/prefix/`. */
  readonly description: string;
  /** Stores the local file `file` under `name`. Returns where it went. */
  put(name: string, file: string): Promise<string>;
  /** Backup names present, oldest first. */
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Deletes all but the newest `keep` backups; returns the names deleted. */
export async function pruneBackups(target: BackupTarget, keep: number): Promise<string[]> {
  const names = await target.list();
  const doomed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of doomed) await target.remove(name);
  return doomed;
}

export class DirectoryBackupTarget implements BackupTarget {
  constructor(readonly directory: string) {}

  get description(): string {
    return this.directory;
  }

  async put(name: string, file: string): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const destination = join(this.directory, name);
    if (file !== destination) {
      // Same file system: an atomic rename; otherwise copy under a temporary name, then rename. Either
      // way the bytes are synced before the name appears and the directory after (putInPlace), so a
      // power cut never leaves a backup's name over missing data.
      try {
        await putInPlace(file, destination);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        const partial = `${destination}.partial`;
        await copyFile(file, partial);
        await putInPlace(partial, destination);
      }
    }
    return destination;
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return entries.filter(isBackupName).sort();
  }

  async remove(name: string): Promise<void> {
    if (isBackupName(name)) await rm(join(this.directory, name), { force: true });
  }

  async close(): Promise<void> {}
}

export interface S3BackupOptions {
  /** `name` or `name/prefix`. */
  readonly bucket: string;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly forcePathStyle?: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

export class S3BackupTarget implements BackupTarget {
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #writer: S3ObjectStore;
  readonly #client: S3Client;

  constructor(options: S3BackupOptions) {
    const [bucket, ...rest] = options.bucket.split('/');
    this.#bucket = bucket!;
    const prefix = rest.filter((part) => part !== '').join('/');
    this.#prefix = prefix === '' ? '' : `${prefix}/`;
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const common = {
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    };
    this.#writer = new S3ObjectStore({ bucket: this.#bucket, region, ...common, serverSideEncryption: 'AES256' });
    this.#client = new S3Client({ region, ...common, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  }

  get description(): string {
    return `s3://${this.#bucket}/${this.#prefix}`;
  }

  async put(name: string, file: string): Promise<string> {
    const { size } = await stat(file);
    const result = await this.#writer.putObject({ key: `${this.#prefix}${name}`, body: { file }, contentLength: size, contentType: 'application/gzip' });
    await rm(file, { force: true });
    return result.location;
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: `${this.#prefix}${'sluice-metadata-'}`, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        const name = (object.Key ?? '').slice(this.#prefix.length);
        if (isBackupName(name)) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async remove(name: string): Promise<void> {
    if (isBackupName(name)) await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: `${this.#prefix}${name}` }));
  }

  async close(): Promise<void> {
    await this.#writer.close();
    this.#client.destroy();
  }
}
