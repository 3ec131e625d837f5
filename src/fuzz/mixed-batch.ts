/**
 * Property 2's request and verdict, shared by the sequential and the concurrent batch properties: builds
 * a batch body of valid events (each with a fresh messageId) interleaved with mutated ones, and checks
 * the answer (`rejected` lists exactly the mutated indexes, each with a documented code) and the stored
 * records (every valid event exactly once, exactly as DESIGN B2 enriches it; nothing else).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { ErrorCode } from '../errors/codes.js';
import { eventText, jsonObject, mutatedEvent, nearLimitEvent, validEvent, type CallType, type MutatedEvent, type ValidEvent } from './event-arbitraries.js';
import { expectedStoredEvent, type BatchFields } from './enrichment-oracle.js';
import type { HttpAnswer } from './documented.js';
import type { RawRequest } from './raw-http.js';
import { batchRoutes } from './request-arbitraries.js';
import { basicAuth } from './tracking-client.js';

export type Slot = { kind: 'valid'; event: ValidEvent & { padTo?: number } } | { kind: 'mutated'; event: MutatedEvent };

export const slots: fc.Arbitrary<Slot[]> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 5, arbitrary: validEvent() }, { weight: 1, arbitrary: nearLimitEvent() }), { minLength: 1, maxLength: 10 }),
    fc.array(mutatedEvent(), { maxLength: 6 }),
    fc.array(fc.nat(), { maxLength: 16 }),
  )
  .map(([valid, mutated, order]) => {
    const all: Slot[] = [...valid.map((event): Slot => ({ kind: 'valid', event })), ...mutated.map((event): Slot => ({ kind: 'mutated', event }))];
    // Interleave deterministically from the generated order.
    for (let i = all.length - 1; i > 0; i--) {
      const j = (order[i] ?? 0) % (i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all;
  });

export const batchFields: fc.Arbitrary<BatchFields> = fc.record(
  {
    sentAt: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    context: jsonObject,
    integrations: jsonObject,
  },
  { requiredKeys: [] },
);

export interface Transport {
  readonly keyInBody: boolean;
  readonly type: string | undefined;
  readonly gzip: boolean;
}

export const batchTransport: fc.Arbitrary<Transport & { route: string }> = fc.record({
  route: fc.constantFrom(...batchRoutes),
  keyInBody: fc.boolean(),
  type: fc.constantFrom('application/json', 'text/plain', 'text/plain;charset=UTF-8', undefined),
  gzip: fc.boolean(),
});

export function rawRequest(path: string, text: string, how: Transport, writeKey: string): RawRequest {
  const headers: [string, string][] = [];
  if (!how.keyInBody) headers.push(['Authorization', basicAuth(writeKey)]);
  if (how.type !== undefined) headers.push(['Content-Type', how.type]);
  const plain = Buffer.from(text, 'utf8');
  if (how.gzip) headers.push(['Content-Encoding', 'gzip']);
  return { method: 'POST', path, headers, body: how.gzip ? gzipSync(plain) : plain };
}

export interface MixedBatch {
  readonly body: string;
  /** messageId → the valid event's JSON text as sent. */
  readonly expected: ReadonlyMap<string, string>;
  /** Index of each mutated event → the codes it may be rejected with. */
  readonly rejectedWant: ReadonlyMap<number, readonly ErrorCode[]>;
  readonly batch: BatchFields;
  readonly summary: string;
}

