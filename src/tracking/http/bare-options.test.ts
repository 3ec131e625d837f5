/**
 * Regression (found by src/fuzz/): an OPTIONS request without `Origin` or
 * `Access-Control-Request-Method` answered @fastify/cors's text/plain `400 Invalid Preflight Request`,
 * a body without a documented code. It now gets the preflight's 204, like any preflight.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, expectStillServing, type TestApp } from '../test-support/tracking-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.app.close();
});

describe('OPTIONS on Tracking API routes', () => {
  it.each([
    ['no CORS headers at all', {}],
    ['an Origin only', { origin: 'https://site.example' }],
    ['a requested method only', { 'access-control-request-method': 'POST' }],
  ])('with %s → 204 with the CORS headers', async (_label, headers) => {
    for (const url of ['/v1/track', '/v1/b', '/v1/m', '/v1/nope']) {
      const response = await t.app.inject({ method: 'OPTIONS', url, headers });
      expect({ url, status: response.statusCode, body: response.body }).toEqual({ url, status: 204, body: '' });
      expect(response.headers['access-control-allow-origin']).toBe('*');
    }
    await expectStillServing(t.app);
  });
});
