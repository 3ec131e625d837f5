/**
 * The client load of a fault scenario: `senders` concurrent loops, each sending batches of fresh
 * messageIds to `/v1/batch` and behaving like Segment's libraries when a batch is not acknowledged
 * (network error, timeout, any non-200, 503 with Retry-After): it re-sends the SAME batch (same
 * messageIds) with capped exponential backoff and full jitter — waiting at least Retry-After when the
 * server names one — until it gets a 200 or the run gives up on it (`finish`).
 *
 * Records what the checker needs: every id sent, every id acknowledged, and the ids whose batch was
 * acknowledged only after a failed attempt (a duplicate of those is the "stored but the answer was
 * lost" kind, not a delivery bug). The target URL is asked for on every attempt, because each restart
 * of the server child listens on a new port.
 */
import { randomUUID } from 'node:crypto';

export interface LoadOptions {
  /** The server's base URL now; undefined while it is down (the attempt counts as a network error). */
  readonly target: () => string | undefined;
  readonly writeKey: string;
  readonly senders: number;
  readonly batchSize: number;
  /** Pause between one sender's acknowledged batch and its next (keeps the load off the shared CPU). */
  readonly pauseMs: number;
  /** Bytes of filler in each event's properties (to fill a small log budget quickly). Default 0. */
  readonly paddingBytes?: number;
  /** Backoff cap between attempts; default 2 s. */
  readonly maxBackoffMs?: number;
  /** A request with no answer after this long is abandoned (and retried). Default 15 s. */
  readonly requestTimeoutMs?: number;
}

export interface LoadReport {
  readonly batches: number;
  readonly requests: number;
  /** Answers by status (`network` for no answer at all). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** 503 answers, and how many of them carried Retry-After. */
  readonly status503: number;
  readonly retryAfter503: number;
  readonly sent: ReadonlySet<string>;
  readonly acknowledged: ReadonlySet<string>;
  /** Ids acknowledged only after at least one failed attempt. */
  readonly acknowledgedAfterRetry: ReadonlySet<string>;
  /** Ids still unacknowledged when the run gave up. */
  readonly neverAcknowledged: ReadonlySet<string>;
  /** Longest time from a batch's first failed attempt to its acknowledgement. */
  readonly maxRecoverMs: number;
  /** Time of the first acknowledgement after the first 503 (ms since the load started), if any. */
  readonly firstAckAfter503Ms: number | undefined;
  /** Batches answered 503 at least once and acknowledged later (the server recovered for them). */
  readonly acknowledgedAfter503: number;
}

const BASE_BACKOFF_MS = 100;

export class RetryingLoad {
  readonly #options: LoadOptions;
  readonly #sent = new Set<string>();
  readonly #acknowledged = new Set<string>();
  readonly #acknowledgedAfterRetry = new Set<string>();
  readonly #neverAcknowledged = new Set<string>();
  readonly #outcomes: Record<string, number> = {};
  readonly #startedAt = Date.now();
  #senders: Promise<void>[] = [];
  #batches = 0;
  #requests = 0;
  #status503 = 0;
  #retryAfter503 = 0;
  #maxRecoverMs = 0;
  #first503At: number | undefined;
  #firstAckAfter503Ms: number | undefined;
  #acknowledgedAfter503 = 0;
  #sendingNew = true;
  #giveUpAt = Number.POSITIVE_INFINITY;
  /** Wakes backoff sleeps early when the run ends. */
  readonly #stop = new AbortController();

  constructor(options: LoadOptions) {
    this.#options = options;
  }

  start(): this {
    this.#senders = Array.from({ length: this.#options.senders }, (_, sender) => this.#sender(sender));
    return this;
  }

  /** Acknowledged so far. */
  get acknowledgedCount(): number {
    return this.#acknowledged.size;
  }

  /** 503 answers so far. */
  get status503(): number {
    return this.#status503;
  }

