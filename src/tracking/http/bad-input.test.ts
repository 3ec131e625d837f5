/**
 * Every kind of bad input the Tracking API can get: each answers a precise status and code, stores
 * nothing invalid, and leaves the server serving.
 */
import { Readable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { createGzip, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, buildTestApp, disabledWriteKey, expectStillServing, storedEvents, writeKey, type TestApp } from '../test-support/tracking-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ limits: { maxEventBytes: 2048, maxRequestBytes: 64 * 1024, maxBatchEvents: 50 } });
});
afterEach(async () => {
  await t.app.close();
});

const auth = { authorization: basicAuth(writeKey) };
const json = { 'content-type': 'application/json' };

/** Asserts the error answer, that nothing was stored by it, and that the server still serves. */
async function expectRefused(
  request: InjectOptions,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const response = await t.app.inject(request);
  const body = response.json() as Record<string, unknown>;
  expect({ status: response.statusCode, code: body.code, success: body.success }).toEqual({ status, code, success: false });
  expect(typeof body.message).toBe('string');
  // Only the probes of expectStillServing may be in the log.
  expect((await storedEvents(t.log)).filter((event) => event.userId !== 'still-serving')).toEqual([]);
  await expectStillServing(t.app);
  return body;
}

describe('request-level bad input', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, ...json }, payload: '{"userId": "u", "event":' }, 400, 'invalid_json');
  });

  it('empty body → 400 invalid_json', async () => {
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: '' }, 400, 'invalid_json');
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: auth }, 400, 'invalid_json');
  });

  it('wrong content type → 400 unsupported_content_type', async () => {
    const payload = JSON.stringify({ userId: 'u', event: 'e' });
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload }, 400, 'unsupported_content_type');
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, 'content-type': 'image/png' }, payload }, 400, 'unsupported_content_type');
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, 'content-type': 'not a media type' }, payload }, 400, 'unsupported_content_type');
  });

  it('missing write key → 401 missing_write_key', async () => {
    await expectRefused({ method: 'POST', url: '/v1/track', headers: json, payload: { userId: 'u', event: 'e' } }, 401, 'missing_write_key');
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...json, authorization: 'Bearer abc' }, payload: { userId: 'u', event: 'e' } }, 401, 'missing_write_key');
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...json, authorization: basicAuth('') }, payload: { userId: 'u', event: 'e' } }, 401, 'missing_write_key');
  });

  it('unknown write key → 401 invalid_write_key (header or body)', async () => {
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...json, authorization: basicAuth('nope') }, payload: { userId: 'u', event: 'e' } }, 401, 'invalid_write_key');
    await expectRefused({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey: 'nope', userId: 'u', event: 'e' }) }, 401, 'invalid_write_key');
  });

  it('disabled source → 403 source_disabled', async () => {
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...json, authorization: basicAuth(disabledWriteKey) }, payload: { userId: 'u', event: 'e' } }, 403, 'source_disabled');
    await expectRefused({ method: 'POST', url: '/v1/b', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey: disabledWriteKey, batch: [{ type: 'identify', userId: 'u' }] }) }, 403, 'source_disabled');
    expect(await storedEvents(t.log, 'src_off')).toEqual([]);
  });

  it('oversize request → 400 request_too_large (declared length and streamed without one)', async () => {
    const big = JSON.stringify({ batch: [{ type: 'identify', userId: 'u', traits: { pad: 'x'.repeat(70 * 1024) } }] });
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: big }, 400, 'request_too_large');
    const streamed = Readable.from([Buffer.from(big.slice(0, 40_000)), Buffer.from(big.slice(40_000))]);
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'transfer-encoding': 'chunked' }, payload: streamed }, 400, 'request_too_large');
  });

  it('too many events → 400 too_many_events', async () => {
    const batch = Array.from({ length: 51 }, (_, i) => ({ type: 'identify', userId: `u${i}` }));
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch } }, 400, 'too_many_events');
  });

  it('gzip bomb (small gzip expanding to > 100 MB) → 400 request_too_large', async () => {
    const bomb = await gzipOfZeros(100 * 1024 * 1024 + 1);
    expect(bomb.length).toBeLessThan(64 * 1024 * 2);
    // Sent under a limit the compressed body itself fits into.
    await t.app.close();
    t = await buildTestApp({ limits: { maxRequestBytes: 500 * 1024 } });
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'content-encoding': 'gzip' }, payload: bomb }, 400, 'request_too_large');
  });

  it('corrupt or truncated gzip → 400 invalid_gzip', async () => {
    const good = gzipSync(JSON.stringify({ batch: [{ type: 'identify', userId: 'u' }] }));
    const corrupt = Buffer.from(good);
    corrupt.fill(0x41, 12, 24);
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'content-encoding': 'gzip' }, payload: corrupt }, 400, 'invalid_gzip');
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'content-encoding': 'gzip' }, payload: good.subarray(0, good.length - 10) }, 400, 'invalid_gzip');
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'content-encoding': 'gzip' }, payload: 'not gzip at all' }, 400, 'invalid_gzip');
  });

  it('other content encodings → 400 unsupported_content_encoding', async () => {
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json, 'content-encoding': 'br' }, payload: 'xx' }, 400, 'unsupported_content_encoding');
  });

  it('a JSON null body → 400 invalid_event (single) / invalid_batch (batch)', async () => {
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, ...json }, payload: 'null' }, 400, 'invalid_event');
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: 'null' }, 400, 'invalid_batch');
  });

  it('a batch route without a batch array → 400 invalid_batch', async () => {
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { type: 'identify', userId: 'u' } }, 400, 'invalid_batch');
    await expectRefused({ method: 'POST', url: '/v1/import', headers: { ...auth, ...json }, payload: '[1,2]' }, 400, 'invalid_batch');
  });

  it('a bad batch-level sentAt or context → 400 with its code', async () => {
    const batch = [{ type: 'identify', userId: 'u' }];
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch, sentAt: 'later' } }, 400, 'invalid_timestamp');
    await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch, context: 'ctx' } }, 400, 'invalid_context');
  });

  it('a batch without any valid event → 400 no_valid_events listing every rejection', async () => {
    const body = await expectRefused(
      { method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch: [{ type: 'track', userId: 'u' }, { type: 'nope' }] } },
      400,
      'no_valid_events',
    );
    expect(body.rejected).toEqual([
      { index: 0, code: 'missing_event_name', message: expect.any(String) },
      { index: 1, code: 'invalid_type', message: expect.any(String) },
    ]);
    const empty = await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch: [] } }, 400, 'no_valid_events');
    expect(empty.rejected).toEqual([]);
  });

  it('unknown routes under /v1 → 404 not_found', async () => {
    await expectRefused({ method: 'POST', url: '/v1/purchase', headers: { ...auth, ...json }, payload: {} }, 404, 'not_found');
    await expectRefused({ method: 'GET', url: '/v1/track' }, 404, 'not_found');
  });
});

