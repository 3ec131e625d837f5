/**
 * Updates an API token's `lastUsedAt` at most once a minute per token, so a script polling the API
 * does not turn every read into a metadata write. Remembers at most `maxTokens` tokens (the oldest
 * touch is forgotten first; forgetting only costs one extra write).
 */
import type { IdentityStore } from '../control/identity-store.js';

export class TokenTouchThrottle {
  readonly #store: Pick<IdentityStore, 'touchApiToken'>;
  readonly #intervalMs: number;
  readonly #maxTokens: number;
  /** Token id → last write (ms); Map order = oldest write first. */
  readonly #lastWrite = new Map<string, number>();

  constructor(store: Pick<IdentityStore, 'touchApiToken'>, options: { intervalMs?: number; maxTokens?: number } = {}) {
    this.#store = store;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxTokens = options.maxTokens ?? 10_000;
  }

  async touch(tokenId: string, now: Date): Promise<void> {
    const last = this.#lastWrite.get(tokenId);
    if (last !== undefined && now.getTime() - last < this.#intervalMs) return;
    this.#lastWrite.delete(tokenId);
    this.#lastWrite.set(tokenId, now.getTime());
    if (this.#lastWrite.size > this.#maxTokens) this.#lastWrite.delete(this.#lastWrite.keys().next().value!);
    await this.#store.touchApiToken(tokenId, now);
  }
}