export function buildMixedBatch(slotList: readonly Slot[], batch: BatchFields, keyInBody: boolean, writeKey: string, freshMessageId: () => string): MixedBatch {
  const expected = new Map<string, string>();
  const rejectedWant = new Map<number, readonly ErrorCode[]>();
  const texts: string[] = [];
  for (const slot of slotList) {
    if (slot.kind === 'valid') {
      const messageId = freshMessageId();
      const text = eventText(slot.event, messageId);
      expected.set(messageId, text);
      texts.push(text);
    } else {
      rejectedWant.set(texts.length, slot.event.codes);
      texts.push(slot.event.text);
    }
  }
  const envelope = [
    ...(keyInBody ? [`"writeKey":${JSON.stringify(writeKey)}`] : []),
    ...Object.entries(batch).map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`),
    `"batch":[${texts.join(',')}]`,
  ];
  const mutations = slotList.filter((slot) => slot.kind === 'mutated').map((slot) => slot.event.name);
  return { body: `{${envelope.join(',')}}`, expected, rejectedWant, batch, summary: `${texts.length} events (${expected.size} valid; mutations: ${mutations.join(', ') || 'none'})` };
}

/** The answer to a mixed batch: 200, `rejected` = exactly the mutated indexes with documented codes. */
export function answerProblems(answer: HttpAnswer, mixed: MixedBatch): string[] {
  const problems: string[] = [];
  if (answer.status !== 200) return [`answered ${answer.status} ${answer.body.toString('utf8').slice(0, 300)}`];
  const result = JSON.parse(answer.body.toString('utf8')) as { rejected?: { index: number; code: ErrorCode }[] };
  const rejected = new Map((result.rejected ?? []).map((entry) => [entry.index, entry.code]));
  for (const [index, codes] of mixed.rejectedWant) {
    const code = rejected.get(index);
    if (code === undefined) problems.push(`mutated event #${index} not listed as rejected`);
    else if (!codes.includes(code)) problems.push(`mutated event #${index} rejected as ${code}, documented ${codes.join('|')}`);
  }
  for (const index of rejected.keys()) if (!mixed.rejectedWant.has(index)) problems.push(`valid event #${index} was rejected as ${rejected.get(index)}`);
  return problems;
}

export interface StoredCheck {
  readonly sourceId: string;
  readonly impliedType: CallType | undefined;
  readonly window: { readonly from: number; readonly to: number };
}

/** Checks stored records against the valid events sent (by messageId): each once, exactly as enriched. */
export function storedProblems(records: readonly { timestamp: number; data: Buffer }[], expected: ReadonlyMap<string, string>, batch: BatchFields, check: StoredCheck): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const stored = JSON.parse(record.data.toString('utf8')) as Record<string, unknown>;
    const messageId = stored.messageId as string;
    const sentText = expected.get(messageId);
    if (sentText === undefined) {
      problems.push(`stored an event that was not a valid one sent: ${record.data.toString('utf8').slice(0, 200)}`);
      continue;
    }
    if (seen.has(messageId)) problems.push(`stored ${messageId} twice`);
    seen.add(messageId);
    const receivedAt = stored.receivedAt as string;
    const receivedMs = Date.parse(receivedAt);
    if (!(receivedMs >= check.window.from && receivedMs <= check.window.to)) problems.push(`${messageId}: receivedAt ${receivedAt} outside the request`);
    if (record.timestamp !== receivedMs) problems.push(`${messageId}: record timestamp ${record.timestamp} is not receivedAt`);
    const want = expectedStoredEvent(JSON.parse(sentText) as Record<string, unknown>, batch, { sourceId: check.sourceId, ip: '127.0.0.1', impliedType: check.impliedType }, receivedAt);
    const got = JSON.parse(JSON.stringify(stored)) as unknown;
    if (!deepEqual(got, want)) problems.push(`${messageId} not stored as enriched:\n      got  ${JSON.stringify(got).slice(0, 600)}\n      want ${JSON.stringify(want).slice(0, 600)}`);
  }
  for (const messageId of expected.keys()) if (!seen.has(messageId)) problems.push(`valid event ${messageId} was lost`);
  return problems;
}

/** Structural equality that treats own "__proto__" keys as the data they are. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Messages of the stored records whose messageId is in `ids` (to split a concurrent read per request). */
export function recordsOf<T extends { data: Buffer }>(records: readonly T[], ids: ReadonlySet<string>): T[] {
  return records.filter((record) => ids.has((JSON.parse(record.data.toString('utf8')) as { messageId?: string }).messageId ?? ''));
}
