/**
 * The real server-side client libraries from npm against a listening Sluice: every call type and
 * batches, then every event read back from the real FileEventLog and its enrichment checked.
 */
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import LegacyAnalytics from 'analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectEnriched, findBy, readStored, startServer, writeKey, type RunningServer } from './test-support/integration-server.js';

let server: RunningServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const hourAgo = () => new Date(Date.now() - 3_600_000);

/**
 * Callbacks that settle once each call's batch got its answer. flush() alone does not wait for a
 * batch the client already sent on its own (flushAt reached), so tests await these instead.
 */
function deliveries() {
  const delivered: Promise<void>[] = [];
  const done = (): ((error?: Error) => void) => {
    let callback!: (error?: Error) => void;
    delivered.push(new Promise<void>((resolve, reject) => (callback = (error) => (error ? reject(error) : resolve()))));
    return callback;
  };
  return { done, all: () => Promise.all(delivered) };
}

describe('@segment/analytics-node', () => {
  it('delivers identify/track/page/screen/group/alias in batches, stored enriched', async () => {
    const from = Date.now();
    const analytics = new SegmentAnalytics({ writeKey, host: server.baseUrl, flushInterval: 10, maxEventsInBatch: 4 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    const past = hourAgo();
    analytics.identify({ userId: 'seg-user', traits: { plan: 'pro' } });
    analytics.track({ userId: 'seg-user', event: 'Order Completed', properties: { total: 9.5 }, timestamp: past });
    analytics.page({ anonymousId: 'seg-anon', name: 'Home', properties: { path: '/' } });
    analytics.screen({ userId: 'seg-user', name: 'Dashboard' });
    analytics.group({ userId: 'seg-user', groupId: 'seg-group', traits: { name: 'Acme' } });
    analytics.alias({ userId: 'seg-user', previousId: 'seg-anon' });
    for (let i = 0; i < 10; i++) analytics.track({ anonymousId: `seg-bulk-${i}`, event: 'Bulk' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const stored = await readStored(server.log);
    expect(stored).toHaveLength(16);
    for (const event of stored) {
      expectEnriched(event, { from, to: Date.now() });
      expect(event.context.library).toMatchObject({ name: '@segment/analytics-node' });
      expect(event._metadata).toBeDefined();
      expect(event.messageId).not.toMatch(/^generated/);
    }
    expect(findBy(stored, 'type', 'identify')).toMatchObject({ userId: 'seg-user', traits: { plan: 'pro' } });
    const track = findBy(stored, 'event', 'Order Completed');
    expect(track).toMatchObject({ properties: { total: 9.5 }, originalTimestamp: past.toISOString() });
    // The event happened about an hour before it was received, whatever the client clock says.
    expect(Date.parse(track.receivedAt as string) - Date.parse(track.timestamp as string)).toBeGreaterThanOrEqual(3_600_000);
    expect(findBy(stored, 'type', 'page')).toMatchObject({ anonymousId: 'seg-anon', name: 'Home' });
    expect(findBy(stored, 'type', 'screen')).toMatchObject({ name: 'Dashboard' });
    expect(findBy(stored, 'type', 'group')).toMatchObject({ groupId: 'seg-group', traits: { name: 'Acme' } });
    expect(findBy(stored, 'type', 'alias')).toMatchObject({ previousId: 'seg-anon', userId: 'seg-user' });
  });
});

describe('analytics-node (legacy)', () => {
  it('delivers every call type through /v1/batch, stored enriched', async () => {
    const from = Date.now();
    const analytics = new LegacyAnalytics(writeKey, { host: server.baseUrl, flushAt: 3, flushInterval: 10 });
    const { done, all } = deliveries();
    const past = hourAgo();
    analytics.identify({ userId: 'legacy-user', traits: { email: 'a@example.com' } }, done());
    analytics.track({ userId: 'legacy-user', event: 'Signed Up', timestamp: past }, done());
    analytics.page({ userId: 'legacy-user', name: 'Pricing' }, done());
    analytics.screen({ userId: 'legacy-user', name: 'Settings' }, done());
    analytics.group({ userId: 'legacy-user', groupId: 'legacy-group' }, done());
    analytics.alias({ userId: 'legacy-user', previousId: 'legacy-anon' }, done());
    analytics.track({ userId: 42, event: 'Numeric Id' }, done());
    await analytics.flush();
    await all();

    const stored = await readStored(server.log);
    expect(stored).toHaveLength(7);
    for (const event of stored) {
      expectEnriched(event, { from, to: Date.now() });
      expect(event.context.library).toMatchObject({ name: 'analytics-node' });
      expect(typeof event.sentAt).toBe('string');
    }
    expect(findBy(stored, 'type', 'identify')).toMatchObject({ traits: { email: 'a@example.com' } });
    expect(findBy(stored, 'event', 'Signed Up')).toMatchObject({ originalTimestamp: past.toISOString() });
    expect(findBy(stored, 'event', 'Numeric Id')).toMatchObject({ userId: '42' });
    expect(findBy(stored, 'type', 'alias')).toMatchObject({ previousId: 'legacy-anon' });
  });
});

describe('@rudderstack/rudder-sdk-node (gzip bodies)', () => {
  it('delivers every call type gzip-compressed, stored enriched', async () => {
    const from = Date.now();
    const client = new RudderAnalytics(writeKey, { dataPlaneUrl: server.baseUrl, flushAt: 4, flushInterval: 10, logLevel: 'error' });
    const { done, all } = deliveries();
    client.identify({ userId: 'rudder-user', traits: { tier: 'gold' } }, done());
    client.track({ userId: 'rudder-user', event: 'Item Viewed', properties: { sku: 'A1' } }, done());
    client.page({ anonymousId: 'rudder-anon', name: 'Landing' }, done());
    client.screen({ userId: 'rudder-user', name: 'Cart' }, done());
    client.group({ userId: 'rudder-user', groupId: 'rudder-group' }, done());
    client.alias({ userId: 'rudder-user', previousId: 'rudder-anon' }, done());
    await client.flush();
    await all();

    const stored = await readStored(server.log);
    expect(stored).toHaveLength(6);
    for (const event of stored) {
      expectEnriched(event, { from, to: Date.now() }, { clientTimestamp: false });
      expect(typeof event.originalTimestamp).toBe('string');
      expect(event.context.library).toMatchObject({ name: 'analytics-node' });
    }
    expect(findBy(stored, 'type', 'track')).toMatchObject({ event: 'Item Viewed', properties: { sku: 'A1' } });
    expect(findBy(stored, 'type', 'group')).toMatchObject({ groupId: 'rudder-group' });
    expect(findBy(stored, 'type', 'alias')).toMatchObject({ previousId: 'rudder-anon' });
  });
});
