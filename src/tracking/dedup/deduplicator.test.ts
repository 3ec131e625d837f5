import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import { Deduplicator, fingerprintsOf, type Admission } from './deduplicator.js';

interface Candidate {
  readonly clientMessageId?: string;
  readonly tag: string;
}

const candidates = (...ids: (string | undefined)[]): Candidate[] => ids.map((id, index) => ({ clientMessageId: id, tag: `${id ?? 'generated'}#${index}` }));

async function admit(deduplicator: Deduplicator, source: string, records: Candidate[]): Promise<Admission<Candidate>> {
  await deduplicator.ready(source);
  return deduplicator.admit(source, records, fingerprintsOf(records));
}

const event = (messageId: string) => ({ timestamp: 1, data: Buffer.from(JSON.stringify({ type: 'track', messageId })) });

describe('Deduplicator', () => {
  it('drops repeats across requests and within one, keeping order; generated ids are never repeats', async () => {
    const deduplicator = new Deduplicator(new MemoryEventLog(), { capacity: 100 });
    const first = await admit(deduplicator, 's', candidates('a', undefined, 'b', 'a'));
    expect(first.fresh.map((record) => record.tag)).toEqual(['a#0', 'generated#1', 'b#2']);
    first.settle(true);
    const second = await admit(deduplicator, 's', candidates('b', undefined, 'c'));
    expect(second.fresh.map((record) => record.tag)).toEqual(['generated#1', 'c#2']);
    second.settle(true);
  });

  it('releases the ids of a failed append, so the retry is stored', async () => {
    const deduplicator = new Deduplicator(new MemoryEventLog(), { capacity: 100 });
    (await admit(deduplicator, 's', candidates('a', 'b'))).settle(false);
    const retry = await admit(deduplicator, 's', candidates('a', 'b'));
    expect(retry.fresh).toHaveLength(2);
  });

  it('makes a repeat of an id still being appended wait: stored by the retry if the original fails', async () => {
    const deduplicator = new Deduplicator(new MemoryEventLog(), { capacity: 100 });
    const original = await admit(deduplicator, 's', candidates('a', 'b'));
    const pending = deduplicator.admit('s', candidates('b', 'c'), fingerprintsOf(candidates('b', 'c')));
    expect(pending).toBeInstanceOf(Promise);
    let resolved = false;
    void Promise.resolve(pending).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    original.settle(false);
    const retry = await pending;
    expect(retry.fresh.map((record) => record.tag)).toEqual(['b#0', 'c#1']);
    retry.settle(true);
    // 'a' was released with the failed original; 'b' and 'c' now belong to the retry.
    expect((await admit(deduplicator, 's', candidates('a', 'b', 'c'))).fresh.map((record) => record.tag)).toEqual(['a#0']);
  });

  it('drops a repeat of an id still being appended once the original succeeds', async () => {
    const deduplicator = new Deduplicator(new MemoryEventLog(), { capacity: 100 });
    const original = await admit(deduplicator, 's', candidates('a'));
    const pending = deduplicator.admit('s', candidates('a', 'd'), fingerprintsOf(candidates('a', 'd')));
    original.settle(true);
    expect((await pending).fresh.map((record) => record.tag)).toEqual(['d#1']);
  });

  it('rebuilds its memory from the tail of the log on the first request of a source', async () => {
    const log = new MemoryEventLog();
    await log.append('s', ['x', 'y', 'z'].map(event));
    await log.append('s', [{ timestamp: 1, data: Buffer.from('not json') }]);
    const seeded: number[] = [];
    const deduplicator = new Deduplicator(log, { capacity: 100, onSeeded: (_, details) => seeded.push(details.records) });
    const admission = await admit(deduplicator, 's', candidates('x', 'w', 'z'));
    expect(admission.fresh.map((record) => record.tag)).toEqual(['w#1']);
    expect(seeded).toEqual([4]);
    expect(deduplicator.ready('s')).toBeUndefined();
  });

  it('reads back only the tail it is given', async () => {
    const log = new MemoryEventLog();
    const records = Array.from({ length: 100 }, (_, index) => event(`id-${String(index).padStart(3, '0')}`));
    await log.append('s', records);
    const oneRecord = records[0]!.data.byteLength;
    const deduplicator = new Deduplicator(log, { capacity: 1_000, seedBytes: oneRecord * 10 });
    const admission = await admit(deduplicator, 's', candidates('id-000', 'id-095'));
    // id-000 lies before the tail: accepted (the window is bounded); id-095 inside it: dropped.
    expect(admission.fresh.map((record) => record.tag)).toEqual(['id-000#0']);
  });
});
