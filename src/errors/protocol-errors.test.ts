/**
 * Regression (found by src/fuzz/): requests that fail before routing — bad percent-encoding, an
 * over-long path parameter, HTTP framing Node refuses — answered Fastify's own body
 * (`{"error":"Bad Request","statusCode":400}`, code `FST_ERR_BAD_URL`, status 414) instead of a documented
 * code. Driven over a real socket, as no injector can send broken framing.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPipelined, sendRaw, type RawRequest } from '../fuzz/raw-http.js';
import { protocolErrorOptions } from './protocol-errors.js';

let app: FastifyInstance;
let port = 0;
beforeAll(async () => {
  app = Fastify({ ...protocolErrorOptions });
  app.post('/items/:id', async () => ({ ok: true }));
  // Answers only after a while, so a pipelined request behind it is parsed while it is in flight.
  app.post('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { slow: true };
  });
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

  it('pipelined behind a request in flight, the broken one is answered after it, in order', async () => {
    const json: [string, string] = ['Content-Type', 'application/json'];
    const outcomes = await sendPipelined(
      port,
      [
        { method: 'POST', path: '/slow', headers: [json], body },
        { method: 'POST', path: '/items/1', headers: [json], body },
        { method: 'POST', path: '/items/1', headers: [json, ['Authorization', 'Basic \u0000']], body },
      ],
      5000,
    );
    const answers = outcomes.map((outcome) => (outcome.kind === 'response' ? { status: outcome.status, body: JSON.parse(outcome.body.toString('utf8')) as unknown } : outcome.kind));
    expect(answers).toEqual([
      { status: 200, body: { slow: true } },
      { status: 200, body: { ok: true } },
      { status: 400, body: { success: false, code: 'bad_request', message: expect.any(String) as string } },
    ]);
  });

  it('still serves afterwards', async () => {
    const outcome = await sendRaw(port, { method: 'POST', path: '/items/1', headers: [['Content-Type', 'application/json']], body }, 5000);
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
  });
});
