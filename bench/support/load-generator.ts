/**
 * The load generator, run as its own process so it does not share an event loop with the server under
 * test. Takes one JSON argument (autocannon options) and prints autocannon's result as JSON.
 *
 * Every request gets fresh messageIds (`fresh-bodies.ts`): each MESSAGE_ID_PLACEHOLDER in the body is
 * overwritten per request, so the server's deduplication does not drop repeats.
 */
import autocannon from 'autocannon';
import { FreshBodies } from './fresh-bodies.js';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const bodies = new FreshBodies(typeof options.body === 'string' ? options.body : '');

const result = await autocannon({
  ...options,
  ...(bodies.hasPlaceholders ? { body: undefined, requests: [{ setupRequest: (request) => ({ ...request, body: bodies.next() }) }] } : {}),
});
process.stdout.write(JSON.stringify(result));
