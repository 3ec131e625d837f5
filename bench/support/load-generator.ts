/**
 * The load generator, run as its own process so it does not share an event loop with the server under
 * test. Takes one JSON argument (autocannon options) and prints autocannon's result as JSON.
 */
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const result = await autocannon({ ...options });
process.stdout.write(JSON.stringify(result));
