/**
 * Issue 5, Tracking API, property 1: whatever bytes arrive — any route, method, header, encoding, size
 * or framing — the real server (`sluice serve`'s, over HTTP) answers within the deadline with a
 * documented status and code (or the documented success body), never an undocumented 5xx, and
 * `GET /healthz` still answers 200 afterwards; a disabled source's key (header or body) stores nothing. Seed and size: see fuzz-config.ts (FUZZ_SEED, FUZZ_RUNS).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FuzzTotals, assertNoProblems, fuzzParameters, timeoutFor } from './fuzz-config.js';
import { startFuzzServer, type FuzzServer } from './fuzz-server.js';
import { chaosRequest } from './request-arbitraries.js';
import { stillHealthy, trackingExchange } from './tracking-client.js';

let server: FuzzServer;
const totals = new FuzzTotals();
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  totals.print('tracking chaos');
  await server?.close();
});

describe('Tracking API under random and mutated requests', () => {
  it(
    'answers every request in time with a documented status and code, and stays healthy',
    async () => {
      await fc.assert(
        fc.asyncProperty(chaosRequest(server.source.writeKey, server.disabledSource.writeKey), async ({ label, request }) => {
          totals.runs++;
          const { problems } = await trackingExchange(server.port, request, totals);
          const health = await stillHealthy(server.port, totals);
          const disabledStored = server.log.endOffset(server.disabledSource.id) > 0 ? ['the disabled source has stored events'] : [];
          assertNoProblems(label, [...problems, ...health, ...disabledStored], totals);
        }),
        fuzzParameters(800),
      );
    },
    timeoutFor(40_000),
  );
});
