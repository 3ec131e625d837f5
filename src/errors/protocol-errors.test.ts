/**
 * Regression (found by src/fuzz/): requests that fail before routing — bad percent-encoding, an
 * over-long path parameter, HTTP framing Node refuses — answered Fastify's own body
 * (`{"error":"Bad Request","statusCode":400}`, code `FST_ERR_BAD_URL`, status 414) instead of a documented
 * code. Driven over a real socket, as no injector can send broken framing.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, type RawRequest } from '../fuzz/raw-http.js';
import { protocolErrorOptions } from './protocol-errors.js';

let app: FastifyInstance;
let port = 0;
beforeAll(async () => {
  app = Fastify({ ...protocolErrorOptions });
  app.post('/items/:id', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
});

async function expectAnswer(request: RawRequest, status: number, code: string): Promise<void> {
  const outcome = await sendRaw(port, request, 5000);
  expect(outcome.kind).toBe('response');
  if (outcome.kind !== 'response') return;
  expect({ status: outcome.status, body: JSON.parse(outcome.body.toString('utf8')) as unknown }).toEqual({
    status,
    body: { success: false, code, message: expect.any(String) as string },
  });
}

const body = Buffer.from('{"a":1}');

describe('protocol-level errors answer a documented code', () => {
  it('a path that is not valid percent-encoding → 400 bad_request', async () => {
    await expectAnswer({ method: 'POST', path: '/items/%zz', headers: [], body }, 400, 'bad_request');
    await expectAnswer({ method: 'GET', path: '/x/%E0%A4%A', headers: [] }, 400, 'bad_request');
  });

  it('a path parameter over the router cap → 404 not_found, not 414', async () => {
    await expectAnswer({ method: 'POST', path: `/items/${'x'.repeat(150)}`, headers: [], body }, 404, 'not_found');
  });

  it('HTTP framing Node refuses → 400 bad_request, connection closed', async () => {
    await expectAnswer({ method: 'POST', path: '/items/1', headers: [['Content-Type', 'application/json']], body, contentLength: body.length + 10, sendBodyBytes: body.length }, 400, 'bad_request');
    await expectAnswer({ method: 'POST', path: '/items/1', headers: [['Content-Length', '3']], body }, 400, 'bad_request');
    await expectAnswer({ method: 'POST', path: '/items/1', headers: [['Bad Header Name', 'x']], body }, 400, 'bad_request');
    await expectAnswer({ method: 'POST', path: '/items/1', headers: [], body, contentLength: 'abc' as unknown as number }, 400, 'bad_request');
  });

  it('still serves afterwards', async () => {
    const outcome = await sendRaw(port, { method: 'POST', path: '/items/1', headers: [['Content-Type', 'application/json']], body }, 5000);
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
  });
});
