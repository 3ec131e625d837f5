/**
 * Every destination type Sluice can run, by type name (the `type` of `POST …/destinations`). The
 * delivery runtime and the admin API use only this table:
 *
 *   const entry = destinationTypes['amazon-s3'];
 *   entry.validate(raw)        → { ok: true, settings } (defaults filled) | { ok: false, problems: [{ setting, message }] }
 *   entry.create(raw, context) → { destination, batching }   (throws SluiceError invalid_destination_setting)
 *   entry.settings             → the schema: per setting kind, doc, defaultValue/defaultText, example, secret, required
 *   entry.secretSettings       → names to mask when showing settings back (`maskSecrets`)
 *
 * `destination.close()` releases connections when the destination is removed or reconfigured.
 */
import { SluiceError } from '../errors/index.js';
import { amazonS3SecretSettings, amazonS3Settings, parseAmazonS3Settings, validateAmazonS3Settings } from './amazon-s3/config.js';
import { createAmazonS3Destination, type BuiltDestination } from './amazon-s3/index.js';
import type { DestinationContext } from './context.js';
import { localFilesSettings, parseLocalFilesSettings, validateLocalFilesSettings } from './local-files/config.js';
import { createLocalFilesDestination } from './local-files/index.js';
import type { SettingsResult, SettingsSchema } from './settings-schema.js';

export type { BuiltDestination } from './amazon-s3/index.js';
export type { DestinationContext, DestinationLogger } from './context.js';
export type { SettingProblem, SettingsSchema } from './settings-schema.js';

export interface DestinationTypeEntry {
  readonly type: string;
  /** One line for listings and docs. */
  readonly description: string;
  readonly settings: SettingsSchema;
  readonly secretSettings: readonly string[];
  /** Checks raw settings (JSON) without building anything; on success returns them with defaults applied. */
  validate(raw: unknown): SettingsResult<Record<string, unknown>>;
  /** Validates and builds; throws `SluiceError('invalid_destination_setting')` naming each bad setting. */
  create(raw: unknown, context: DestinationContext): BuiltDestination;
}

export const destinationTypes: Readonly<Record<string, DestinationTypeEntry>> = {
  'amazon-s3': {
    type: 'amazon-s3',
    description: 'Segment\'s S3 raw-log layout (gzip NDJSON per source and received day) in your S3 or S3-compatible bucket.',
    settings: amazonS3Settings,
    secretSettings: amazonS3SecretSettings,
    validate: validateAmazonS3Settings,
    create: (raw, context) => createAmazonS3Destination(parseAmazonS3Settings(raw), context),
  },
  'local-files': {
    type: 'local-files',
    description: 'The same layout and bytes as amazon-s3, written atomically under a local directory.',
    settings: localFilesSettings,
    secretSettings: [],
    validate: validateLocalFilesSettings,
    create: (raw, context) => createLocalFilesDestination(parseLocalFilesSettings(raw), context),
  },
};

export function getDestinationType(type: string): DestinationTypeEntry | undefined {
  return Object.hasOwn(destinationTypes, type) ? destinationTypes[type] : undefined;
}

/** Like `getDestinationType`, but an unknown type is the API's `unknown_destination_type` error. */
export function requireDestinationType(type: string): DestinationTypeEntry {
  const entry = getDestinationType(type);
  if (!entry) throw new SluiceError('unknown_destination_type', `No destination type "${type}"; known types: ${Object.keys(destinationTypes).join(', ')}.`);
  return entry;
}

export const MASKED_SECRET = '********';

/** A copy of `settings` safe to show: every secret setting that is set reads `********`. */
export function maskSecrets(type: string, settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const secrets = getDestinationType(type)?.secretSettings ?? [];
  const masked = { ...settings };
  for (const name of secrets) if (masked[name] !== undefined && masked[name] !== null) masked[name] = MASKED_SECRET;
  return masked;
}
