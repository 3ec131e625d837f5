/**
 * `GET /api/openapi.json`: an OpenAPI 3.1 document generated from the admin routes' own JSON schemas
 * (params, querystring, body, response) as they are registered, so the document cannot drift from what
 * the server validates. Our own walk over the routes (an onRoute collector), no generator dependency.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteAccess } from './authorization/index.js';

interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: Record<string, unknown> | undefined;
  readonly access: RouteAccess | undefined;
}

type JsonSchema = Record<string, unknown>;

const OPENAPI_PATH = '/api/openapi.json';

export function registerOpenApiRoute(app: FastifyInstance): void {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || route.url === OPENAPI_PATH) continue;
      routes.push({ method, url: route.url, schema: route.schema as JsonSchema | undefined, access: route.config?.access });
    }
  });
  let document: unknown;
  app.get(OPENAPI_PATH, { config: { access: { public: true } } }, async () => (document ??= openApiDocument(routes)));
}

export function openApiDocument(routes: readonly CollectedRoute[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice admin API', version: '1', description: 'DESIGN B4. Errors: {success:false, code, message}; codes in docs/errors.md.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, sessionCookie: { type: 'apiKey', in: 'cookie', name: 'sluice_session' } } },
    paths,
  };
}

function operation(route: CollectedRoute): JsonSchema {
  const schema = route.schema ?? {};
  const declared = parametersOf(schema.params as JsonSchema | undefined, 'path');
  // A path parameter the route did not describe is still a parameter of the path.
  const undeclared = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)]
    .map((match) => match[1]!)
    .filter((name) => !declared.some((parameter) => parameter.name === name))
    .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const parameters = [...declared, ...undeclared, ...parametersOf(schema.querystring as JsonSchema | undefined, 'query')];
  const responses: JsonSchema = {};
  for (const [status, body] of Object.entries((schema.response as JsonSchema | undefined) ?? {})) {
    responses[status] = status === '204' ? { description: 'No content' } : { description: 'Success', content: { 'application/json': { schema: body } } };
  }
  responses.default = { description: 'Error: {success:false, code, message}' };
  const isPublic = route.access !== undefined && 'public' in route.access;
  return {
    operationId: `${route.method.toLowerCase()}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase())}`,
    ...(typeof schema.summary === 'string' ? { summary: schema.summary } : {}),
    ...(route.access && 'permission' in route.access ? { 'x-permission': route.access.permission } : {}),
    parameters,
    ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
    responses,
    security: isPublic ? [] : [{ bearer: [] }, { sessionCookie: [] }],
  };
}

function parametersOf(schema: JsonSchema | undefined, location: 'path' | 'query'): JsonSchema[] {
  const properties = (schema?.properties as Record<string, JsonSchema> | undefined) ?? {};
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({ name, in: location, required: location === 'path' || required.has(name), schema: property }));
}
