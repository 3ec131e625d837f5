/**
 * Regression (found by src/fuzz/): a session cookie that is not valid percent-encoding
 * (`sluice_session=%`) made decodeURIComponent throw, and every admin request carrying it answered
 * 500 internal_error. It is now an unknown token like any other: 401 unauthenticated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCookie } from './auth-session.js';
import { adminApiTestApp, type AdminApiTestApp } from './workspaces-test-support.js';

describe('readCookie', () => {
  it('decodes percent-encoding and keeps a value that is not valid percent-encoding as sent', () => {
    expect(readCookie('a=1; sluice_session=ab%2Bc', 'sluice_session')).toBe('ab+c');
    for (const raw of ['%', '%E0%A4%A', '%zz', 'x%']) expect(readCookie(`sluice_session=${raw}`, 'sluice_session')).toBe(raw);
  });
});

describe('an undecodable session cookie on the admin API', () => {
  let t: AdminApiTestApp;
  beforeAll(async () => {
    t = await adminApiTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['%', '%E0%A4%A', '%zz'])('sluice_session=%s → 401 unauthenticated, on safe and unsafe methods', async (raw) => {
    for (const method of ['GET', 'POST'] as const) {
      const response = await t.app.inject({ method, url: '/api/v1/workspaces', headers: { cookie: `sluice_session=${raw}`, 'x-sluice-csrf': '1' }, ...(method === 'POST' ? { payload: { slug: 'x', name: 'x' } } : {}) });
      expect({ method, status: response.statusCode, code: response.json<{ code: string }>().code }).toEqual({ method, status: 401, code: 'unauthenticated' });
    }
  });
});
