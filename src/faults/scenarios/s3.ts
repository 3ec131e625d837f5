/**
 * Scenario "s3": the child delivers to an amazon-s3 destination (created through the admin API, like a
 * user would) pointed at the policy proxy in front of an in-process s3rver; the first-start local-files
 * destination is deleted, so the S3 bucket is the only copy. Under steady load the endpoint is, in
 * turn: slow (seconds per request), down (connections refused), answering 500 InternalError, 503
 * ServiceUnavailable, 503 SlowDown — each phase a minute in the long run, seconds in the short one —
 * then healthy. Ingest must keep acknowledging throughout, the destination status must show the error
 * while a failing phase lasts, and at the end everything acknowledged is in the bucket exactly once.
 */
import type { ProxyFault, RecordedRequest } from '../../storage/test-support/s3-policy-proxy.js';
import { startS3TestServer } from '../../storage/test-support/s3-test-server.js';
import { AdminApi } from '../harness/admin-api.js';
import { ChildRunner } from '../harness/child.js';
import { readS3Bucket } from '../harness/s3-bucket.js';
import { delay, finishAndCheck, newDataDir, resultOf, startLoad, type ScenarioOptions, type ScenarioResult } from '../harness/scenario.js';

interface Phase {
  readonly name: string;
  /** `refuse`: the proxy stops listening (connections refused). */
  readonly fault: ProxyFault | 'refuse';
  /** Whether delivery must fail (and the status show it) during the phase. */
  readonly failing: boolean;
}

export async function s3Scenario({ short, log }: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const phaseMs = short ? 3_000 : 60_000;
  // Slow first, from a healthy start: after a failing phase, delivery's backoff (1 s doubling to 5 min)
  // could sit out a whole slow phase without a single request.
  const phases: Phase[] = [
    { name: `slow (${short ? 2 : 5} s per request)`, fault: { kind: 'delay', ms: short ? 2_000 : 5_000 }, failing: false },
    { name: 'down (ECONNREFUSED)', fault: 'refuse', failing: true },
    { name: '500 InternalError', fault: { kind: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' }, failing: true },
    { name: '503 ServiceUnavailable', fault: { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.' }, failing: true },
    { name: '503 SlowDown', fault: { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, failing: true },
  ];
  const s3 = await startS3TestServer();
  const child = new ChildRunner(await newDataDir('s3'));
  const failures: string[] = [];
  const notes: string[] = [];
  try {
    await child.start();
    const api = new AdminApi(child.url()!, child.token);
    const [bootstrap] = await api.listDestinations();
    const sourceId = bootstrap!.sourceIds[0]!;
    const destination = await api.createDestination({
      type: 'amazon-s3',
      name: 'fault-harness-s3',
      sourceIds: [sourceId],
      settings: {
        bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', ...s3.credentials,
        flushIntervalSeconds: 1, maxBatchBytes: 64 * 1024,
      },
    });
    await api.deleteDestination(bootstrap!.id);
    const load = startLoad(child, { senders: 2 });
    await delay(short ? 1_500 : 5_000);

    const putsDuring = new Map<Phase, RecordedRequest[]>();
    for (const phase of phases) {
      const putsBefore = s3.proxy.requestsOf('PutObject').length;
      if (phase.fault === 'refuse') await s3.proxy.refuseConnections();
      else s3.proxy.setFault(phase.fault);
      const ackedBefore = load.acknowledgedCount;
      // An operator's flush at the phase start: delivery retries at once instead of sitting out its
      // backoff (1 s doubling to 5 min) from the phase before, so every phase meets real requests.
      const flushing = api.flushOnce(destination.id).catch(() => 0);
      const lastError = await watchStatus(api, destination.id, phaseMs);
      s3.proxy.setFault(undefined);
      await s3.proxy.acceptConnections();
      putsDuring.set(phase, s3.proxy.requestsOf('PutObject').slice(putsBefore));
      void flushing;
      const acked = load.acknowledgedCount - ackedBefore;
      notes.push(`${phase.name}: ${acked} events acknowledged during the phase; status lastError: ${lastError ?? 'none'}`);
      log(`s3: ${phase.name} over, ${acked} events acknowledged meanwhile, lastError: ${lastError ?? 'none'}`);
      if (phase.failing && lastError === undefined) failures.push(`the destination status showed no error during the phase "${phase.name}"`);
      if (acked === 0) failures.push(`ingest acknowledged nothing while S3 was ${phase.name}`);
    }
    notes.push(`proxy saw ${s3.proxy.requestsOf('PutObject').length} PutObject requests`);
    // Outcomes are final by now: a request delayed in the slow phase was forwarded and answered later.
    for (const [phase, puts] of putsDuring) {
      const stored = puts.filter((put) => put.outcome === 200).length;
      notes.push(`${phase.name}: ${puts.length} PutObject requests arrived, ${stored} stored`);
      if (!phase.failing && stored === 0) failures.push(`no object was stored while S3 was ${phase.name}: a slow endpoint must still be written to`);
      const { fault } = phase;
      if (fault !== 'refuse' && fault.kind === 'error' && !puts.some((put) => put.outcome === fault.status)) failures.push(`no PutObject met the fault while ${phase.name}`);
    }
    const afterFlush = async (live: AdminApi) => {
      const status = await live.status(destination.id);
      if (status.lastError) failures.push(`the status still shows an error after the endpoint healed and a flush succeeded: ${status.lastError.message}`);
    };
    const readObjects = async () => {
      const { objects, unreadable } = await readS3Bucket(s3);
      for (const { key, error } of unreadable) failures.push(`object ${key} could not be read back: ${error}`);
      return objects;
    };
    const outcome = await finishAndCheck({ child, load, destinationId: destination.id, sourceId, readObjects, afterFlush });
    return resultOf('s3', startedAt, child, outcome, failures, notes);
  } finally {
    await child.stop().catch(() => {});
    await s3.close();
  }
}

/**
 * Polls the destination status (as an operator watching it would) every 500 ms for `ms`: the error
 * it showed (the last one seen during the phase), if it showed any.
 */
async function watchStatus(api: AdminApi, destinationId: string, ms: number): Promise<string | undefined> {
  const until = Date.now() + ms;
  let shown: string | undefined;
  while (Date.now() < until) {
    const { lastError } = await api.status(destinationId);
    if (lastError) shown = `${lastError.message.slice(0, 100)} (×${lastError.consecutiveFailures})`;
    await delay(Math.min(500, Math.max(0, until - Date.now())));
  }
  return shown;
}
