/**
 * Presentation of fault-run results: the printed table (one row per scenario) and the JSON summary
 * the lead turns into docs/RELIABILITY.md.
 */
import { passed, type ScenarioResult } from './harness/scenario.js';

const columns: [string, (result: ScenarioResult) => string][] = [
  ['scenario', (result) => result.name],
  ['result', (result) => (passed(result) ? 'PASS' : 'FAIL')],
  ['duration', (result) => `${(result.durationMs / 1000).toFixed(1)} s`],
  ['kills', (result) => String(result.kills)],
  ['requests', (result) => String(result.requests)],
  ['sent', (result) => String(result.eventsSent)],
  ['acked', (result) => String(result.acknowledged)],
  ['checked', (result) => String(result.check.checked)],
  ['lost', (result) => String(result.check.lost)],
  ['duplicated', (result) => String(result.check.duplicated)],
  ['wrong-day', (result) => String(result.check.wrongDay)],
  ['unexpected', (result) => String(result.check.unexpected)],
  ['503s', (result) => String(result.status503)],
  ['max recover', (result) => `${(result.maxRecoverMs / 1000).toFixed(1)} s`],
];

export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = [columns.map(([title]) => title), ...results.map((result) => columns.map(([, cell]) => cell(result)))];
  const widths = columns.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Per scenario: its notes, failures and problem examples, for reading under the table. */
export function formatDetails(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const { check } = result;
    lines.push(`${result.name}: ${check.objects} objects, ${check.days} day folder(s), ${result.neverAcknowledged} ids never acknowledged; duplicates by kind ${JSON.stringify(check.duplicatedByKind)}`);
    for (const note of result.notes) lines.push(`  note: ${note}`);
    for (const failure of result.failures) lines.push(`  FAILED: ${failure}`);
    if (check.lost > 0) lines.push(`  lost (first ${check.examples.lost.length}): ${check.examples.lost.join(' ')}`);
    if (check.duplicated > 0) lines.push(`  duplicated (first ${check.examples.duplicated.length}): ${check.examples.duplicated.map((d) => `${d.id}×${d.copies} (${d.kind})`).join(' ')}`);
    if (check.unexpected > 0) lines.push(`  unexpected: ${check.examples.unexpected.join(' ')}`);
    if (check.wrongDay > 0) lines.push(`  wrong day: ${check.examples.wrongDay.map((w) => `${w.messageId} ${w.receivedAt} in ${w.key}`).join('; ')}`);
    if (!passed(result) && result.dataDir !== '') lines.push(`  data directory kept: ${result.dataDir}`);
  }
  return lines.join('\n');
}

export function summaryJson(results: readonly ScenarioResult[], mode: 'short' | 'long'): unknown {
  return {
    mode,
    finishedAt: new Date().toISOString(),
    passed: results.every(passed),
    scenarios: results.map((result) => ({
      ...result,
      passed: passed(result),
      lost: result.check.lost,
      duplicated: result.check.duplicated,
      wrongDay: result.check.wrongDay,
      unexpected: result.check.unexpected,
      checked: result.check.checked,
    })),
  };
}
