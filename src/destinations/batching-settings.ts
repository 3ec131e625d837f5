/**
 * The batching settings every S3-layout destination shares (DESIGN B3): `maxBatchBytes` (default
 * 100 MiB of uncompressed NDJSON, Segment's "100 MB"), and either `flushSchedule` (cron, UTC, default
 * hourly at minute 40, Segment's ":40 mark") or `flushIntervalSeconds`.
 */
import { Cron } from 'croner';
import { bytes, optionalInteger } from '../config/setting-types.js';
import { defaultFlushSchedule, defaultMaxBatchBytes, type BatchingPolicy } from '../delivery/flush-schedule.js';
import { customSetting, optional, type SettingProblem } from './settings-schema.js';

export const batchingSettings = {
  maxBatchBytes: optional(bytes({
    doc: 'A batch is flushed as soon as it holds this much uncompressed NDJSON (Segment: 100 MB). Also bounds the spool space a delivery uses.',
    default: defaultMaxBatchBytes,
    example: '"50MiB"',
    min: 1024,
    max: 4 * 2 ** 30,
  })),
  // No default value in the settings themselves: "hourly at :40" applies when neither this nor
  // flushIntervalSeconds is set, so validated settings validate again unchanged (idempotent).
  flushSchedule: optional(customSetting<string | undefined>({
    kind: 'cron',
    doc: 'When to flush what has accumulated, as a cron pattern in UTC (5 fields, or 6 with seconds). Default: hourly at minute 40, like Segment. Not together with flushIntervalSeconds.',
    default: undefined,
    defaultText: `${defaultFlushSchedule} (unless flushIntervalSeconds is set)`,
    example: '"*/15 * * * *"',
    parse(raw) {
      if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'must be a cron pattern such as "40 * * * *"' };
      try {
        const cron = new Cron(raw.trim(), { utcOffset: 0, paused: true });
        const fires = cron.nextRun() !== null;
        cron.stop();
        return fires ? { ok: true, value: raw.trim() } : { ok: false, reason: 'never fires' };
      } catch (error) {
        return { ok: false, reason: `is not a valid cron pattern: ${(error as Error).message}` };
      }
    },
  })),
  flushIntervalSeconds: optional(optionalInteger({
    doc: 'Flush every this many seconds instead of on flushSchedule.',
    default: undefined,
    example: '60',
    min: 1,
    max: 7 * 24 * 3600,
  })),
};

/** Cross-setting rule: a schedule or an interval, not both. */
export function batchingProblems(raw: Record<string, unknown>): SettingProblem[] {
  if (raw.flushSchedule !== undefined && raw.flushSchedule !== null && raw.flushIntervalSeconds !== undefined && raw.flushIntervalSeconds !== null) {
    return [{ setting: 'flushIntervalSeconds', message: 'set either "flushSchedule" or "flushIntervalSeconds", not both' }];
  }
  return [];
}

export function batchingPolicyOf(settings: { maxBatchBytes: number; flushSchedule: string | undefined; flushIntervalSeconds: number | undefined }): BatchingPolicy {
  return settings.flushIntervalSeconds === undefined
    ? { maxBatchBytes: settings.maxBatchBytes, flushSchedule: settings.flushSchedule ?? defaultFlushSchedule }
    : { maxBatchBytes: settings.maxBatchBytes, flushIntervalSeconds: settings.flushIntervalSeconds };
}
