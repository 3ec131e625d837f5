/**
 * A reusable wake-up signal for one waiting loop: `wait(ms)` resolves when `wake()` is called or the
 * time passes, whichever comes first. A wake with nobody waiting is remembered, so it is never lost
 * between a loop's check and its wait.
 */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  wake(): void {
    if (this.#resolve) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  /** Forgets a remembered wake (its reason has been dealt with). */
  clear(): void {
    this.#pending = false;
  }

  /** Resolves on the next (or a remembered) wake, or after `timeoutMs` when given. */
  wait(timeoutMs?: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(), timeoutMs);
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.#resolve === done) this.#resolve = undefined;
        resolve();
      };
      this.#resolve = done;
    });
  }
}
