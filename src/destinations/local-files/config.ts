/**
 * Settings of the `local-files` destination: Segment's S3 layout under a local directory (DESIGN B3;
 * the bootstrap destination writes `<data dir>/bucket`, flushing every 60 s). Same batching settings
 * as amazon-s3; everything else is rejected by name.
 */
import { batchingPolicyOf, batchingProblems, batchingSettings } from '../batching-settings.js';
import { customSetting, parseSettings, required, settingsError, type SettingsOf, type SettingsResult } from '../settings-schema.js';

export const localFilesSettings = {
  directory: required(customSetting<string | undefined>({
    kind: 'string',
    doc: 'Directory that plays the bucket: objects go to <directory>/segment-logs/<source id>/<received day>/<file>.gz. Created if missing.',
    default: undefined,
    example: '"/var/lib/sluice/bucket"',
    parse: (raw) => (typeof raw === 'string' && raw.trim() !== '' && !raw.includes('\0') ? { ok: true, value: raw } : { ok: false, reason: 'must be a directory path' }),
  })),
  ...batchingSettings,
};

export type LocalFilesSettings = SettingsOf<typeof localFilesSettings>;

export function validateLocalFilesSettings(raw: unknown): SettingsResult<LocalFilesSettings> {
  const result = parseSettings(localFilesSettings, raw);
  const extra = typeof raw === 'object' && raw !== null ? batchingProblems(raw as Record<string, unknown>) : [];
  const problems = [...(result.ok ? [] : result.problems), ...extra];
  return problems.length === 0 && result.ok ? result : { ok: false, problems };
}

export function parseLocalFilesSettings(raw: unknown): LocalFilesSettings {
  const result = validateLocalFilesSettings(raw);
  if (!result.ok) throw settingsError('local-files', result.problems);
  return result.settings;
}

export const localFilesBatchingOf = batchingPolicyOf;
