import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BATCH_EVENTS, MIX_WEIGHTS, MixedRequests, mixSchedule, type RequestKind } from './mix.js';

const requests = () => new MixedRequests({ writeKey: 'wk_test', adminToken: 'tok', adminStatusPaths: ['/api/v1/a/status', '/api/v1/b/status'], runId: 'run1' });

function messageIds(body: string | Buffer | undefined): string[] {
  const text = Buffer.isBuffer(body) ? gunzipSync(body).toString('utf8') : (body ?? '');
  const json = JSON.parse(text) as { batch?: { messageId: string }[]; messageId?: string };
  return json.batch ? json.batch.map((event) => event.messageId) : [json.messageId!];
}

describe('the soak mix', () => {
  it('spreads the kinds over 100 slots in the stated proportions', () => {
    const schedule = mixSchedule();
    expect(schedule).toHaveLength(100);
    for (const [kind, weight] of Object.entries(MIX_WEIGHTS)) expect(schedule.filter((slot) => slot === kind)).toHaveLength(weight);
    // Interleaved: no kind runs for more than a handful of slots in a row.
    let longest = 1;
    for (let index = 1, run = 1; index < schedule.length; index++) longest = Math.max(longest, (run = schedule[index] === schedule[index - 1] ? run + 1 : 1));
    expect(longest).toBeLessThanOrEqual(2);
  });

  it('gives every event a new messageId, in every kind of request', async () => {
    const mixed = requests();
    const seen = new Set<string>();
    let events = 0;
    for (const kind of mixSchedule().concat(mixSchedule()) as RequestKind[]) {
      const request = await mixed.build(kind);
      if (kind === 'admin-status') continue;
      const ids = messageIds(request.body);
      expect(ids).toHaveLength(request.events);
      for (const id of ids) seen.add(id);
      events += ids.length;
    }
    expect(seen.size).toBe(events);
  });

  it('sends each kind the way real clients do', async () => {
    const mixed = requests();
    const gzipped = await mixed.build('batch-gzip');
    expect(gzipped).toMatchObject({ path: '/v1/batch', events: BATCH_EVENTS, headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } });
    const browser = await mixed.build('browser-t');
    expect(browser.headers).toEqual({ 'content-type': 'text/plain' });
    expect(JSON.parse(browser.body as string)).toMatchObject({ writeKey: 'wk_test', type: 'track', context: { library: { name: 'analytics.js' } } });
    const identify = await mixed.build('identify');
    expect(identify).toMatchObject({ path: '/v1/identify', headers: { authorization: `Basic ${Buffer.from('wk_test:').toString('base64')}` } });
    expect(JSON.parse(identify.body as string).traits.email).toMatch(/@example\.com$/);
    const admin = await mixed.build('admin-status');
    expect(admin).toMatchObject({ method: 'GET', body: undefined, events: 0, headers: { authorization: 'Bearer tok' } });
  });
});
