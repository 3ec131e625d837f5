import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthRoutes } from './health-plugin.js';

describe('health plugin', () => {
  it('answers liveness always and readiness from the injected checks', async () => {
    let logWritable = true;
    const app = Fastify();
    await app.register(healthRoutes, { checks: { log: () => logWritable, metadata: async () => true } });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', checks: { log: true, metadata: true } }]);
    logWritable = false;
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers['retry-after']).toBe('1');
    expect(notReady.json()).toMatchObject({ success: false, code: 'not_ready', checks: { log: false, metadata: true } });
    await app.close();
  });

  it('treats a throwing check as not ready', async () => {
    const app = Fastify({ logger: false });
    await app.register(healthRoutes, {
      checks: {
        metadata: () => {
          throw new Error('database gone');
        },
      },
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect([response.statusCode, response.json().checks]).toEqual([503, { metadata: false }]);
    await app.close();
  });
});
