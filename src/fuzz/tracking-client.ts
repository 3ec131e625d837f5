/**
 * How the tracking fuzzers talk to the server and judge its answers: one raw request with a deadline,
 * its outcome checked against the documented answers (documented.ts), tallied for the run report; and
 * a liveness probe (`GET /healthz`) after each run.
 */
import { trackingProblems, codeOf, type HttpAnswer } from './documented.js';
import type { FuzzTotals } from './fuzz-config.js';
import { sendRaw, type RawRequest } from './raw-http.js';

/** Longer than any honest answer takes on a loaded 2-core machine; reaching it is a hang. */
export const REQUEST_DEADLINE_MS = 10_000;

export async function exchange(port: number, request: RawRequest, totals: FuzzTotals): Promise<{ answer?: HttpAnswer; problems: string[] }> {
  const outcome = await sendRaw(port, request, REQUEST_DEADLINE_MS);
  if (outcome.kind !== 'response') {
    totals.count(outcome.kind);
    return { problems: [`no answer (${outcome.kind}) after ${outcome.received.length} bytes: ${outcome.received.toString('latin1').slice(0, 200)}`] };
  }
  const answer: HttpAnswer = { status: outcome.status, headers: outcome.headers, body: outcome.body };
  totals.count(answer.status, codeOf(answer.body));
  return { answer, problems: [] };
}

/** Every way an answer to `request` on the tracking listener is undocumented (empty: fine). */
export function trackingAnswerProblems(request: RawRequest, answer: HttpAnswer): string[] {
  const path = request.path.split('?', 1)[0]!;
  if (request.method === 'HEAD') return [];
  if (/^\/(healthz|readyz)$/.test(path) && answer.status === 200) return [];
  return trackingProblems(answer, path);
}

/** Sends one Tracking API request and lists every way its answer is undocumented (empty: fine). */
export async function trackingExchange(port: number, request: RawRequest, totals: FuzzTotals): Promise<{ answer?: HttpAnswer; problems: string[] }> {
  const result = await exchange(port, request, totals);
  if (!result.answer) return result;
  return { answer: result.answer, problems: trackingAnswerProblems(request, result.answer) };
}

export async function stillHealthy(port: number, totals: FuzzTotals): Promise<string[]> {
  const { answer, problems } = await exchange(port, { method: 'GET', path: '/healthz', headers: [] }, totals);
  if (!answer) return problems.map((problem) => `GET /healthz afterwards: ${problem}`);
  return answer.status === 200 ? [] : [`GET /healthz afterwards answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 200)}`];
}

export const basicAuth = (writeKey: string): string => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
