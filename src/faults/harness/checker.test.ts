import { describe, expect, it } from 'vitest';
import { checkBucket } from './checker.js';
import type { LoadReport } from './retrying-client.js';

const DAY = 86_400_000;
const day = Date.UTC(2026, 0, 2);
const at = (ms: number) => new Date(ms).toISOString();
const key = (folder: number, file = 'f.gz') => `segment-logs/src/${String(folder)}/${file}`;

function load(acknowledged: string[], sent: string[], afterRetry: string[] = []): LoadReport {
  return {
    batches: 1, requests: 1, outcomes: {}, status503: 0, retryAfter503: 0, maxRecoverMs: 0, firstAckAfter503Ms: undefined, acknowledgedAfter503: 0,
    sent: new Set(sent), acknowledged: new Set(acknowledged), acknowledgedAfterRetry: new Set(afterRetry),
    neverAcknowledged: new Set(sent.filter((id) => !acknowledged.includes(id))),
  };
}

describe('the fault checker', () => {
  it('passes every acknowledged event exactly once, in its day folder', () => {
    const objects = [
      { key: key(day), events: [{ messageId: 'a', receivedAt: at(day + 5) }] },
      { key: key(day + DAY), events: [{ messageId: 'b', receivedAt: at(day + DAY) }, { messageId: 'c', receivedAt: at(day + DAY + 1) }] },
    ];
    const report = checkBucket(objects, 'src', load(['a', 'b'], ['a', 'b', 'c']));
    expect(report).toMatchObject({ objects: 2, checked: 3, acknowledged: 2, found: 2, lost: 0, duplicated: 0, unexpected: 0, wrongDay: 0, days: 2 });
  });

  it('counts lost, duplicated (by kind), unexpected and wrong-day events', () => {
    const objects = [
      { key: key(day), events: [{ messageId: 'first', receivedAt: at(day) }, { messageId: 'retried', receivedAt: at(day) }, { messageId: 'never', receivedAt: at(day) }] },
      { key: key(day, 'g.gz'), events: [{ messageId: 'first', receivedAt: at(day) }, { messageId: 'retried', receivedAt: at(day) }, { messageId: 'never', receivedAt: at(day) }] },
      // receivedAt the previous day, 1 ms before midnight, in this day's folder
      { key: key(day, 'h.gz'), events: [{ messageId: 'early', receivedAt: at(day - 1) }, { messageId: 'stranger', receivedAt: at(day) }] },
      // not under segment-logs/{sourceId}/{13 digits}/
      { key: 'segment-logs/other/1767312000000/x.gz', events: [{ messageId: 'elsewhere', receivedAt: at(day) }] },
    ];
    const sent = ['first', 'retried', 'never', 'early', 'elsewhere', 'missing'];
    const report = checkBucket(objects, 'src', load(['first', 'retried', 'early', 'elsewhere', 'missing'], sent, ['retried']));
    expect(report).toMatchObject({ lost: 1, duplicated: 3, unexpected: 1, wrongDay: 2, found: 4 });
    expect(report.duplicatedByKind).toEqual({ 'acknowledged-first-try': 1, 'acknowledged-after-retry': 1, 'never-acknowledged': 1 });
    expect(report.examples.lost).toEqual(['missing']);
    expect(report.examples.unexpected).toEqual(['stranger']);
    expect(report.examples.wrongDay.map((entry) => entry.messageId)).toEqual(['early', 'elsewhere']);
  });
});
