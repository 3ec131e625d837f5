/**
 * Regressions (found by src/fuzz/): requests that fail before any Sluice plugin handles them answer the
 * documented `{success:false, code, message}`, over a real listener (framing errors cannot be injected):
 * - outside /v1 and /api/v1, Fastify's own request errors (a POST /healthz with an unparseable
 *   Content-Type answered 415 FST_ERR_CTP_INVALID_MEDIA_TYPE);
 * - a path that is not valid percent-encoding (FST_ERR_BAD_URL), and HTTP framing Node refuses;
 * - a client that stalls mid-request: Fastify's default has no request timeout, so the connection and
 *   its buffered body were held forever; now `requestTimeoutSeconds` answers it 400 bad_request.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { openMetadataStore, type MetadataStore } from './control/index.js';
import { connect } from 'node:net';
import { sendRaw, type RawRequest } from './fuzz/raw-http.js';
import { MemoryEventLog } from './log/memory-event-log.js';
import { buildApp } from './server.js';

let store: MetadataStore;
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  store = await openMetadataStore(await mkdtemp(join(tmpdir(), 'sluice-request-errors-')));
  app = await buildApp({ config: await loadConfig({ env: { SLUICE_REQUEST_TIMEOUT_SECONDS: '1' } }), store, log: new MemoryEventLog(), serves: 'all' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function answer(request: RawRequest): Promise<{ status: number; body: unknown }> {
  const outcome = await sendRaw(port, request, 5000);
  if (outcome.kind !== 'response') throw new Error(`no answer: ${outcome.kind}`);
  return { status: outcome.status, body: JSON.parse(outcome.body.toString('utf8')) };
}

const error = (code: string) => ({ success: false, code, message: expect.any(String) as string });

describe('request errors outside the plugins', () => {
  it('a body with an unparseable Content-Type on a root route → 400 unsupported_content_type', async () => {
    for (const path of ['/healthz', '/nowhere']) {
      expect(await answer({ method: 'POST', path, headers: [['Content-Type', '']], body: Buffer.from('{}') })).toEqual({ status: 400, body: error('unsupported_content_type') });
    }
  });

  it('unknown routes still answer 404 not_found', async () => {
    expect(await answer({ method: 'GET', path: '/nowhere?x=1', headers: [] })).toEqual({ status: 404, body: error('not_found') });
  });

  it('bad percent-encoding and broken framing → 400 bad_request on every API', async () => {
    for (const path of ['/v1/%zz', '/api/v1/workspaces/%E0%A4%A', '/%']) {
      expect(await answer({ method: 'GET', path, headers: [] })).toEqual({ status: 400, body: error('bad_request') });
    }
    const body = Buffer.from('{"userId":"u","event":"e"}');
    expect(await answer({ method: 'POST', path: '/v1/track', headers: [['Content-Length', '3']], body })).toEqual({ status: 400, body: error('bad_request') });
  });

  it('a request that stalls mid-body or mid-headers → 400 bad_request after requestTimeoutSeconds, connection closed', async () => {
    const stalledBody: RawRequest = { method: 'POST', path: '/v1/batch', headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], contentLength: null, body: Buffer.from('A\r\n{"batch":') };
    const started = Date.now();
    expect(await answer(stalledBody)).toEqual({ status: 400, body: error('bad_request') });
    expect(Date.now() - started).toBeLessThan(4000);

    const stalledHeaders = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write('POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Le'));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('close', () => resolve(received));
    });
    expect(stalledHeaders).toMatch(/^HTTP\/1\.1 400 [\s\S]*"code":"bad_request"/);
  });
});
