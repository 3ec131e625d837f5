/**
 * The end-of-run verdict of a fault scenario: the acknowledged messageIds against every event in the
 * bucket. Strict by design — every acknowledged id exactly once, no id twice (whether or not its
 * first attempt was acknowledged), no id the client never sent, and every event in the folder of its
 * `receivedAt` UTC day under `segment-logs/{sourceId}/{13-digit day ms}/`.
 *
 * Duplicates are reported with their kind, so a reader can tell "the client re-sent a batch the
 * server had stored but never acknowledged" (needs ingest deduplication) from "delivery wrote an
 * acknowledged-first-time event twice" (a delivery bug).
 */
import type { BucketObject } from '../../delivery/test-support/bucket-contents.js';
import type { LoadReport } from './retrying-client.js';

const DAY_MS = 86_400_000;
/** How many ids of each kind the report lists in full (the counts are always complete). */
const LISTED_IDS = 20;

export type DuplicateKind = 'acknowledged-first-try' | 'acknowledged-after-retry' | 'never-acknowledged';

export interface CheckReport {
  readonly objects: number;
  /** Events read from the bucket (all copies). */
  readonly checked: number;
  readonly acknowledged: number;
  /** Acknowledged ids found at least once. */
  readonly found: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly duplicatedByKind: Readonly<Record<DuplicateKind, number>>;
  readonly unexpected: number;
  readonly wrongDay: number;
  /** Distinct day folders seen. */
  readonly days: number;
  /** The first few ids/keys of each problem, for the report. */
  readonly examples: {
    readonly lost: string[];
    readonly duplicated: { id: string; copies: number; kind: DuplicateKind }[];
    readonly unexpected: string[];
    readonly wrongDay: { key: string; messageId: string; receivedAt: string }[];
  };
}

export function checkBucket(objects: readonly BucketObject[], sourceId: string, load: LoadReport): CheckReport {
  const copies = new Map<string, number>();
  const wrongDay: CheckReport['examples']['wrongDay'] = [];
  let wrongDayCount = 0;
  let checked = 0;
  const days = new Set<string>();
  const keyPattern = new RegExp(`^segment-logs/${escapeRegExp(sourceId)}/(\\d{13})/[^/]+\\.gz$`);
  for (const object of objects) {
    const folderDay = keyPattern.exec(object.key)?.[1];
    if (folderDay !== undefined) days.add(folderDay);
    for (const event of object.events) {
      checked++;
      const messageId = String(event.messageId);
      copies.set(messageId, (copies.get(messageId) ?? 0) + 1);
      const receivedAt = String(event.receivedAt);
      const receivedDay = Math.floor(Date.parse(receivedAt) / DAY_MS) * DAY_MS;
      if (folderDay === undefined || !Number.isFinite(receivedDay) || String(receivedDay).padStart(13, '0') !== folderDay) {
        wrongDayCount++;
        if (wrongDay.length < LISTED_IDS) wrongDay.push({ key: object.key, messageId, receivedAt });
      }
    }
  }

  const lost = [...load.acknowledged].filter((id) => !copies.has(id));
  const duplicated = [...copies].filter(([, count]) => count > 1).map(([id, count]) => ({ id, copies: count, kind: duplicateKind(id, load) }));
  const unexpected = [...copies.keys()].filter((id) => !load.sent.has(id));
  const duplicatedByKind: Record<DuplicateKind, number> = { 'acknowledged-first-try': 0, 'acknowledged-after-retry': 0, 'never-acknowledged': 0 };
  for (const duplicate of duplicated) duplicatedByKind[duplicate.kind]++;
  return {
    objects: objects.length,
    checked,
    acknowledged: load.acknowledged.size,
    found: load.acknowledged.size - lost.length,
    lost: lost.length,
    duplicated: duplicated.length,
    duplicatedByKind,
    unexpected: unexpected.length,
    wrongDay: wrongDayCount,
    days: days.size,
    examples: { lost: lost.slice(0, LISTED_IDS), duplicated: duplicated.slice(0, LISTED_IDS), unexpected: unexpected.slice(0, LISTED_IDS), wrongDay },
  };
}

function duplicateKind(id: string, load: LoadReport): DuplicateKind {
  if (!load.acknowledged.has(id)) return 'never-acknowledged';
  return load.acknowledgedAfterRetry.has(id) ? 'acknowledged-after-retry' : 'acknowledged-first-try';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
