/**
 * The few types the integration tests need from the legacy `analytics-node` package, which ships
 * none (only the tests import it, to prove old clients still work against Sluice).
 */
declare module 'analytics-node' {
  type Callback = (error?: Error) => void;
  type Message = Record<string, unknown>;
  export default class Analytics {
    constructor(writeKey: string, options?: { host?: string; path?: string; flushAt?: number; flushInterval?: number; enable?: boolean });
    identify(message: Message, callback?: Callback): this;
    track(message: Message, callback?: Callback): this;
    page(message: Message, callback?: Callback): this;
    screen(message: Message, callback?: Callback): this;
    group(message: Message, callback?: Callback): this;
    alias(message: Message, callback?: Callback): this;
    flush(callback?: Callback): Promise<unknown>;
  }
}
