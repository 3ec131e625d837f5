/**
 * Issue 5, Tracking API, property 2: valid events sent alongside mutated ones are never lost. A batch
 * (any batch route, header or body write key, JSON or text/plain, plain or gzip, small or near the
 * limits, so both the main-thread and the worker-pool ingest paths run) mixes valid events, each with a
 * fresh messageId, with events made invalid by one mutation. Afterwards, read back through the
 * EventLog read API: every valid event is stored exactly once, exactly as DESIGN B2 enriches it
 * (enrichment-oracle.ts); every mutated index is listed in `rejected` with its documented code; nothing
 * else was stored. Also: several such batches in flight at once; a client retrying a batch (same
 * messageIds) stores nothing twice; single-event routes. Seed and size: fuzz-config.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ErrorCode } from '../errors/codes.js';
import { eventText, mutatedEvent, nearLimitEvent, validEvent, type CallType } from './event-arbitraries.js';
import { FuzzTotals, assertNoProblems, fuzzParameters, timeoutFor } from './fuzz-config.js';
import { fuzzLimits, startFuzzServer, type FuzzServer } from './fuzz-server.js';
import { answerProblems, batchFields, batchTransport, buildMixedBatch, rawRequest, recordsOf, slots, storedProblems } from './mixed-batch.js';
import { stillHealthy, trackingExchange } from './tracking-client.js';

let server: FuzzServer;
const totals = new FuzzTotals();
let nextId = 0;
/** Unique per suite run (the dedup window must never see a repeat of an event we expect stored). */
const freshMessageId = (): string => `fz-${process.pid}-${Date.now().toString(36)}-${nextId++}`;
const POOL_MIN_BYTES = 16 * 1024;

beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  totals.print('tracking batches');
  await server?.close();
});

/**
 * A batch plan; its messageIds are stamped by `build()` at send time, never in the arbitrary: a
 * shrinking fast-check re-sends kept values, and re-sent ids would be (rightly) deduplicated.
 */
const mixedRequest = fc.tuple(slots, batchFields, batchTransport).map(([slotList, batch, how]) => ({
  how,
  build: () => {
    const mixed = buildMixedBatch(slotList, batch, how.keyInBody, server.source.writeKey, freshMessageId);
    return { mixed, how, label: `${how.route} ${mixed.summary}; ${JSON.stringify(how)}` };
  },
}));

function notePath(body: string, keyInBody: boolean): void {
  totals.note(Buffer.byteLength(body) >= POOL_MIN_BYTES && !keyInBody ? 'worker-pool-sized batches' : 'main-thread batches');
}

