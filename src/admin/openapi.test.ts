/**
 * The OpenAPI document is generated from the routes' own schemas: every admin route appears with its
 * parameters, and every workspace route (this work's groups) declares params, a closed body where it
 * takes one, and a response schema; strings and arrays in bodies are bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

let t: AdminApiTestApp;
type Operation = { parameters: { name: string; in: string }[]; requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } }; responses: Record<string, unknown>; security: unknown[] };
let document: { openapi: string; paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  t = await adminApiTestApp();
  const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json();
});

afterAll(async () => {
  await t.close();
});

const toPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Every string has a maxLength, every array a maxItems, every object closed or bounded. */
function unbounded(schema: unknown, at = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const problems: string[] = [];
  const types = [node.type].flat();
  if (types.includes('string') && node.maxLength === undefined && node.enum === undefined && node.format === undefined) problems.push(`${at}: string without maxLength`);
  if (types.includes('array') && node.maxItems === undefined) problems.push(`${at}: array without maxItems`);
  if (types.includes('object') && node.additionalProperties !== false && node.maxProperties === undefined) problems.push(`${at}: open object without maxProperties`);
  for (const [name, child] of Object.entries((node.properties as Record<string, unknown>) ?? {})) problems.push(...unbounded(child, `${at}/${name}`));
  if (node.items) problems.push(...unbounded(node.items, `${at}[]`));
  return problems;
}

describe('GET /api/openapi.json', () => {
  it('lists every registered admin route with its path parameters', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of t.routes.filter((candidate) => candidate.url !== '/api/openapi.json')) {
      const operation = document.paths[toPath(route.url)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeDefined();
      for (const name of [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1])) {
        expect(operation!.parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name), `${route.method} ${route.url}`).toContain(name);
      }
    }
  });

  it('documents a response schema and a closed, bounded body for every workspace route', () => {
    const problems: string[] = [];
    for (const route of t.routes.filter((candidate) => candidate.url.startsWith('/api/v1/workspaces') && !candidate.url.includes('/tokens'))) {
      const operation = document.paths[toPath(route.url)]![route.method.toLowerCase()]!;
      const key = `${route.method} ${route.url}`;
      if (Object.keys(operation.responses).filter((status) => status !== 'default').length === 0) problems.push(`${key}: no response schema`);
      const body = operation.requestBody?.content['application/json'].schema;
      if (['POST', 'PATCH'].includes(route.method) && !body) problems.push(`${key}: no body schema`);
      if (body) {
        if (body.additionalProperties !== false) problems.push(`${key}: body accepts unknown fields`);
        problems.push(...unbounded(body).map((problem) => `${key} body${problem}`));
      }
      expect(operation.security.length).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
  });

  it('marks the public routes as needing no credential', () => {
    expect(document.paths['/api/v1/auth/login']!.post!.security).toEqual([]);
    expect(document.paths['/api/v1/workspaces/{workspace}/sources']!.get!.security).not.toEqual([]);
  });
});
