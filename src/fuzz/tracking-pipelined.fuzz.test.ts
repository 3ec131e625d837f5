/**
 * Issue 5, Tracking API over one keep-alive connection: random requests (any route, header, encoding,
 * body; well framed) and mixed valid/mutated batches, pipelined back to back. A bad request must not
 * corrupt the next one on the same connection: every answer is documented and belongs to its own
 * request (a valid batch's answer lists its own rejections and its events are stored exactly as
 * enriched), and the server stops answering only after an answer that said `Connection: close`.
 * Seed and size: fuzz-config.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { codeOf, type HttpAnswer } from './documented.js';
import { FuzzTotals, assertNoProblems, fuzzParameters, timeoutFor } from './fuzz-config.js';
import { fuzzLimits, startFuzzServer, type FuzzServer } from './fuzz-server.js';
import type { BatchFields } from './enrichment-oracle.js';
import { answerProblems, batchFields, buildMixedBatch, rawRequest, recordsOf, slots, storedProblems, type MixedBatch, type Slot } from './mixed-batch.js';
import { sendPipelined, type RawRequest } from './raw-http.js';
import { chaosRequest } from './request-arbitraries.js';
import { REQUEST_DEADLINE_MS, stillHealthy, trackingAnswerProblems } from './tracking-client.js';

let server: FuzzServer;
const totals = new FuzzTotals();
let nextId = 0;
const freshMessageId = (): string => `fzp-${process.pid}-${Date.now().toString(36)}-${nextId++}`;

beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  totals.print('tracking pipelined');
  await server?.close();
});

type Item = { kind: 'chaos'; label: string; request: RawRequest } | { kind: 'batch'; label: string; request: RawRequest; mixed: MixedBatch };
type Plan = { kind: 'chaos'; label: string; request: RawRequest } | { kind: 'batch'; slots: Slot[]; fields: BatchFields; route: string };

/**
 * messageIds are stamped here, at send time, not in the arbitrary: a shrinking fast-check re-sends
 * kept values, and re-sent ids would be (rightly) deduplicated, not stored again.
 */
function toItem(plan: Plan, writeKey: string): Item {
  if (plan.kind === 'chaos') return plan;
  const mixed = buildMixedBatch(plan.slots, plan.fields, false, writeKey, freshMessageId);
  return { kind: 'batch', label: `${plan.route} ${mixed.summary}`, request: rawRequest(plan.route, mixed.body, { keyInBody: false, type: 'application/json', gzip: false }, writeKey), mixed };
}

const wellFramed = (request: RawRequest): boolean =>
  request.contentLength === undefined && request.sendBodyBytes === undefined && !request.headers.some(([name]) => /^(transfer-encoding|expect)$/i.test(name));

function plans(writeKey: string): fc.Arbitrary<Plan[]> {
  const chaos = chaosRequest(writeKey, server.disabledSource.writeKey)
    .filter(({ request }) => wellFramed(request))
    .map(({ label, request }): Plan => ({ kind: 'chaos', label, request }));
  const batch = fc.tuple(slots, batchFields, fc.constantFrom('/v1/batch', '/v1/import', '/v1/b')).map(([slotList, fields, route]): Plan => ({ kind: 'batch', slots: slotList, fields, route }));
  return fc.array(fc.oneof(chaos, batch), { minLength: 2, maxLength: 6 });
}

describe('Tracking API with requests pipelined on one connection', () => {
  it(
    'every answer is documented and its own; valid batches are stored as enriched; closing is announced',
    async () => {
      await fc.assert(
        fc.asyncProperty(plans(server.source.writeKey), async (planned) => {
          totals.runs++;
          const list = planned.map((plan) => toItem(plan, server.source.writeKey));
          fc.pre(list.every((item) => item.kind === 'chaos' || Buffer.byteLength(item.mixed.body) <= fuzzLimits.maxRequestBytes));
          const label = list.map((item, index) => `#${index} ${item.label}`).join('\n    ');
          const stream = server.source.id;
          const fromOffset = server.log.endOffset(stream);
          const from = Date.now();
          const outcomes = await sendPipelined(server.port, list.map((item) => item.request), REQUEST_DEADLINE_MS);
          const to = Date.now();
          const records = await server.log.read(stream, fromOffset);
          const checks: string[] = [];
          let closeAnnounced = false;
          outcomes.forEach((outcome, index) => {
            const item = list[index]!;
            if (outcome.kind !== 'response') {
              totals.count(outcome.kind);
              if (outcome.kind === 'timeout') checks.push(`#${index}: no answer within ${REQUEST_DEADLINE_MS} ms`);
              else if (!closeAnnounced) checks.push(`#${index}: connection closed without an answer, and no earlier answer said Connection: close`);
              return;
            }
            totals.count(outcome.status, codeOf(outcome.body));
            const answer: HttpAnswer = { status: outcome.status, headers: outcome.headers, body: outcome.body };
            if (outcome.headers.connection?.toLowerCase() === 'close') closeAnnounced = true;
            if (item.kind === 'chaos') {
              checks.push(...trackingAnswerProblems(item.request, answer).map((problem) => `#${index}: ${problem}`));
              return;
            }
            const own = recordsOf(records, new Set(item.mixed.expected.keys()));
            checks.push(...[...answerProblems(answer, item.mixed), ...storedProblems(own, item.mixed.expected, item.mixed.batch, { sourceId: stream, impliedType: undefined, window: { from, to } })].map((problem) => `#${index}: ${problem}`));
          });
          checks.push(...(await stillHealthy(server.port, totals)));
          assertNoProblems(label, checks, totals);
        }),
        fuzzParameters(100),
      );
    },
    timeoutFor(30_000),
  );
});