  /**
   * Stops starting new batches; batches in flight keep retrying until acknowledged or until
   * `deadlineMs` has passed (then they are recorded as never acknowledged). Resolves with the report.
   */
  async finish(deadlineMs: number): Promise<LoadReport> {
    this.#sendingNew = false;
    this.#giveUpAt = Date.now() + deadlineMs;
    const timer = setTimeout(() => this.#stop.abort(), deadlineMs);
    await Promise.all(this.#senders);
    clearTimeout(timer);
    return {
      batches: this.#batches,
      requests: this.#requests,
      outcomes: { ...this.#outcomes },
      status503: this.#status503,
      retryAfter503: this.#retryAfter503,
      sent: this.#sent,
      acknowledged: this.#acknowledged,
      acknowledgedAfterRetry: this.#acknowledgedAfterRetry,
      neverAcknowledged: this.#neverAcknowledged,
      maxRecoverMs: this.#maxRecoverMs,
      firstAckAfter503Ms: this.#firstAckAfter503Ms,
      acknowledgedAfter503: this.#acknowledgedAfter503,
    };
  }

  async #sender(sender: number): Promise<void> {
    let sequence = 0;
    while (this.#sendingNew) {
      const ids = Array.from({ length: this.#options.batchSize }, () => randomUUID());
      await this.#deliver(ids, `${sender}-${sequence++}`);
      if (this.#options.pauseMs > 0 && this.#sendingNew) await sleep(this.#options.pauseMs, this.#stop.signal);
    }
  }

  /** Sends one batch until it is acknowledged or the run gives up on it. */
  async #deliver(ids: string[], batchName: string): Promise<void> {
    this.#batches++;
    for (const id of ids) this.#sent.add(id);
    const body = JSON.stringify({ batch: ids.map((messageId) => this.#event(messageId, batchName)) });
    let firstFailureAt: number | undefined;
    let got503 = false;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(body);
      if (outcome.ok) {
        for (const id of ids) this.#acknowledged.add(id);
        const now = Date.now();
        if (got503) this.#acknowledgedAfter503++;
        if (firstFailureAt !== undefined) {
          for (const id of ids) this.#acknowledgedAfterRetry.add(id);
          this.#maxRecoverMs = Math.max(this.#maxRecoverMs, now - firstFailureAt);
        }
        if (this.#first503At !== undefined && this.#firstAckAfter503Ms === undefined) this.#firstAckAfter503Ms = now - this.#startedAt;
        return;
      }
      firstFailureAt ??= Date.now();
      got503 ||= outcome.status === 503;
      const backoff = Math.random() * Math.min(this.#options.maxBackoffMs ?? 2_000, BASE_BACKOFF_MS * 2 ** attempt);
      const wait = Math.max(backoff, (outcome.retryAfterSeconds ?? 0) * 1000);
      if (Date.now() + wait > this.#giveUpAt) {
        for (const id of ids) this.#neverAcknowledged.add(id);
        return;
      }
      await sleep(wait, this.#stop.signal);
    }
  }

  #event(messageId: string, batchName: string): Record<string, unknown> {
    const padding = this.#options.paddingBytes ?? 0;
    return {
      type: 'track',
      event: 'Fault Harness',
      userId: `user-${batchName}`,
      messageId,
      properties: padding > 0 ? { batch: batchName, padding: 'x'.repeat(padding) } : { batch: batchName },
    };
  }

  async #attempt(body: string): Promise<{ ok: boolean; status?: number; retryAfterSeconds?: number }> {
    const url = this.#options.target();
    this.#requests++;
    if (url === undefined) return this.#count('network', { ok: false });
    try {
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${this.#options.writeKey}:`).toString('base64')}` },
        body,
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 15_000),
      });
      await response.text();
      if (response.status === 200) return this.#count('200', { ok: true });
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status === 503) {
        this.#status503++;
        this.#first503At ??= Date.now();
        if (retryAfter > 0) this.#retryAfter503++;
      }
      return this.#count(String(response.status), retryAfter > 0 ? { ok: false, status: response.status, retryAfterSeconds: retryAfter } : { ok: false, status: response.status });
    } catch {
      return this.#count('network', { ok: false });
    }
  }

  #count<T>(outcome: string, result: T): T {
    this.#outcomes[outcome] = (this.#outcomes[outcome] ?? 0) + 1;
    return result;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
