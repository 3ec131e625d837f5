import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { bootstrapIfEmpty } from './control/bootstrap.js';
import { openMetadataStore, type MetadataStore } from './control/index.js';
import { MemoryEventLog } from './log/memory-event-log.js';
import { buildApp } from './server.js';

let store: MetadataStore;
let writeKey: string;
let sourceId: string;
const log = new MemoryEventLog();

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-app-'));
  store = await openMetadataStore(dataDir);
  const boot = await bootstrapIfEmpty(store, { adminEmail: 'owner@example.com', adminPassword: 'pw-for-tests', dataDir });
  writeKey = boot!.source.writeKey;
  sourceId = boot!.source.id;
});

afterAll(async () => {
  await store.close();
});

describe('buildApp', () => {
  it('serves tracking, health and admin together, wired to the store and the log', async () => {
    const config = await loadConfig({ env: { SLUICE_MAX_BATCH_EVENTS: '2' } });
    const app = await buildApp({ config, store, log, serves: 'all' });
    try {
      const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      const track = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic }, payload: { type: 'track', userId: 'u1', event: 'Signed Up' } });
      expect(track.json()).toEqual({ success: true });
      expect(log.endOffset(sourceId)).toBe(1);

      const tooMany = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic }, payload: { batch: [{}, {}, {}] } });
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json().code).toBe('too_many_events');

      expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', checks: { log: true, metadata: true } });
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'owner@example.com', password: 'pw-for-tests' } });
      expect(login.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('serves only one side when the admin API has its own listener', async () => {
    const config = await loadConfig({ env: {} });
    const tracking = await buildApp({ config, store, log, serves: 'tracking' });
    const admin = await buildApp({ config, store, log, serves: 'admin' });
    try {
      const login = { method: 'POST' as const, url: '/api/v1/auth/login', payload: { email: 'x@example.com', password: 'x' } };
      expect((await tracking.inject(login)).statusCode).toBe(404);
      expect((await admin.inject(login)).statusCode).toBe(401);
      expect((await admin.inject({ method: 'POST', url: '/v1/track', payload: {} })).statusCode).toBe(404);
      expect((await admin.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const unknown = await tracking.inject({ method: 'GET', url: '/nowhere?x=1' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({ success: false, code: 'not_found', message: 'No route GET /nowhere.' });
    } finally {
      await Promise.all([tracking.close(), admin.close()]);
    }
  });
});
