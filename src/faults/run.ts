/**
 * `npm run faults` — the fault-injection harness of issue 5, long version by default:
 *
 *   npm run faults                               every scenario, long (~10–15 min)
 *   npm run faults -- --short                    the CI version (what faults.integration.test.ts runs)
 *   npm run faults -- --only kill,s3,disk,corrupt,clock
 *   npm run faults -- --json summary.json        also write the JSON summary there
 *
 * Prints a table (and details of anything wrong); exits 1 if any scenario lost, duplicated, misfiled
 * or invented an event, or missed one of its own expectations; 2 on bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { cleanUp, crashedResult, passed, scenarioNames, type ScenarioName, type ScenarioResult } from './harness/scenario.js';
import { formatDetails, formatTable, summaryJson } from './report.js';
import { scenarios } from './scenarios/index.js';

async function main(): Promise<number> {
  let values: { short?: boolean; only?: string; json?: string };
  try {
    ({ values } = parseArgs({ options: { short: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'string' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const chosen = (values.only ?? scenarioNames.join(',')).split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = chosen.filter((name) => !scenarioNames.includes(name as ScenarioName));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')} (known: ${scenarioNames.join(', ')})\n`);
    return 2;
  }
  const short = values.short === true;
  const results: ScenarioResult[] = [];
  for (const name of chosen as ScenarioName[]) {
    const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
    log(`${name}: starting (${short ? 'short' : 'long'})`);
    const startedAt = Date.now();
    // One scenario crashing (a harness or infrastructure error) is reported as its failure; the rest still run.
    const result = await scenarios[name]({ short, log }).catch((error: unknown) => crashedResult(name, startedAt, error));
    results.push(result);
    log(`${name}: ${passed(result) ? 'PASS' : 'FAIL'}`);
    await cleanUp(result);
  }
  process.stdout.write(`\n${formatTable(results)}\n\n${formatDetails(results)}\n`);
  const summary = summaryJson(results, short ? 'short' : 'long');
  if (values.json) await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(summary)}\n`);
  return results.every(passed) ? 0 : 1;
}

process.exitCode = await main();
