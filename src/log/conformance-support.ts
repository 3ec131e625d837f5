/**
 * Shared pieces of the EventLog conformance suite: the per-run context the sections use to open logs,
 * and record helpers that assume nothing about offsets beyond the contract.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AppendRecord, EventLog, StoredRecord } from './event-log.js';

/** What each section of the suite gets: log makers that clean up after every test. */
export interface ConformanceContext {
  create(options?: { maxBytes?: number }): Promise<EventLog>;
  reopen(log: EventLog): Promise<EventLog>;
  readonly canReopen: boolean;
  readonly retentionGranularityBytes: number | undefined;
}

/** Every record from `from` to the end, read in pages. */
export async function readAll(log: EventLog, stream: string, from: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = from;
  for (;;) {
    const page = await log.read(stream, offset, { maxRecords: 500 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = page.at(-1)!.nextOffset;
  }
}

export function makeRecords(count: number, tag: string): AppendRecord[] {
  return Array.from({ length: count }, (_, index) => ({ timestamp: 1_700_000_000_000 + index, data: Buffer.from(`${tag}-${index}`) }));
}

export function text(record: StoredRecord): string {
  return record.data.toString();
}

export function freshName(): string {
  return randomUUID();
}

export function expectSameRecords(read: readonly StoredRecord[], written: readonly AppendRecord[]): void {
  expect(read.map(text)).toEqual(written.map((record) => Buffer.from(record.data).toString()));
  expect(read.map((record) => record.timestamp)).toEqual(written.map((record) => record.timestamp));
}

export function expectChained(records: readonly StoredRecord[]): void {
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    expect(record.nextOffset).toBeGreaterThan(record.offset);
    if (index > 0) expect(record.offset).toBe(records[index - 1]!.nextOffset);
  }
}

/** Polls `condition` until true (effects a distributed log may apply asynchronously); fails after 5 s. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
