/**
 * The soak's load generator, run as its own process (one JSON argument, `GeneratorConfig`) so it never
 * shares an event loop with the server or with the sampler. Prints one JSON line per interval and a
 * final `done` line on stdout.
 *
 * Open loop (`mode: "open"`): request i is due at start + i / rate whatever happened to earlier ones,
 * and its latency is measured from that intended time, so a stalled server shows up as latency instead
 * of silently lowering the offered load (no coordinated omission). Closed loop (`mode: "closed"`):
 * every connection sends its next request as soon as the previous answer arrives — how the maximum is
 * measured. Requests go over a fixed set of keep-alive connections ("lanes", one socket each), used in
 * turn, so the server's socket count stays constant and its fd count can be judged for leaks.
 * Memory is fixed: owed requests are a counter, latencies go into fixed-size histograms.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram, type LatencySummary } from './histogram.js';
import { MIX_WEIGHTS, MixedRequests, mixSchedule, type PreparedRequest, type RequestKind } from './mix.js';

export interface GeneratorConfig {
  readonly url: string;
  readonly writeKey: string;
  readonly adminToken: string;
  readonly adminStatusPaths: readonly string[];
  /** Prefix of every messageId this process generates; unique per process. */
  readonly runId: string;
  readonly mode: 'open' | 'closed';
  /** Requests per second (open loop only). */
  readonly rate?: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly intervalSeconds: number;
  readonly requestTimeoutMs: number;
  /** How long the connections stay open after the last interval line (default 1 s; see where it is used). */
  readonly lingerMs?: number;
}

/** Counts over one interval or the whole run. */
export interface TrafficCounts {
  /** Requests answered (any status) or failed. */
  requests: number;
  ok: number;
  /** Events in 2xx answers, minus any the server listed as rejected. */
  eventsAcknowledged: number;
  non2xx: number;
  connectionErrors: number;
  timeouts: number;
  rejectedEvents: number;
  /** Events in requests that got no 2xx (they may or may not be stored). */
  eventsUnacknowledged: number;
}

export interface IntervalLine extends TrafficCounts {
  readonly type: 'interval';
  readonly index: number;
  /** Seconds since the load started, at the end of this interval. */
  readonly elapsedSeconds: number;
  readonly seconds: number;
  /** Requests due (open loop) but not sent yet for want of a free connection; in the last line, never sent. */
  readonly behind: number;
  readonly inFlight: number;
  readonly latency: LatencySummary;
}

export interface DoneLine extends TrafficCounts {
  readonly type: 'done';
  readonly seconds: number;
  readonly sent: number;
  readonly latency: LatencySummary;
  readonly perKind: Record<string, TrafficCounts & { latency: LatencySummary }>;
  /** The first few distinct failures, for the report. */
  readonly failureSamples: string[];
}

const emptyCounts = (): TrafficCounts => ({ requests: 0, ok: 0, eventsAcknowledged: 0, non2xx: 0, connectionErrors: 0, timeouts: 0, rejectedEvents: 0, eventsUnacknowledged: 0 });

function addCounts(into: TrafficCounts, from: TrafficCounts): void {
  for (const key of Object.keys(into) as (keyof TrafficCounts)[]) into[key] += from[key];
}

interface Outcome {
  readonly status: number | undefined;
  readonly body: string;
  readonly error: Error | undefined;
}

function sendOver(agent: http.Agent, url: URL, request: PreparedRequest, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const outgoing = http.request(url.origin + request.path, { method: request.method, headers: request.headers, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body.length < 4096 ? (body += chunk) : undefined));
      response.on('end', () => resolve({ status: response.statusCode, body, error: undefined }));
      response.on('error', (error) => resolve({ status: undefined, body, error }));
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    outgoing.on('error', (error) => resolve({ status: undefined, body: '', error }));
    outgoing.end(request.body);
  });
}

