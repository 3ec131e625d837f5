/**
 * The load generator, run as its own process so it does not share an event loop with the server under
 * test. Takes one JSON argument (autocannon options) and prints autocannon's result as JSON.
 *
 * Every request gets fresh messageIds: each MESSAGE_ID_PLACEHOLDER in the body is overwritten in place
 * (same length, so Content-Length holds) with this process's random prefix and a request counter.
 * That costs a body copy per request (a few µs), the same for every target.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { MESSAGE_ID_PLACEHOLDER } from './events.js';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const template = Buffer.from(typeof options.body === 'string' ? options.body : '');
const positions: number[] = [];
for (let at = template.indexOf(MESSAGE_ID_PLACEHOLDER); at !== -1; at = template.indexOf(MESSAGE_ID_PLACEHOLDER, at + 1)) positions.push(at);

const prefix = randomBytes(3).toString('hex');
let counter = 0;
const freshBody = (): Buffer => {
  const body = Buffer.from(template);
  const unique = Buffer.from(prefix + (counter++).toString(36).padStart(MESSAGE_ID_PLACEHOLDER.length - prefix.length, '0'));
  for (const at of positions) unique.copy(body, at);
  return body;
};

const result = await autocannon({
  ...options,
  ...(positions.length > 0 ? { body: undefined, requests: [{ setupRequest: (request) => ({ ...request, body: freshBody() }) }] } : {}),
});
process.stdout.write(JSON.stringify(result));
