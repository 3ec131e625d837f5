/**
 * An open-loop, evenly paced load generator for "latency at a given rate" (the ingest benchmark's p99
 * at 50% of max). Request i is due at start + i / rate whatever happened to earlier ones, over a fixed
 * pool of keep-alive connections (one socket each, `http-lane.ts`, used as they come free), and its
 * latency is measured from that intended send time: a server that stalls shows up as latency instead
 * of silently lowering the offered load (no coordinated omission). The soak's generator
 * (`bench/soak/load-generator.ts`) paces the same way; this one sends a single request shape, as
 * autocannon does for the maximum, and is cheap enough per request to offer half of a bare node:http
 * server's maximum from one core.
 *
 * A request that falls due while every connection is busy waits for the next free one: it is counted
 * in `behind`, and its wait is part of its latency. Those still owed when the window ends are never sent
 * (`unsent`). Sending is driven by a timer (millisecond granularity in Node) and by each answer, so a
 * request may leave up to ~1 ms after its due time; that counts as latency too, the same for every
 * target. Every finished request (any status, error or timeout) is recorded, in a fixed-size histogram.
 *
 * An optional warm-up runs the same pacing first, unrecorded (this process starts cold: its first
 * few hundred milliseconds of interpreted code would otherwise be charged to the server). Run as its
 * own process through `paced-load-generator.ts`, so it never shares an event loop with the server.
 */
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../soak/histogram.js';
import { FreshBodies } from './fresh-bodies.js';
import { HttpLane, requestHead, type LaneOutcome } from './http-lane.js';

export interface PacedLoadConfig {
  /** Full URL, path included; http: only. */
  readonly url: string;
  readonly method?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Body template; every MESSAGE_ID_PLACEHOLDER in it is made unique per request (`fresh-bodies.ts`). */
  readonly body: string;
  readonly connections: number;
  /** Requests per second, evenly spaced. */
  readonly rate: number;
  /** The measured window, s. */
  readonly durationSeconds: number;
  /** Paced but unrecorded seconds before the window (default 0). */
  readonly warmupSeconds?: number;
  /** Per-request timeout (default 10 s, autocannon's). */
  readonly timeoutMs?: number;
}

export interface PacedLoadResult {
  /** Offered rate, requests/s. */
  readonly rate: number;
  readonly connections: number;
  /** The measured window, s (warm-up excluded from every figure below). */
  readonly seconds: number;
  /** Requests due within the window. */
  readonly due: number;
  readonly sent: number;
  /** Requests that got an HTTP answer (any status). */
  readonly answered: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors (not timeouts). */
  readonly errors: number;
  readonly timeouts: number;
  /** Requests that fell due while every connection was busy: sent late (the wait is in their latency) or never. */
  readonly behind: number;
  /** Requests due within the window but never sent (still waiting for a connection when it ended). */
  readonly unsent: number;
  /** The most requests waiting for a free connection at once. */
  readonly maxBacklog: number;
  /** Requests sent per second of the window. */
  readonly achievedRate: number;
  /** From each request's intended send time to the end of its answer (or its failure), ms. */
  readonly latency: { readonly count: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** This generator's own CPU (user + system) over warm-up and window, s: near one core means it may have been the limit. */
  readonly generatorCpuSeconds: number;
  /**
   * How late this generator's own send timer fired, ms (from when it was due to when its callback ran,
   * within the window): the generator's scheduling delay, which every latency above includes. A high
   * p99 here means the machine kept the generator from sending on time, not that the server was slow.
   */
  readonly timerLateness: { readonly count: number; readonly p99: number; readonly max: number };
  /** The first few distinct failures. */
  readonly failureSamples: string[];
}

/** Open-loop timing alone: request i is due at start + i / rate (ms clock), for `durationSeconds`. */
export class OpenLoopSchedule {
  /** Requests due within the schedule. */
  readonly total: number;

  constructor(
    readonly start: number,
    readonly rate: number,
    readonly durationSeconds: number,
  ) {
    if (!(rate > 0)) throw new Error('open loop needs a rate > 0');
    this.total = Math.floor(rate * durationSeconds);
  }

  get endAt(): number {
    return this.start + this.durationSeconds * 1000;
  }

  /** When request `index` is due. */
  intendedAt(index: number): number {
    return this.start + (index * 1000) / this.rate;
  }

