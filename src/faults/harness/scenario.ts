/**
 * What every fault scenario shares: its options and result shape, a temp data directory, the
 * first-start local-files destination tuned so deliveries run all the time, and the ending — stop new
 * batches, let the client's retries land, flush, read the bucket, check it, stop the child.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBucket, type BucketObject } from '../../delivery/test-support/bucket-contents.js';
import { AdminApi } from './admin-api.js';
import { checkBucket, type CheckReport } from './checker.js';
import type { ChildRunner } from './child.js';
import { RetryingLoad, type LoadOptions, type LoadReport } from './retrying-client.js';

export const scenarioNames = ['kill', 's3', 'disk', 'corrupt', 'clock'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface ScenarioOptions {
  /** The CI version: seconds instead of minutes. */
  readonly short: boolean;
  /** Progress lines (the CLI prints them; tests may drop them). */
  readonly log: (line: string) => void;
}

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly durationMs: number;
  readonly kills: number;
  readonly requests: number;
  readonly eventsSent: number;
  readonly acknowledged: number;
  readonly neverAcknowledged: number;
  readonly status503: number;
  readonly maxRecoverMs: number;
  readonly check: CheckReport;
  /** Scenario-specific expectations that did not hold (e.g. "no 503 seen"); empty when all held. */
  readonly failures: string[];
  /** Scenario-specific facts worth printing (phases, statuses seen, bytes cut by recovery, …). */
  readonly notes: string[];
  /** Kept (not deleted) when the scenario failed, for a post-mortem. */
  readonly dataDir: string;
}

export type Scenario = (options: ScenarioOptions) => Promise<ScenarioResult>;

export function passed(result: ScenarioResult): boolean {
  const { check } = result;
  return check.lost === 0 && check.duplicated === 0 && check.wrongDay === 0 && check.unexpected === 0 && result.failures.length === 0;
}

export async function newDataDir(name: ScenarioName): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), `sluice-faults-${name}-`)), 'data');
}

/** Delivery all the time: a flush every second and whenever 16 KiB of NDJSON are pending. */
export const deliverConstantly = { flushIntervalSeconds: 1, maxBatchBytes: 16 * 1024 } as const;

/** The first-start local-files destination and its source, with delivery settings for the scenario. */
export async function tuneLocalFiles(child: ChildRunner, settings: Record<string, unknown>): Promise<{ api: AdminApi; destinationId: string; sourceId: string }> {
  const api = new AdminApi(child.url()!, child.token);
  const [destination] = await api.listDestinations();
  if (!destination || destination.type !== 'local-files') throw new Error('the first start did not create the local-files destination');
  await api.updateDestination(destination.id, { settings });
  return { api, destinationId: destination.id, sourceId: destination.sourceIds[0]! };
}

/**
 * The scenarios' usual client load against the child, started: three senders of 20-event batches with a
 * 20 ms pause, following the child across restarts. `overrides` changes any of it.
 */
export function startLoad(child: ChildRunner, overrides: Partial<Omit<LoadOptions, 'target' | 'writeKey'>> = {}): RetryingLoad {
  return new RetryingLoad({ target: () => child.url(), writeKey: child.writeKey, senders: 3, batchSize: 20, pauseMs: 20, ...overrides }).start();
}

export interface Ending {
  readonly child: ChildRunner;
  readonly load: RetryingLoad;
  readonly destinationId: string;
  readonly sourceId: string;
  /** Every object the destination wrote (default: the local-files bucket in the data dir). */
  readonly readObjects?: () => Promise<BucketObject[]>;
  /** How long pending batches may keep retrying once new sends stop. */
  readonly drainMs?: number;
  /** Runs on the live child right after the final flush succeeded (e.g. to read the status). */
  readonly afterFlush?: (api: AdminApi) => Promise<void>;
}

/** Stops the load, waits for its retries, flushes everything, checks the bucket and stops the child. */
export async function finishAndCheck(ending: Ending): Promise<{ load: LoadReport; check: CheckReport }> {
  const { child } = ending;
  if (child.url() === undefined) await child.start();
  const load = await ending.load.finish(ending.drainMs ?? 60_000);
  const api = new AdminApi(child.url()!, child.token);
  await api.flushUntilDelivered(ending.destinationId);
  await ending.afterFlush?.(api);
  const objects = await (ending.readObjects ?? (() => readBucket(join(child.dataDir, 'bucket'))))();
  const check = checkBucket(objects, ending.sourceId, load);
  await child.stop();
  return { load, check };
}

export function resultOf(name: ScenarioName, startedAt: number, child: ChildRunner, outcome: { load: LoadReport; check: CheckReport }, failures: string[], notes: string[]): ScenarioResult {
  const { load, check } = outcome;
  return {
    name,
    durationMs: Date.now() - startedAt,
    kills: child.kills,
    requests: load.requests,
    eventsSent: load.sent.size,
    acknowledged: load.acknowledged.size,
    neverAcknowledged: load.neverAcknowledged.size,
    status503: load.status503,
    maxRecoverMs: load.maxRecoverMs,
    check,
    failures,
    notes,
    dataDir: child.dataDir,
  };
}

/** The result of a scenario that threw instead of finishing: a failure, with the error as its reason. */
export function crashedResult(name: ScenarioName, startedAt: number, error: unknown): ScenarioResult {
  const none = { lost: [], duplicated: [], unexpected: [], wrongDay: [] };
  return {
    name, durationMs: Date.now() - startedAt, kills: 0, requests: 0, eventsSent: 0, acknowledged: 0, neverAcknowledged: 0, status503: 0, maxRecoverMs: 0,
    check: {
      objects: 0, checked: 0, acknowledged: 0, found: 0, lost: 0, duplicated: 0, unexpected: 0, wrongDay: 0, days: 0,
      duplicatedByKind: { 'acknowledged-first-try': 0, 'acknowledged-after-retry': 0, 'never-acknowledged': 0 }, examples: none,
    },
    failures: [`the scenario crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`],
    notes: [],
    dataDir: '',
  };
}

/** Removes a passed scenario's data directory (its parent temp dir); a failed one is kept. */
export async function cleanUp(result: ScenarioResult): Promise<void> {
  if (passed(result)) await rm(join(result.dataDir, '..'), { recursive: true, force: true });
}

export function randomBetween(minMs: number, maxMs: number): number {
  return minMs + Math.random() * (maxMs - minMs);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
