/**
 * The load generator, run as its own process so it does not share an event loop with the server under
 * test. Takes one JSON argument (autocannon options) and prints autocannon's result as JSON.
 *
 * Every request gets fresh messageIds (`fresh-bodies.ts`): each MESSAGE_ID_PLACEHOLDER in the body is
 * overwritten per request, so the server's deduplication does not drop repeats.
 *
 * In place: each autocannon client keeps its request prebuilt (headers + body) and emits 'request'
 * just before writing it (node_modules/autocannon/lib/httpClient.js `_doRequest`), so the listener
 * rewrites the placeholders inside that buffer. Rebuilding the request per request instead (a
 * `setupRequest` returning a fresh body) cost the generator ~90 µs per 40 KB batch request, about as
 * much as everything else it does: CPU taken from whichever server shares the machine with it. Safe
 * because each client waits for an answer before its next request (no pipelining), so the previous
 * write has left the buffer.
 */
import autocannon from 'autocannon';
import { FreshBodies } from './fresh-bodies.js';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const bodies = new FreshBodies(typeof options.body === 'string' ? options.body : '');

if ((options.pipelining ?? 1) !== 1) throw new Error('load-generator: fresh bodies are rewritten in place, which needs pipelining 1.');
const result = await autocannon({
  ...options,
  setupClient: (client) => {
    const internal = client as unknown as { getRequestBuffer(): Buffer; on(event: 'request', listener: () => void): void };
    internal.on('request', () => bodies.refreshInPlace(internal.getRequestBuffer()));
  },
});
process.stdout.write(JSON.stringify(result));
