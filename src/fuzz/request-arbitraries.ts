/**
 * fast-check arbitraries for whole Tracking API requests as bytes on the wire: route (every ingest route
 * and short form, /v1/m, settings, health, unknown and malformed paths), method, headers (Authorization,
 * Content-Type, Content-Encoding variants, odd extras), body (valid, mutated, truncated, random bytes,
 * deep, huge, gzip of any of those, broken gzip, a gzip bomb) and framing (a lying Content-Length, a
 * body cut short, chunked with and without errors).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { eventText, mutatedEvent, smallJson, validEvent, anyString } from './event-arbitraries.js';
import { fuzzLimits } from './fuzz-server.js';
import type { RawRequest } from './raw-http.js';

export const singleRoutes = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'i', 't', 'p', 's', 'g', 'a'].map((name) => `/v1/${name}`);
export const batchRoutes = ['/v1/batch', '/v1/import', '/v1/b'];
export const ingestRoutes = [...singleRoutes, ...batchRoutes];

/** Counterexamples print as their label and a body preview, not as kilobytes of Buffer bytes. */
export function withLabel<T extends { readonly label: string; readonly request: RawRequest }>(value: T): T {
  const preview = (value.request.body ?? Buffer.alloc(0)).toString('latin1').slice(0, 300);
  return Object.assign(value, { [fc.toStringMethod]: () => `${value.label} headers=${JSON.stringify(value.request.headers).slice(0, 300)} body(${value.request.body?.length ?? 0})=${JSON.stringify(preview)}` });
}

export interface ChaosRequest {
  readonly label: string;
  readonly request: RawRequest;
}

const basic = (user: string): string => `Basic ${Buffer.from(user, 'latin1').toString('base64')}`;

