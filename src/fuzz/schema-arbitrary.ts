/**
 * Request bodies for the admin fuzzer, derived from each route's own JSON schema as the OpenAPI
 * document publishes it: values at and just past every bound (lengths, ranges, item counts), every enum
 * member and near misses, wrong types in every field, missing required fields, unknown fields; and,
 * instead of a body, any JSON at all. Follows `type`, `enum`, `const`, `anyOf`/`oneOf`, `properties`,
 * `required`, `items` and the min/max keywords; anything else gets arbitrary JSON.
 */
import fc from 'fast-check';
import { anyString, edgeNumber, smallJson } from './event-arbitraries.js';

type Schema = Record<string, unknown>;

const emails = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('not-an-email', '@x.y', 'a@', 'a@b', `${'x'.repeat(250)}@example.com`, "o'brien@example.com", 'UPPER@EXAMPLE.COM', 'ünïcode@exämple.com', "'; DROP TABLE users;--@x.y"),
);

function lengths(schema: Schema): number[] {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  return [...new Set([Math.max(0, min - 1), min, min + 1, ...(max === undefined ? [64] : [max, max + 1])])];
}

function stringFor(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.format === 'email') return emails;
  const sized = fc.constantFrom(...lengths(schema)).chain((length) => fc.string({ unit: fc.constantFrom('a', 'z', '0', '-', '_', 'é', ' ', '💥'), minLength: length, maxLength: length }));
  return fc.oneof({ weight: 3, arbitrary: sized }, { weight: 2, arbitrary: anyString }, { weight: 1, arbitrary: fc.constantFrom('', ' ', "'; DROP TABLE sources;--", '../../etc/passwd', '%00', '\u0000', 'default') });
}

function numberFor(schema: Schema, integer: boolean): fc.Arbitrary<unknown> {
  const bounds = [schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum].filter((value): value is number => typeof value === 'number');
  const near = bounds.flatMap((bound) => [bound - 1, bound, bound + 1]);
  return fc.oneof(fc.constantFrom(0, 1, -1, ...near), integer ? fc.integer() : edgeNumber, edgeNumber, fc.constantFrom('1', '1e3', 1.5));
}

/** A value for `schema`, usually valid or near it, sometimes of a wrong type. */
export function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const wrong = depth > 3 ? fc.constant(null) : smallJson;
  return fc.oneof({ weight: 5, arbitrary: shapedFor(schema, depth) }, { weight: 1, arbitrary: wrong });
}

function shapedFor(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.oneof(fc.constantFrom(...(schema.enum as unknown[])), fc.constantFrom('OWNER', 'admin', 'owner ', ''));
  if ('const' in schema) return fc.constant(schema.const);
  const choices = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(choices) && choices.length > 0) return fc.oneof(...choices.map((choice) => valueFor(choice, depth + 1)));
  const type = Array.isArray(schema.type) ? (schema.type as string[])[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1, null));
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : 4;
      const counts = [...new Set([0, 1, 2, Math.min(max, 6), max + 1].filter((count) => count <= 600))];
      return fc.constantFrom(...counts).chain((count) => fc.array(valueFor(items, depth + 1), { minLength: count, maxLength: count }));
    }
    case 'object':
      return objectFor(schema, depth);
    default:
      return smallJson;
  }
}

function objectFor(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const names = Object.keys(properties);
  const fields = names.map((name) =>
    fc.tuple(fc.constant(name), valueFor(properties[name]!, depth + 1), fc.integer({ min: 0, max: 9 })).map(([field, value, roll]) =>
      // Required fields are usually present, optional ones half the time.
      (required.has(field) ? roll < 9 : roll < 5) ? ([field, value] as const) : undefined,
    ),
  );
  const unknown = fc.option(fc.tuple(fc.constantFrom('unknownField', '__proto__', 'constructor', 'id', 'createdAt', 'writeKey', 'role'), smallJson), { freq: 6, nil: undefined });
  return fc.tuple(fc.tuple(...fields), unknown).map(([entries, extra]) => {
    const object: Record<string, unknown> = {};
    for (const entry of entries) if (entry) Object.defineProperty(object, entry[0], { value: entry[1], enumerable: true, writable: true, configurable: true });
    if (extra) Object.defineProperty(object, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
    return object;
  });
}

export interface BodyChoice {
  readonly kind: string;
  /** Raw bytes to send, or undefined for no body. */
  readonly bytes: Buffer | undefined;
}

/** A request body for a route with (or without) a body schema: shaped by it, or anything else. */
export function bodyFor(schema: Schema | undefined, maxBodyBytes: number): fc.Arbitrary<BodyChoice> {
  const json = (kind: string) => (value: unknown): BodyChoice => ({ kind, bytes: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8') });
  return fc.oneof(
    { weight: schema ? 8 : 1, arbitrary: (schema ? shapedFor(schema, 0) : fc.constant({})).map(json('from the schema')) },
    { weight: 2, arbitrary: smallJson.map(json('any JSON')) },
    { weight: 1, arbitrary: fc.constant<BodyChoice>({ kind: 'none', bytes: undefined }) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"name": ', 'null', '[]', 'nul', '\ufeff{}', '{"a":1}{"b":2}', '{"name":"x","name":{"$gt":""}}').map((text): BodyChoice => ({ kind: 'edge text', bytes: Buffer.from(text, 'utf8') })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): BodyChoice => ({ kind: 'random bytes', bytes: Buffer.from(bytes) })) },
    { weight: 1, arbitrary: fc.integer({ min: -16, max: 64 }).map((delta): BodyChoice => ({ kind: 'near the body limit', bytes: Buffer.from(`{"name":"${'n'.repeat(maxBodyBytes - 11 + delta)}"}`) })) },
  );
}
