/**
 * `npm run soak -- --minutes N [--rate R] [--json file] [--interval-seconds S] [--connections C]
 * [--keep-data]`: the soak run of issue 5 (run-soak.ts). Prints a row per interval and a verdict;
 * exits 1 when the verdict fails (thresholds in verdict.ts, printed with the verdict), 2 on bad usage.
 * `--json file` writes every sample, the load's totals and the verdict.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runSoak } from './run-soak.js';

const usage = 'usage: npm run soak -- --minutes N [--rate requests/s] [--json file] [--interval-seconds S] [--connections C] [--keep-data]';

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got "${text}"\n${usage}\n`);
    process.exit(2);
  }
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      minutes: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'string' },
      'interval-seconds': { type: 'string' },
      connections: { type: 'string' },
      'keep-data': { type: 'boolean' },
    },
  }).values;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
const minutes = positive('minutes', parsed.minutes);
if (minutes === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const connections = positive('connections', parsed.connections);

const result = await runSoak({
  minutes,
  rate: positive('rate', parsed.rate),
  intervalSeconds: positive('interval-seconds', parsed['interval-seconds']),
  connections: connections === undefined ? undefined : Math.round(connections),
  keepData: parsed['keep-data'] ?? false,
});
if (parsed.json) {
  await writeFile(parsed.json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`samples and verdict written to ${parsed.json}\n`);
}
process.exitCode = result.verdict.pass ? 0 : 1;
