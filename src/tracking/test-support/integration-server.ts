/**
 * A real, listening Tracking API for integration tests: Fastify on 127.0.0.1:0 with the tracking and
 * health plugins over a real FileEventLog in a fresh temp directory, plus helpers that read every
 * stored event back and check the enrichment rules of DESIGN B2 on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { FileEventLog } from '../../log/file-event-log.js';
import { healthRoutes, trackingRoutes } from '../index.js';
import type { SourceDirectory } from '../source-directory.js';

export const writeKey = 'wk_integration';
export const sourceId = 'src_integration';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly log: FileEventLog;
  /** e.g. http://127.0.0.1:40123 */
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startServer(): Promise<RunningServer> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-tracking-'));
  const log = await FileEventLog.open({ directory, maxBytes: 64 * 1024 * 1024 });
  const sources: SourceDirectory = {
    lookup: (key) => (key === writeKey ? { sourceId, workspaceId: 'ws', enabled: true } : undefined),
  };
  const app = Fastify();
  await app.register(trackingRoutes, { log, sources });
  await app.register(healthRoutes, { checks: { log: () => log.isWritable() } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    app,
    log,
    baseUrl: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      await log.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export type StoredEvent = Record<string, unknown> & { context: Record<string, unknown> };

export async function readStored(log: FileEventLog): Promise<StoredEvent[]> {
  const records = await log.read(sourceId, 0);
  return records.map((record) => {
    const event = JSON.parse(record.data.toString('utf8')) as StoredEvent;
    // The record timestamp is the receive time the event carries.
    expect(record.timestamp).toBe(Date.parse(event.receivedAt as string));
    return event;
  });
}

/**
 * Checks the B2 enrichment invariants every stored event must satisfy. `clientTimestamp: false` is for
 * clients that send no `timestamp` (rudder-sdk-node sends its own `originalTimestamp` instead, which is
 * kept as sent): their `timestamp` is `receivedAt`.
 */
export function expectEnriched(event: StoredEvent, window: { from: number; to: number }, options: { clientTimestamp?: boolean } = {}): void {
  expect(event.projectId).toBe(sourceId);
  expect(event.version).toBe(2);
  expect(typeof event.channel).toBe('string');
  expect(typeof event.messageId).toBe('string');
  expect((event.messageId as string).length).toBeGreaterThan(0);
  expect(event.context.ip).toBe('127.0.0.1');
  const receivedAt = Date.parse(event.receivedAt as string);
  expect(receivedAt).toBeGreaterThanOrEqual(window.from);
  expect(receivedAt).toBeLessThanOrEqual(window.to);
  if (options.clientTimestamp === false) {
    expect(event.timestamp).toBe(event.receivedAt);
  } else if (event.originalTimestamp !== undefined && event.sentAt !== undefined) {
    const skewCorrected = receivedAt - (Date.parse(event.sentAt as string) - Date.parse(event.originalTimestamp as string));
    expect(Date.parse(event.timestamp as string)).toBe(skewCorrected);
  }
}

/** The one stored event whose `field` equals `value`. */
export function findBy(events: StoredEvent[], field: string, value: unknown): StoredEvent {
  const matches = events.filter((event) => event[field] === value);
  expect(matches, `${field}=${String(value)}`).toHaveLength(1);
  return matches[0]!;
}
