/**
 * A destination for runner tests: keeps each delivered object in memory under a key derived from the
 * batch's offsets (as real destinations do), and fails on demand. Overwriting a key with different
 * content is recorded as a violation, since exactly-once depends on identical redeliveries.
 */
import type { DeliveredObject, DeliveryBatch, Destination } from '../destination.js';

export class InjectedFailure extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

export class FakeDestination implements Destination {
  /** key → the NDJSON lines written. */
  readonly objects = new Map<string, string[]>();
  readonly violations: string[] = [];
  deliveries = 0;
  attempts = 0;
  #failures: InjectedFailure[] = [];
  #gate: Promise<void> | undefined;

  /** The next `count` deliveries fail with this error. */
  failNext(count: number, message = 'injected failure', retriable = true): void {
    for (let index = 0; index < count; index++) this.#failures.push(new InjectedFailure(message, retriable));
  }

  /** Deliveries wait until the returned function is called (to stop a runner mid-upload). */
  hold(): () => void {
    let release!: () => void;
    this.#gate = new Promise((resolve) => (release = resolve));
    return () => {
      this.#gate = undefined;
      release();
    };
  }

  async deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveredObject[]> {
    this.attempts++;
    if (this.#gate) {
      await Promise.race([this.#gate, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    }
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const lines: string[] = [];
    for await (const chunk of batch.chunks()) for (const record of chunk) lines.push(record.data.toString('utf8'));
    if (lines.length === 0) return [];
    const key = `${batch.sourceId}/${String(batch.firstOffset).padStart(12, '0')}-${String(batch.endOffset).padStart(12, '0')}`;
    const previous = this.objects.get(key);
    if (previous && previous.join('\n') !== lines.join('\n')) this.violations.push(`${key} rewritten with different content`);
    this.objects.set(key, lines);
    this.deliveries++;
    return [{ key, events: lines.length, bytes: lines.reduce((sum, line) => sum + line.length + 1, 0) }];
  }

  isRetriable(error: unknown): boolean {
    return !(error instanceof InjectedFailure) || error.retriable;
  }

  describeError(error: unknown): string {
    return `fake: ${(error as Error).message}`;
  }

  /** Every line in every object, in key order. */
  allLines(): string[] {
    return [...this.objects.keys()].sort().flatMap((key) => this.objects.get(key)!);
  }
}