export async function runGenerator(config: GeneratorConfig, emit: (line: IntervalLine | DoneLine) => void): Promise<void> {
  const url = new URL(config.url);
  const requests = new MixedRequests(config);
  const schedule = mixSchedule();
  const lanes = Array.from({ length: config.connections }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const freeLanes = [...lanes];
  const rate = config.rate ?? 0;
  if (config.mode === 'open' && !(rate > 0)) throw new Error('open loop needs a rate > 0');
  const totalDue = config.mode === 'open' ? Math.floor(rate * config.durationSeconds) : Infinity;

  const intervalCounts = emptyCounts();
  const intervalLatency = new LatencyHistogram();
  const totals = emptyCounts();
  const totalLatency = new LatencyHistogram();
  const perKind = new Map<RequestKind, { counts: TrafficCounts; latency: LatencyHistogram }>(
    (Object.keys(MIX_WEIGHTS) as RequestKind[]).map((kind) => [kind, { counts: emptyCounts(), latency: new LatencyHistogram() }]),
  );
  const failureSamples = new Set<string>();
  let sent = 0;
  let inFlight = 0;
  let stopping = false;
  const start = performance.now();
  const endAt = start + config.durationSeconds * 1000;
  let settle: () => void = () => {};
  const allAnswered = new Promise<void>((resolve) => (settle = resolve));

  const record = (kind: RequestKind, events: number, intended: number, outcome: Outcome) => {
    const counts = emptyCounts();
    counts.requests = 1;
    if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
      counts.ok = 1;
      let rejected = 0;
      if (outcome.body.includes('"rejected"')) {
        // Our events are all valid: a rejection is a failure of the run. Count all as rejected if unreadable.
        try {
          rejected = (JSON.parse(outcome.body) as { rejected?: unknown[] }).rejected?.length ?? 0;
        } catch {
          rejected = events;
        }
        if (failureSamples.size < 8) failureSamples.add(`${kind}: 200 with rejected events: ${outcome.body.slice(0, 200)}`);
      }
      counts.rejectedEvents = rejected;
      counts.eventsAcknowledged = events - rejected;
    } else {
      counts.eventsUnacknowledged = events;
      if (outcome.status !== undefined) counts.non2xx = 1;
      else if (outcome.error?.message.startsWith('timeout')) counts.timeouts = 1;
      else counts.connectionErrors = 1;
      if (failureSamples.size < 8) failureSamples.add(`${kind}: ${outcome.status ?? outcome.error?.message} ${outcome.body.slice(0, 200)}`);
    }
    const latencyMs = performance.now() - intended;
    addCounts(intervalCounts, counts);
    addCounts(totals, counts);
    intervalLatency.recordMs(latencyMs);
    totalLatency.recordMs(latencyMs);
    const forKind = perKind.get(kind)!;
    addCounts(forKind.counts, counts);
    forKind.latency.recordMs(latencyMs);
  };

  const dueNow = (now: number) => (config.mode === 'open' ? Math.min(totalDue, Math.floor(((now - start) * rate) / 1000) + 1) : Infinity);

  const dispatch = (lane: http.Agent, intended: number) => {
    const kind = schedule[sent % schedule.length]!;
    sent++;
    inFlight++;
    void (async () => {
      let events = 0;
      let outcome: Outcome;
      try {
        const request = await requests.build(kind);
        events = request.events;
        outcome = await sendOver(lane, url, request, config.requestTimeoutMs);
      } catch (error) {
        outcome = { status: undefined, body: '', error: error as Error };
      }
      record(kind, events, intended, outcome);
      inFlight--;
      freeLanes.push(lane);
      pump();
    })();
  };

  let timer: NodeJS.Timeout | undefined;
  function pump(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const now = performance.now();
    // Open loop too stops at the end: requests still owed then were never sent, and the run's
    // "answered of due" figure shows a server that could not keep up.
    if (now >= endAt || sent >= totalDue) stopping = true;
    while (!stopping && freeLanes.length > 0 && sent < dueNow(now)) {
      const intended = config.mode === 'open' ? start + (sent * 1000) / rate : now;
      dispatch(freeLanes.shift()!, intended);
    }
    if (stopping) {
      if (inFlight === 0) settle();
      return;
    }
    // Open loop: wake when the next request is due (a busy lane wakes us on its answer anyway).
    const wakeAt = config.mode === 'open' && freeLanes.length > 0 ? start + (sent * 1000) / rate : endAt;
    timer = setTimeout(pump, Math.max(0, Math.min(wakeAt, endAt) - performance.now()));
  }

  let intervalIndex = 0;
  let intervalStartedAt = start;
  const emitInterval = () => {
    const now = performance.now();
    emit({
      type: 'interval',
      index: intervalIndex++,
      elapsedSeconds: (now - start) / 1000,
      seconds: (now - intervalStartedAt) / 1000,
      // At the end, what was still owed when sending stopped (never sent).
      behind: config.mode === 'open' ? Math.max(0, dueNow(Math.min(now, endAt)) - sent) : 0,
      inFlight,
      ...intervalCounts,
      latency: intervalLatency.summary(),
    });
    intervalStartedAt = now;
    Object.assign(intervalCounts, emptyCounts());
    intervalLatency.reset();
  };
  // A tick within half an interval of the end is left to the final line, which then covers the drain
  // too: a last interval of a few stragglers over some milliseconds would be a meaningless rate.
  const ticker = setInterval(() => {
    if (performance.now() < endAt - (config.intervalSeconds * 1000) / 2) emitInterval();
  }, config.intervalSeconds * 1000);
  const stop = () => {
    stopping = true;
    if (inFlight === 0) settle();
  };
  process.once('SIGTERM', stop);

  pump();
  await allAnswered;
  clearInterval(ticker);
  if (timer) clearTimeout(timer);
  process.off('SIGTERM', stop);
  if (intervalCounts.requests > 0) {
    emitInterval();
    // The sampler reads the server's fds when it gets that line: keep the connections open a moment
    // so the last row counts them like every other row.
    await new Promise((resolve) => setTimeout(resolve, config.lingerMs ?? 1000));
  }
  for (const lane of lanes) lane.destroy();
  emit({
    type: 'done',
    seconds: (performance.now() - start) / 1000,
    sent,
    ...totals,
    latency: totalLatency.summary(),
    perKind: Object.fromEntries([...perKind].map(([kind, { counts, latency }]) => [kind, { ...counts, latency: latency.summary() }])),
    failureSamples: [...failureSamples],
  });
}
