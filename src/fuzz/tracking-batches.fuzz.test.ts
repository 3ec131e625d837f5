/**
 * Issue 5, Tracking API, property 2: valid events sent alongside mutated ones are never lost. A batch
 * (any batch route, header or body write key, JSON or text/plain, plain or gzip, small or near the
 * limits, so both the main-thread and the worker-pool ingest paths run) mixes valid events, each with a
 * fresh messageId, with events made invalid by one mutation. Afterwards, read back through the
 * EventLog read API: every valid event is stored exactly once, exactly as DESIGN B2 enriches it
 * (enrichment-oracle.ts); every mutated index is listed in `rejected` with its documented code; nothing
 * else was stored. Single-event routes: a valid event is stored as enriched, a mutated one is refused
 * with its code and stores nothing. Seed and size: fuzz-config.ts.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ErrorCode } from '../errors/codes.js';
import { eventText, mutatedEvent, nearLimitEvent, validEvent, jsonObject, type CallType, type MutatedEvent, type ValidEvent } from './event-arbitraries.js';
import { expectedStoredEvent, type BatchFields } from './enrichment-oracle.js';
import { FuzzTotals, assertNoProblems, fuzzParameters, timeoutFor } from './fuzz-config.js';
import { fuzzLimits, startFuzzServer, type FuzzServer } from './fuzz-server.js';
import type { RawRequest } from './raw-http.js';
import { batchRoutes } from './request-arbitraries.js';
import { basicAuth, stillHealthy, trackingExchange } from './tracking-client.js';

let server: FuzzServer;
const totals = new FuzzTotals();
let nextId = 0;
/** Unique per suite run (the dedup window must never see a repeat of an event we expect stored). */
const freshMessageId = (): string => `fz-${process.pid}-${Date.now().toString(36)}-${nextId++}`;

beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  totals.print('tracking batches');
  await server?.close();
});

type Slot = { kind: 'valid'; event: ValidEvent & { padTo?: number } } | { kind: 'mutated'; event: MutatedEvent };

const slots: fc.Arbitrary<Slot[]> = fc
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

const batchFields: fc.Arbitrary<BatchFields> = fc.record(
  {
    sentAt: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    context: jsonObject,
    integrations: jsonObject,
  },
  { requiredKeys: [] },
);

const transport = fc.record({
  route: fc.constantFrom(...batchRoutes),
  keyInBody: fc.boolean(),
  type: fc.constantFrom('application/json', 'text/plain', 'text/plain;charset=UTF-8', undefined),
  gzip: fc.boolean(),
});

type Transport = { keyInBody: boolean; type: string | undefined; gzip: boolean };

function rawRequest(path: string, text: string, how: Transport, writeKey: string): RawRequest {
  const headers: [string, string][] = [];
  if (!how.keyInBody) headers.push(['Authorization', basicAuth(writeKey)]);
  if (how.type !== undefined) headers.push(['Content-Type', how.type]);
  const plain = Buffer.from(text, 'utf8');
  if (how.gzip) headers.push(['Content-Encoding', 'gzip']);
  return { method: 'POST', path, headers, body: how.gzip ? gzipSync(plain) : plain };
}

/** Checks every stored record of this request against the valid events sent, by messageId. */
function storedProblems(
  records: readonly { timestamp: number; data: Buffer }[],
  expected: ReadonlyMap<string, string>,
  batch: BatchFields,
  impliedType: CallType | undefined,
  window: { from: number; to: number },
): string[] {
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
    if (!(receivedMs >= window.from && receivedMs <= window.to)) problems.push(`${messageId}: receivedAt ${receivedAt} outside the request`);
    if (record.timestamp !== receivedMs) problems.push(`${messageId}: record timestamp ${record.timestamp} is not receivedAt`);
    const want = expectedStoredEvent(JSON.parse(sentText) as Record<string, unknown>, batch, { sourceId: server.source.id, ip: '127.0.0.1', impliedType }, receivedAt);
    const got = JSON.parse(JSON.stringify(stored)) as unknown;
    if (!deepEqual(got, want)) problems.push(`${messageId} not stored as enriched:\n      got  ${JSON.stringify(got).slice(0, 600)}\n      want ${JSON.stringify(want).slice(0, 600)}`);
  }
  for (const messageId of expected.keys()) if (!seen.has(messageId)) problems.push(`valid event ${messageId} was lost`);
  return problems;
}

