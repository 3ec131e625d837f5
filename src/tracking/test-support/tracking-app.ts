/**
 * Shared set-up for the Tracking API tests: a Fastify app with the tracking plugin over a real
 * MemoryEventLog, a fixed clock and sequential messageIds, and helpers to read back what was stored.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventLog } from '../../log/event-log.js';
import { MemoryEventLog } from '../../log/memory-event-log.js';
import type { SourceDirectory, TrackedSource } from '../source-directory.js';
import type { TrackingOptions } from '../http/options.js';
import { trackingRoutes } from '../http/tracking-plugin.js';

export const writeKey = 'wk_live_123';
export const disabledWriteKey = 'wk_disabled';
export const sourceId = 'src_live';
export const fixedNow = Date.UTC(2025, 0, 15, 10, 0, 0);

export const sources: SourceDirectory = {
  lookup(key: string): TrackedSource | undefined {
    if (key === writeKey) return { sourceId, workspaceId: 'ws', enabled: true };
    if (key === disabledWriteKey) return { sourceId: 'src_off', workspaceId: 'ws', enabled: false };
    return undefined;
  },
};

export function basicAuth(key: string, withColon = true): string {
  return `Basic ${Buffer.from(withColon ? `${key}:` : key).toString('base64')}`;
}

export interface TestApp {
  app: FastifyInstance;
  log: EventLog;
}

export async function buildTestApp(overrides: Partial<TrackingOptions> = {}, log: EventLog = new MemoryEventLog()): Promise<TestApp> {
  const app = Fastify();
  let counter = 0;
  await app.register(trackingRoutes, {
    log,
    sources,
    now: () => fixedNow,
    newMessageId: () => `generated-${++counter}`,
    ...overrides,
  });
  await app.ready();
  return { app, log };
}

/** Every stored event of `stream`, parsed. */
export async function storedEvents(log: EventLog, stream = sourceId): Promise<Record<string, unknown>[]> {
  const records = await log.read(stream, 0);
  return records.map((record) => JSON.parse(record.data.toString('utf8')) as Record<string, unknown>);
}

/** Posts one valid identify and expects it stored: proves the server still serves after bad input. */
export async function expectStillServing(app: FastifyInstance): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/identify',
    headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json' },
    payload: { userId: 'still-serving' },
  });
  if (response.statusCode !== 200) throw new Error(`server stopped serving: ${response.statusCode} ${response.body}`);
}
