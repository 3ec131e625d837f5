/**
 * One `sluice serve` child over the life of a scenario: start, kill -9, restart on the same data
 * directory, stop cleanly. Builds on src/delivery/test-support/child-server.ts (which spawns the real
 * CLI through tsx); this adds what a long run needs: the current URL for the load (undefined while
 * the child is down), the write key and an admin session kept across restarts, and a kill count.
 */
import { login, startChildServer, type ChildServer } from '../../delivery/test-support/child-server.js';

export class ChildRunner {
  readonly dataDir: string;
  readonly #env: Record<string, string>;
  #current: ChildServer | undefined;
  #writeKey: string | undefined;
  #token: string | undefined;
  #kills = 0;
  #starts = 0;
  /** Everything every child printed to stdout (log lines), oldest first. */
  #pastStdout = '';

  constructor(dataDir: string, env: Record<string, string> = {}) {
    this.dataDir = dataDir;
    this.#env = env;
  }

  /** Base URL of the running child; undefined while none is listening. */
  url(): string | undefined {
    return this.#current?.url;
  }

  get kills(): number {
    return this.#kills;
  }

  /** How many times a child was started (restarts included). */
  get starts(): number {
    return this.#starts;
  }

  /** The default source's write key (printed on the first start only, so kept from it). */
  get writeKey(): string {
    if (this.#writeKey === undefined) throw new Error('the child has not printed a write key yet');
    return this.#writeKey;
  }

  /** An admin session (sessions live in the metadata store, so one login serves every restart). */
  get token(): string {
    if (this.#token === undefined) throw new Error('not logged in yet');
    return this.#token;
  }

  /** Log lines of every child so far, the running one included. */
  stdout(): string {
    return this.#pastStdout + (this.#current?.stdout() ?? '');
  }

  async start(): Promise<ChildServer> {
    if (this.#current) throw new Error('a child is already running');
    const child = await startChildServer(this.dataDir, this.#env);
    this.#current = child;
    this.#starts++;
    this.#writeKey ??= child.writeKey;
    if (this.#token === undefined) {
      this.#token = await login(child.url);
      if (this.#token === undefined) throw new Error(`could not log in to the child: ${child.stderr()}`);
    }
    return child;
  }

  /** kill -9: no shutdown, nothing flushed; resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.#take();
    child.process.kill('SIGKILL');
    const how = await child.exited;
    if (how !== 'SIGKILL') throw new Error(`child exited with ${String(how)} before the kill -9: ${child.stderr()}`);
    this.#kills++;
  }

  /** SIGTERM, the clean shutdown; rejects if the child does not exit 0. */
  async stop(): Promise<void> {
    if (!this.#current) return;
    const child = this.#take();
    child.process.kill('SIGTERM');
    const how = await child.exited;
    if (how !== 0) throw new Error(`child exited with ${String(how)} on SIGTERM: ${child.stderr()}`);
  }

  #take(): ChildServer {
    const child = this.#current;
    if (!child) throw new Error('no child is running');
    this.#current = undefined;
    this.#pastStdout += child.stdout();
    return child;
  }
}