/** Structural equality that treats own "__proto__" keys as the data they are. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

describe('valid events sent with mutated ones are never lost', () => {
  it(
    'batches: every valid event stored exactly as enriched, every mutated index rejected with its code, nothing else stored',
    async () => {
      await fc.assert(
        fc.asyncProperty(slots, batchFields, transport, async (slotList, batch, how) => {
          totals.runs++;
          const expected = new Map<string, string>();
          const texts: string[] = [];
          const rejectedWant = new Map<number, readonly ErrorCode[]>();
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
            ...(how.keyInBody ? [`"writeKey":${JSON.stringify(server.source.writeKey)}`] : []),
            ...Object.entries(batch).map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`),
            `"batch":[${texts.join(',')}]`,
          ];
          const body = `{${envelope.join(',')}}`;
          // Keep within the request limit (mutations can be large): such a run says nothing about loss.
          fc.pre(Buffer.byteLength(body) <= fuzzLimits.maxRequestBytes);
          const label = `${how.route} ${texts.length} events (${expected.size} valid, mutations: ${[...slotList].filter((slot) => slot.kind === 'mutated').map((slot) => slot.event.name).join(', ') || 'none'}); ${JSON.stringify(how)}`;

          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const { answer, problems } = await trackingExchange(server.port, rawRequest(how.route, body, how, server.source.writeKey), totals);
          const to = Date.now();
          assertNoProblems(label, problems, totals);
          const records = await server.log.read(stream, fromOffset);
          const result = JSON.parse(answer!.body.toString('utf8')) as { success: boolean; code?: string; rejected?: { index: number; code: ErrorCode }[] };
          const checks: string[] = [];
          if (answer!.status !== 200) checks.push(`answered ${answer!.status} ${answer!.body.toString('utf8').slice(0, 300)}`);
          const rejected = new Map((result.rejected ?? []).map((entry) => [entry.index, entry.code]));
          for (const [index, codes] of rejectedWant) {
            const code = rejected.get(index);
            if (code === undefined) checks.push(`mutated event #${index} not listed as rejected`);
            else if (!codes.includes(code)) checks.push(`mutated event #${index} rejected as ${code}, documented ${codes.join('|')}`);
          }
          for (const index of rejected.keys()) if (!rejectedWant.has(index)) checks.push(`valid event #${index} was rejected as ${rejected.get(index)}`);
          checks.push(...storedProblems(records, expected, batch, undefined, { from, to }));
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(120),
      );
    },
    timeoutFor(40_000),
  );

  it(
    'single-event routes (long and short forms): a valid event is stored as enriched, a mutated one is refused with its code and stores nothing',
    async () => {
      const routes: readonly [string, CallType][] = [
        ['identify', 'identify'], ['track', 'track'], ['page', 'page'], ['screen', 'screen'], ['group', 'group'], ['alias', 'alias'],
        ['i', 'identify'], ['t', 'track'], ['p', 'page'], ['s', 'screen'], ['g', 'group'], ['a', 'alias'],
      ];
      const request = fc.constantFrom(...routes).chain(([path, type]) =>
        fc.record({
          path: fc.constant(`/v1/${path}`),
          type: fc.constant(type),
          event: fc.oneof(validEvent(type).map((event) => ({ kind: 'valid' as const, event })), nearLimitEvent().filter((event) => event.type === type).map((event) => ({ kind: 'valid' as const, event })), mutatedEvent(type).filter((event) => event.invalidOnSingleRoute).map((event) => ({ kind: 'mutated' as const, event }))),
          how: fc.record({ keyInBody: fc.boolean(), type: fc.constantFrom('application/json', 'text/plain', undefined), gzip: fc.boolean() }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(request, async ({ path, type, event, how }) => {
          totals.runs++;
          const messageId = freshMessageId();
          // A body write key rides in the event itself (analytics.js does this); only objects can carry it.
          const writeKey = server.source.writeKey;
          let text = event.kind === 'valid' ? eventText(how.keyInBody ? { ...event.event, event: { ...event.event.event, writeKey } } : event.event, messageId) : event.event.text;
          const keyInBody = how.keyInBody && text.startsWith('{');
          // Last, so it wins over a `writeKey` field the mutated event may carry (JSON.parse keeps the last).
          if (keyInBody && event.kind === 'mutated') text = `${text.slice(0, -1)}${text === '{}' ? '' : ','}"writeKey":${JSON.stringify(writeKey)}}`;
          const label = `${path} ${event.kind === 'valid' ? 'valid' : `mutated (${event.event.name})`} ${JSON.stringify(how)}: ${text.slice(0, 200)}`;
          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const { answer, problems } = await trackingExchange(server.port, rawRequest(path, text, { ...how, keyInBody }, server.source.writeKey), totals);
          const to = Date.now();
          assertNoProblems(label, problems, totals);
          const records = await server.log.read(stream, fromOffset);
          const checks: string[] = [];
          if (event.kind === 'valid') {
            if (answer!.status !== 200) checks.push(`answered ${answer!.status} ${answer!.body.toString('utf8').slice(0, 300)}`);
            // What was sent includes the body write key, which is kept as a client field.
            checks.push(...storedProblems(records, new Map([[messageId, text]]), {}, type, { from, to }));
          } else {
            const code = (JSON.parse(answer!.body.toString('utf8')) as { code?: ErrorCode }).code;
            const allowed = event.event.codes;
            if (answer!.status !== 400 && answer!.status !== 401) checks.push(`answered ${answer!.status}`);
            if (code === undefined || !allowed.includes(code)) checks.push(`refused as ${code}, documented ${allowed.join('|')}`);
            if (records.length > 0) checks.push(`stored ${records.length} record(s) from a refused event`);
          }
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(120),
      );
    },
    timeoutFor(30_000),
  );
});