describe('valid events sent with mutated ones are never lost', () => {
  it(
    'batches: every valid event stored exactly as enriched, every mutated index rejected with its code, nothing else stored',
    async () => {
      await fc.assert(
        fc.asyncProperty(mixedRequest, async (plan) => {
          totals.runs++;
          const { mixed, how, label } = plan.build();
          // Keep within the request limit (mutations can be large): such a run says nothing about loss.
          fc.pre(Buffer.byteLength(mixed.body) <= fuzzLimits.maxRequestBytes);
          notePath(mixed.body, how.keyInBody);
          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const { answer, problems } = await trackingExchange(server.port, rawRequest(how.route, mixed.body, how, server.source.writeKey), totals);
          const to = Date.now();
          assertNoProblems(label, problems, totals);
          const records = await server.log.read(stream, fromOffset);
          const checks = [...answerProblems(answer!, mixed), ...storedProblems(records, mixed.expected, mixed.batch, { sourceId: stream, impliedType: undefined, window: { from, to } })];
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(200),
      );
    },
    timeoutFor(40_000),
  );

  it(
    'batches in flight at once: each answered and stored as if alone',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mixedRequest, { minLength: 2, maxLength: 6 }), async (plans) => {
          totals.runs++;
          const requests = plans.map((plan) => plan.build());
          fc.pre(requests.every(({ mixed }) => Buffer.byteLength(mixed.body) <= fuzzLimits.maxRequestBytes));
          const label = requests.map((request) => request.label).join('\n    ');
          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const results = await Promise.all(requests.map(({ mixed, how }) => trackingExchange(server.port, rawRequest(how.route, mixed.body, how, server.source.writeKey), totals)));
          const to = Date.now();
          assertNoProblems(label, results.flatMap((result) => result.problems), totals);
          const records = await server.log.read(stream, fromOffset);
          const checks: string[] = [];
          const allIds = new Set(requests.flatMap(({ mixed }) => [...mixed.expected.keys()]));
          if (recordsOf(records, allIds).length !== records.length) checks.push('stored events that no request sent as valid');
          requests.forEach(({ mixed }, index) => {
            const own = recordsOf(records, new Set(mixed.expected.keys()));
            const problems = [...answerProblems(results[index]!.answer!, mixed), ...storedProblems(own, mixed.expected, mixed.batch, { sourceId: stream, impliedType: undefined, window: { from, to } })];
            checks.push(...problems.map((problem) => `request #${index}: ${problem}`));
          });
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(40),
      );
    },
    timeoutFor(30_000),
  );

  it(
    'a retried batch (same body, same messageIds) answers as the first time and stores nothing again',
    async () => {
      await fc.assert(
        fc.asyncProperty(mixedRequest, fc.integer({ min: 1, max: 3 }), async (plan, retries) => {
          totals.runs++;
          const { mixed, how, label } = plan.build();
          fc.pre(Buffer.byteLength(mixed.body) <= fuzzLimits.maxRequestBytes);
          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const request = rawRequest(how.route, mixed.body, how, server.source.writeKey);
          const first = await trackingExchange(server.port, request, totals);
          assertNoProblems(label, first.problems, totals);
          const checks = answerProblems(first.answer!, mixed);
          for (let attempt = 1; attempt <= retries; attempt++) {
            const again = await trackingExchange(server.port, request, totals);
            assertNoProblems(`${label} (retry ${attempt})`, again.problems, totals);
            checks.push(...answerProblems(again.answer!, mixed).map((problem) => `retry ${attempt}: ${problem}`));
          }
          const to = Date.now();
          checks.push(...storedProblems(await server.log.read(stream, fromOffset), mixed.expected, mixed.batch, { sourceId: stream, impliedType: undefined, window: { from, to } }));
          assertNoProblems(`${label}, sent ${retries + 1} times`, checks, totals);
        }),
        fuzzParameters(60),
      );
    },
    timeoutFor(20_000),
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
          event: fc.oneof(
            validEvent(type).map((event) => ({ kind: 'valid' as const, event })),
            nearLimitEvent().filter((event) => event.type === type).map((event) => ({ kind: 'valid' as const, event })),
            mutatedEvent(type).filter((event) => event.invalidOnSingleRoute).map((event) => ({ kind: 'mutated' as const, event })),
          ),
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
          const { answer, problems } = await trackingExchange(server.port, rawRequest(path, text, { ...how, keyInBody }, writeKey), totals);
          const to = Date.now();
          assertNoProblems(label, problems, totals);
          const records = await server.log.read(stream, fromOffset);
          const checks: string[] = [];
          if (event.kind === 'valid') {
            if (answer!.status !== 200) checks.push(`answered ${answer!.status} ${answer!.body.toString('utf8').slice(0, 300)}`);
            checks.push(...storedProblems(records, new Map([[messageId, text]]), {}, { sourceId: stream, impliedType: type, window: { from, to } }));
          } else {
            const code = (JSON.parse(answer!.body.toString('utf8')) as { code?: ErrorCode }).code;
            if (answer!.status !== 400) checks.push(`answered ${answer!.status}`);
            if (code === undefined || !event.event.codes.includes(code)) checks.push(`refused as ${code}, documented ${event.event.codes.join('|')}`);
            if (records.length > 0) checks.push(`stored ${records.length} record(s) from a refused event`);
          }
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(200),
      );
    },
    timeoutFor(30_000),
  );
});