function authorization(writeKey: string, disabledWriteKey: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(basic(`${writeKey}:`), basic(writeKey), basic(`${writeKey}:secret`), `basic ${Buffer.from(`${writeKey}:`).toString('base64')}`) },
    { weight: 1, arbitrary: fc.constant(basic(`${disabledWriteKey}:`)) },
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('', 'Basic', 'Basic ', 'Basic !!!notbase64***', 'Basic =', 'Basic Og==', basic(':'), basic(`:${writeKey}`), 'Bearer abc', `Basic ${writeKey}`, 'Digest x', 'Basic \u00e9\u00ff\u00fe', `${basic(writeKey)} trailing`),
        anyString.map((text) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`),
        fc.uint8Array({ maxLength: 24 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
        fc.string({ unit: 'binary-ascii', maxLength: 20 }).map((text) => `Basic ${text.replace(/[\r\n]/g, '')}`),
      ),
    },
  );
}

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', 'text/plain;charset=UTF-8', 'APPLICATION/JSON') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(undefined, '', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png', 'application/json; charset=latin1', 'text/plain; charset=utf-16', ';', 'application/json, text/plain', '*/*', '\u00e9/\u00e9'),
  },
);

type Encoding = 'none' | 'gzip' | 'gzip-truncated' | 'gzip-corrupt' | 'not-gzip-but-labelled' | 'other-label';
const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Encoding>('none') },
  { weight: 3, arbitrary: fc.constant<Encoding>('gzip') },
  { weight: 3, arbitrary: fc.constantFrom<Encoding>('gzip-truncated', 'gzip-corrupt', 'not-gzip-but-labelled', 'other-label') },
);

/** A gzip bomb: a few KiB that inflate far past the request limit (built once). */
let bomb: Buffer | undefined;
const gzipBomb = (): Buffer => (bomb ??= gzipSync(Buffer.alloc(fuzzLimits.maxRequestBytes * 40, 0x20)));

function bodyText(writeKey: string, disabledWriteKey: string): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  const text = (kind: string, value: string) => ({ kind, bytes: Buffer.from(value, 'utf8') });
  const valid = validEvent();
  const validText = fc.tuple(valid, fc.uuid()).map(([event, id]) => eventText(event, `fz-chaos-${id}`));
  const batchOf = fc.array(fc.oneof(validText, mutatedEvent().map((event) => event.text)), { maxLength: 6 });
  return fc.oneof(
    { weight: 4, arbitrary: validText.map((event) => text('valid event', event)) },
    { weight: 3, arbitrary: mutatedEvent().map((event) => text(`mutated event (${event.name})`, event.text)) },
    { weight: 4, arbitrary: batchOf.map((events) => text('batch', `{"batch":[${events.join(',')}]}`)) },
    { weight: 1, arbitrary: batchOf.map((events) => text('batch with body write key', `{"writeKey":${JSON.stringify(writeKey)},"batch":[${events.join(',')}]}`)) },
    { weight: 1, arbitrary: batchOf.map((events) => text('batch with a disabled source key', `{"writeKey":${JSON.stringify(disabledWriteKey)},"batch":[${events.join(',')}]}`)) },
    {
      weight: 2,
      arbitrary: fc.record({ batch: fc.oneof(smallJson, fc.array(smallJson, { maxLength: 4 })), sentAt: smallJson, context: smallJson, integrations: smallJson, writeKey: fc.oneof(anyString, fc.constant(writeKey)) }, { requiredKeys: [] }).map((body) =>
        text('batch envelope of any JSON', JSON.stringify(body)),
      ),
    },
    { weight: 2, arbitrary: smallJson.map((value) => text('any JSON', JSON.stringify(value) ?? 'null')) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.nat()).map(([event, cut]) => { const full = eventText(event, 'fz-trunc'); return text('truncated JSON', full.slice(0, cut % full.length)); }) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'random bytes', bytes: Buffer.from(bytes) })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '""', '{"batch":null}', '{"batch":{}}', '\ufeff{}', '{"batch":[]}', '1e400', '{"__proto__":{"batch":[]}}').map((value) => text('edge JSON', value)) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((depth) => text('deep nesting', `{"batch":[${'['.repeat(depth)}${']'.repeat(depth)}]}`)) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((depth) => text('deep object', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)) },
    { weight: 1, arbitrary: fc.integer({ min: -64, max: 512 }).map((delta) => text('body near the request limit', `{"batch":[],"pad":"${'x'.repeat(fuzzLimits.maxRequestBytes - 22 + delta)}"}`)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => text('too many events', `{"batch":[${Array.from({ length: fuzzLimits.maxBatchEvents + k }, () => '{"type":"identify","userId":"u"}').join(',')}]}`)) },
    { weight: 1, arbitrary: fc.constant({ kind: 'not UTF-8', bytes: Buffer.from([0x7b, 0x22, 0x75, 0x73, 0x65, 0x72, 0x49, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]) }) },
  );
}

function encode(body: Buffer, how: Encoding, bombIt: boolean): { bytes: Buffer; header: string | undefined } {
  switch (how) {
    case 'none':
      return { bytes: body, header: undefined };
    case 'gzip':
      return { bytes: bombIt ? gzipBomb() : gzipSync(body), header: 'gzip' };
    case 'gzip-truncated': {
      const zipped = gzipSync(body);
      return { bytes: zipped.subarray(0, Math.max(1, zipped.length - 5)), header: 'x-gzip' };
    }
    case 'gzip-corrupt': {
      const zipped = Buffer.from(gzipSync(body));
      zipped[Math.min(zipped.length - 1, 12)]! ^= 0xff;
      zipped[zipped.length - 6]! ^= 0x55;
      return { bytes: zipped, header: 'gzip' };
    }
    case 'not-gzip-but-labelled':
      return { bytes: body, header: 'gzip' };
    case 'other-label':
      return { bytes: body, header: ['br', 'deflate', 'gzip, br', 'GZIP', 'identity', ' ', 'compress', 'gzip;q=1'][body.length % 8] };
  }
}

type Framing = 'normal' | 'short-content-length' | 'long-content-length-then-close' | 'no-content-length' | 'chunked' | 'chunked-broken' | 'cut-short';
const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Framing>('normal') },
  { weight: 3, arbitrary: fc.constantFrom<Framing>('short-content-length', 'long-content-length-then-close', 'no-content-length', 'chunked', 'chunked-broken', 'cut-short') },
);

function chunked(bytes: Buffer, broken: boolean): Buffer {
  const half = Math.floor(bytes.length / 2);
  const parts = [bytes.subarray(0, half), bytes.subarray(half)].filter((part) => part.length > 0);
  const framed = parts.map((part) => Buffer.concat([Buffer.from(`${(broken ? part.length + 3 : part.length).toString(16)}\r\n`), part, Buffer.from('\r\n')]));
  return Buffer.concat([...framed, Buffer.from(broken ? 'zz\r\n\r\n' : '0\r\n\r\n')]);
}

const route: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...ingestRoutes) },
  { weight: 1, arbitrary: fc.constant('/v1/m') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('/v1/nope', '/v1', '/v1/', '/v1/track/', '/v1//track', '/V1/TRACK', '/v1/%74rack', '/v1/track?x=1&x=2', '/v1/batch#frag', '/v1/%zz', '/v1/track%00', '/healthz', '/readyz', '/v1/projects/x/settings', `/v1/${'t'.repeat(300)}`, '*', '/v1/../v1/track'),
  },
  { weight: 1, arbitrary: fc.webPath().map((path) => `/v1${path.startsWith('/') ? path : `/${path}`}`) },
);

export function chaosRequest(writeKey: string, disabledWriteKey: string): fc.Arbitrary<ChaosRequest> {
  const method = fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH') });
  const extras = fc.array(
    fc.constantFrom<[string, string]>(
      ['X-Forwarded-For', 'not-an-ip, 999.1.1.1'],
      ['Origin', 'https://evil.example'],
      ['Access-Control-Request-Method', 'POST'],
      ['Content-Type', 'text/html'],
      ['Authorization', 'Basic Og=='],
      ['Expect', '100-continue'],
      ['Accept-Encoding', 'gzip'],
      ['X-Very-Long', 'v'.repeat(4000)],
    ),
    { maxLength: 2 },
  );
  return fc
    .record({
      route: route.map((path) => path.replace('/v1/projects/x/', `/v1/projects/${encodeURIComponent(writeKey)}/`)),
      method,
      auth: authorization(writeKey, disabledWriteKey),
      type: contentType,
      body: bodyText(writeKey, disabledWriteKey),
      how: encoding,
      bombIt: fc.boolean(),
      frame: framing,
      extras,
    })
    .map(({ route: path, method: verb, auth, type, body, how, bombIt, frame, extras: extraHeaders }) => {
      const encoded = encode(body.bytes, how, bombIt && body.kind === 'batch');
      const headers: [string, string][] = [];
      if (auth !== undefined) headers.push(['Authorization', auth]);
      if (type !== undefined) headers.push(['Content-Type', type]);
      if (encoded.header !== undefined) headers.push(['Content-Encoding', encoded.header]);
      headers.push(...extraHeaders);
      let request: RawRequest = { method: verb, path, headers, body: encoded.bytes };
      if (frame === 'short-content-length') request = { ...request, contentLength: Math.max(0, encoded.bytes.length - 1 - (encoded.bytes.length % 7)) };
      if (frame === 'long-content-length-then-close') request = { ...request, contentLength: encoded.bytes.length + 1 + (encoded.bytes.length % 9), sendBodyBytes: encoded.bytes.length };
      if (frame === 'no-content-length') request = { ...request, contentLength: null };
      // Strictly fewer bytes than declared (a complete request followed by a half-close is another case:
      // Node drops such a request unanswered, as it does for any client that half-closes).
      if (frame === 'cut-short') request = { ...request, contentLength: Math.max(1, encoded.bytes.length), sendBodyBytes: Math.floor(encoded.bytes.length / 2) };
      if (frame === 'chunked' || frame === 'chunked-broken') {
        request = { ...request, contentLength: null, headers: [...headers, ['Transfer-Encoding', 'chunked']], body: chunked(encoded.bytes, frame === 'chunked-broken') };
      }
      const label = `${verb} ${path} [${body.kind}; ${how}${bombIt && body.kind === 'batch' ? ' bomb' : ''}; ${frame}; auth ${auth === undefined ? 'none' : JSON.stringify(auth.slice(0, 40))}; type ${JSON.stringify(type)}]`;
      return withLabel({ label, request });
    });
}
