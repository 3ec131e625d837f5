/**
 * `GET /v1/projects/:writeKey/settings`: the settings document `@segment/analytics-next` loads at
 * start-up (DESIGN B2), pointing its Segment.io plugin at this server. The public host comes from
 * SLUICE_PUBLIC_URL when set, else from the request's Host header and protocol (X-Forwarded-Proto
 * when trustProxy is set).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResolvedTrackingOptions } from './options.js';
import { authenticate } from './write-key.js';

export function registerSettingsRoute(app: FastifyInstance, options: ResolvedTrackingOptions): void {
  app.get<{ Params: { writeKey: string } }>('/projects/:writeKey/settings', async (request, reply) => {
    authenticate(options.sources, request.params.writeKey);
    const { host, protocol } = publicEndpoint(request, options.publicUrl, options.trustProxy);
    return reply.code(200).send({
      integrations: {
        'Segment.io': { apiKey: request.params.writeKey, apiHost: `${host}/v1`, protocol },
      },
    });
  });
}

function publicEndpoint(request: FastifyRequest, publicUrl: URL | undefined, trustProxy: boolean): { host: string; protocol: 'http' | 'https' } {
  if (publicUrl) {
    const path = publicUrl.pathname.replace(/\/+$/, '');
    return { host: `${publicUrl.host}${path}`, protocol: publicUrl.protocol === 'https:' ? 'https' : 'http' };
  }
  // Behind a trusted proxy (TLS terminated there) the browser's scheme is X-Forwarded-Proto's.
  const forwarded = trustProxy ? String(request.headers['x-forwarded-proto'] ?? '').split(',', 1)[0]!.trim().toLowerCase() : '';
  const protocol = forwarded === 'https' || (forwarded === '' && request.protocol === 'https') ? 'https' : 'http';
  return { host: request.host, protocol };
}