  /** How many requests are due by `now` (request 0 is due at the start). */
  dueBy(now: number): number {
    return Math.max(0, Math.min(this.total, Math.floor(((now - this.start) * this.rate) / 1000) + 1));
  }
}

export async function runPacedLoad(config: PacedLoadConfig): Promise<PacedLoadResult> {
  if (!(config.connections >= 1)) throw new Error('needs at least one connection');
  const url = new URL(config.url);
  if (url.protocol !== 'http:') throw new Error(`only http: URLs: ${config.url}`);
  const timeoutMs = config.timeoutMs ?? 10_000;
  const warmupSeconds = config.warmupSeconds ?? 0;
  const bodies = new FreshBodies(config.body);
  // Every fresh body has the template's length, so one head serves every request.
  const head = requestHead(url, config.method ?? 'POST', config.headers, Buffer.byteLength(config.body));
  const lanes = Array.from({ length: config.connections }, () => new HttpLane(url.hostname, Number(url.port || 80)));
  // Connections are opened before the clock starts, as autocannon's are before it counts.
  await Promise.all(lanes.map((lane) => lane.connect()));
  const freeLanes = [...lanes];
  const latency = new LatencyHistogram();
  const timerLateness = new LatencyHistogram();
  const failureSamples = new Set<string>();
  const counts = { answered: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
  let sent = 0;
  let inFlight = 0;
  let behind = 0;
  let maxBacklog = 0;
  let stopping = false;
  let settle: () => void = () => {};
  const allAnswered = new Promise<void>((resolve) => (settle = resolve));
  const cpuBefore = process.cpuUsage();
  const schedule = new OpenLoopSchedule(performance.now(), config.rate, warmupSeconds + config.durationSeconds);
  /** Requests below this index are the warm-up: paced like the rest, recorded nowhere. */
  const measuredFrom = Math.floor(config.rate * warmupSeconds);
  /** Requests below this index are warm-up or already counted in `behind`. */
  let behindCountedTo = measuredFrom;

  const record = (index: number, outcome: LaneOutcome) => {
    if (index < measuredFrom) return;
    latency.recordMs(performance.now() - schedule.intendedAt(index));
    if (outcome.status !== undefined) {
      counts.answered++;
      if (outcome.status >= 200 && outcome.status < 300) counts.ok++;
      else counts.non2xx++;
    } else if (outcome.error.message.startsWith('timeout')) counts.timeouts++;
    else counts.errors++;
    if (!(outcome.status !== undefined && outcome.status < 300) && failureSamples.size < 8) failureSamples.add(String(outcome.status ?? outcome.error.message));
  };

  const dispatch = (lane: HttpLane, now: number) => {
    const index = sent++;
    inFlight++;
    void lane.send(head, bodies.next(), now).then((outcome) => {
      record(index, outcome);
      inFlight--;
      freeLanes.push(lane);
      pump();
    });
  };

  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const onTimer = () => {
    const now = performance.now();
    if (sent >= measuredFrom && timerAt !== schedule.endAt) timerLateness.recordMs(Math.max(0, now - timerAt));
    timer = undefined;
    timerAt = Infinity;
    pump();
  };
  function pump(): void {
    if (stopping) {
      if (inFlight === 0) settle();
      return;
    }
    const now = performance.now();
    const due = schedule.dueBy(now);
    while (freeLanes.length > 0 && sent < due) dispatch(freeLanes.shift()!, now);
    if (sent < due && due > measuredFrom) {
      // Every connection is busy and requests are owed: they wait, and their latency grows.
      maxBacklog = Math.max(maxBacklog, due - Math.max(sent, measuredFrom));
      behind += due - Math.max(sent, behindCountedTo);
      behindCountedTo = due;
    }
    // The window is over once everything is sent, or at its end: what is owed then for want of a free
    // connection is never sent (a late timer alone loses nothing: at the end all is due, and sent above).
    if (sent >= schedule.total || now >= schedule.endAt) {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (inFlight === 0) settle();
      return;
    }
    // Wake when the next request is due; with no free connection, an answer wakes us (or the end does).
    // An armed timer that fires no later is kept (it re-evaluates when it fires): answers call this often.
    const wakeAt = freeLanes.length > 0 ? Math.min(schedule.intendedAt(sent), schedule.endAt) : schedule.endAt;
    if (timer && timerAt <= wakeAt) return;
    if (timer) clearTimeout(timer);
    timerAt = wakeAt;
    timer = setTimeout(onTimer, Math.max(0, wakeAt - now));
  }

  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const lane of lanes) lane.expire(now, timeoutMs);
  }, Math.min(250, timeoutMs / 4));
  pump();
  await allAnswered;
  clearInterval(sweeper);
  for (const lane of lanes) lane.close();
  const cpu = process.cpuUsage(cpuBefore);
  const summary = latency.summary();
  const lateness = timerLateness.summary();
  const measuredSent = Math.max(0, sent - measuredFrom);
  return {
    rate: config.rate,
    connections: config.connections,
    seconds: config.durationSeconds,
    due: schedule.total - measuredFrom,
    sent: measuredSent,
    ...counts,
    behind,
    unsent: schedule.total - sent,
    maxBacklog,
    achievedRate: measuredSent / config.durationSeconds,
    latency: { count: summary.count, p50: summary.p50Ms, p90: latency.percentileMs(0.9), p99: summary.p99Ms, max: summary.maxMs },
    generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
    timerLateness: { count: lateness.count, p99: lateness.p99Ms, max: lateness.maxMs },
    failureSamples: [...failureSamples],
  };
}