describe('event-level bad input on single-event routes', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['not an object', '/v1/identify', [] as unknown as Record<string, unknown>, 'invalid_event'],
    ['no user', '/v1/identify', { traits: {} }, 'missing_user_id'],
    ['id of a wrong type', '/v1/page', { userId: ['u'] }, 'missing_user_id'],
    ['track without event', '/v1/track', { userId: 'u' }, 'missing_event_name'],
    ['group without groupId', '/v1/group', { userId: 'u' }, 'missing_group_id'],
    ['alias without previousId', '/v1/alias', { userId: 'u' }, 'missing_previous_id'],
    ['alias without userId', '/v1/alias', { previousId: 'p', anonymousId: 'a' }, 'missing_user_id'],
    ['properties not an object', '/v1/track', { userId: 'u', event: 'e', properties: 'p' }, 'invalid_properties'],
    ['traits not an object', '/v1/identify', { userId: 'u', traits: [1] }, 'invalid_traits'],
    ['context not an object', '/v1/screen', { userId: 'u', context: 3 }, 'invalid_context'],
    ['integrations not an object', '/v1/page', { userId: 'u', integrations: 'all' }, 'invalid_integrations'],
    ['messageId too long', '/v1/identify', { userId: 'u', messageId: 'm'.repeat(101) }, 'invalid_message_id'],
    ['unparseable timestamp', '/v1/identify', { userId: 'u', timestamp: 'tomorrow' }, 'invalid_timestamp'],
    ['unparseable sentAt', '/v1/identify', { userId: 'u', sentAt: 12 }, 'invalid_timestamp'],
    ['oversize event', '/v1/track', { userId: 'u', event: 'e', properties: { pad: 'x'.repeat(3000) } }, 'event_too_large'],
  ];
  for (const [name, url, payload, code] of cases) {
    it(`${name} → 400 ${code}`, async () => {
      await expectRefused({ method: 'POST', url, headers: { ...auth, ...json }, payload: JSON.stringify(payload) }, 400, code);
    });
  }

  it('an event nested too deeply to serialize → 400 invalid_event, alone in a batch', async () => {
    const deep = `${'['.repeat(8000)}${']'.repeat(8000)}`;
    const event = `{"userId":"u","event":"e","properties":{"deep":${deep}}}`;
    await t.app.close();
    t = await buildTestApp({ limits: { maxEventBytes: 32 * 1024 } });
    await expectRefused({ method: 'POST', url: '/v1/track', headers: { ...auth, ...json }, payload: event }, 400, 'invalid_event');
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { ...auth, ...json },
      payload: `{"batch":[{"type":"identify","userId":"ok"},{"type":"track","userId":"u","event":"e","properties":{"deep":${deep}}}]}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ success: true, rejected: [{ index: 1, code: 'invalid_event' }] });
  });

  it('a batch event of unknown type → rejected invalid_type', async () => {
    const body = await expectRefused({ method: 'POST', url: '/v1/batch', headers: { ...auth, ...json }, payload: { batch: [{ userId: 'u' }] } }, 400, 'no_valid_events');
    expect(body.rejected).toMatchObject([{ index: 0, code: 'invalid_type' }]);
  });
});

/** A gzip stream of `size` zero bytes, compressed chunk by chunk so the test never holds them. */
async function gzipOfZeros(size: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) {
    const piece = size - written < zeros.length ? zeros.subarray(0, size - written) : zeros;
    if (!gzip.write(piece)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

describe('readCapped', () => {
  it('fails (does not hang) when the stream closes before it ends', async () => {
    const { PassThrough } = await import('node:stream');
    const { readCapped } = await import('./read-body.js');
    const stream = new PassThrough();
    const reading = readCapped(stream, 1024);
    stream.write('{"partial":');
    stream.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'bad_request' });
  });
});
