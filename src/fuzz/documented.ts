/**
 * What a documented answer is (docs/errors.md, DESIGN B2/B4), as checks the fuzzers apply to every
 * response: an error is `{success:false, code, message}` with a code from src/errors/codes.ts, answered
 * with that code's status, and the code belongs to the API that answered; the only 5xx allowed are the
 * documented ones (log full/unavailable with Retry-After; a flush's delivery errors). Each check returns
 * a list of problems (empty: documented), so a property can report all of them at once.
 */
import { errorCodes, type ErrorCode } from '../errors/codes.js';

/** Per-event rejection codes (inside a batch's `rejected`, or a single-event route's error). */
export const eventCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_event',
  'event_too_large',
  'invalid_type',
  'missing_user_id',
  'missing_event_name',
  'missing_group_id',
  'missing_previous_id',
  'invalid_properties',
  'invalid_traits',
  'invalid_context',
  'invalid_integrations',
  'invalid_message_id',
  'invalid_timestamp',
]);

const trackingRequestCodes: readonly ErrorCode[] = [
  'invalid_json',
  'unsupported_content_type',
  'unsupported_content_encoding',
  'invalid_gzip',
  'request_too_large',
  'too_many_events',
  'invalid_batch',
  'bad_request',
  'no_valid_events',
  'missing_write_key',
  'invalid_write_key',
  'source_disabled',
  'rate_limited',
  'log_full',
  'log_unavailable',
  'not_found',
  'method_not_allowed',
];
export const trackingCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([...trackingRequestCodes, ...eventCodes]);

/** Admin API: every code except the Tracking API's own (the shared request-level ones stay). */
export const adminCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(
  (Object.keys(errorCodes) as ErrorCode[]).filter(
    (code) =>
      code !== 'internal_error' &&
      !eventCodes.has(code) &&
      !['invalid_json', 'unsupported_content_encoding', 'invalid_gzip', 'too_many_events', 'invalid_batch', 'no_valid_events', 'missing_write_key', 'invalid_write_key', 'source_disabled', 'rate_limited', 'log_full', 'log_unavailable', 'not_ready'].includes(code),
  ),
);

/** 5xx codes that are documented answers (each needs its own condition; see the table). */
const documented5xx: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['log_full', 'log_unavailable', 'delivery_failed', 'delivery_stopped', 'not_ready']);
const retryAfterCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['log_full', 'log_unavailable', 'rate_limited', 'too_many_login_attempts']);

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The error body checks shared by both APIs. */
export function errorProblems(answer: HttpAnswer, allowed: ReadonlySet<ErrorCode>): string[] {
  const parsed = parseJson(answer.body);
  if (!parsed.ok || !isObject(parsed.value)) return [`${answer.status} with a body that is not a JSON object: ${answer.body.toString('utf8').slice(0, 200)}`];
  const { success, code, message } = parsed.value;
  const problems: string[] = [];
  if (success !== false) problems.push(`${answer.status} error body without success:false`);
  if (typeof message !== 'string') problems.push(`${answer.status} error body without a message`);
  if (typeof code !== 'string' || !Object.hasOwn(errorCodes, code)) return [...problems, `${answer.status} with undocumented code ${JSON.stringify(code)}`];
  const known = code as ErrorCode;
  if (!allowed.has(known)) problems.push(`${answer.status} ${known}: a code this API does not document`);
  if (errorCodes[known].status !== answer.status) problems.push(`${known} answered ${answer.status}, documented ${errorCodes[known].status}`);
  if (answer.status >= 500 && !documented5xx.has(known)) problems.push(`${answer.status} ${known}: an undocumented 5xx`);
  if (retryAfterCodes.has(known) && answer.headers['retry-after'] === undefined) problems.push(`${known} without Retry-After`);
  return problems;
}

/** The error code of a JSON error body, if any (for tallies). */
export function codeOf(body: Buffer): string | undefined {
  const parsed = parseJson(body);
  return parsed.ok && isObject(parsed.value) && typeof parsed.value.code === 'string' ? parsed.value.code : undefined;
}

/** A Tracking API answer to an ingest route: `{"success":true}` (+ `rejected`) or a documented error. */
export function trackingProblems(answer: HttpAnswer, route: string): string[] {
  if (answer.status === 204 && answer.body.length === 0) return []; // CORS preflight
  if (answer.status !== 200) return errorProblems(answer, trackingCodes);
  const parsed = parseJson(answer.body);
  if (route.endsWith('/settings')) {
    // The settings document analytics-next reads (DESIGN B2), not a success body.
    const integrations = parsed.ok && isObject(parsed.value) ? parsed.value.integrations : undefined;
    return isObject(integrations) && isObject(integrations['Segment.io']) ? [] : [`settings 200 without integrations["Segment.io"]: ${answer.body.toString('utf8').slice(0, 200)}`];
  }
  if (!parsed.ok || !isObject(parsed.value) || parsed.value.success !== true) return [`200 without {"success":true}: ${answer.body.toString('utf8').slice(0, 200)}`];
  const { rejected, ...rest } = parsed.value;
  const problems: string[] = [];
  if (Object.keys(rest).length !== 1) problems.push(`200 body with unexpected fields: ${Object.keys(rest).join(',')}`);
  if (rejected === undefined) return problems;
  if (!Array.isArray(rejected) || rejected.length === 0) return [...problems, `200 with a malformed "rejected": ${JSON.stringify(rejected).slice(0, 200)}`];
  for (const entry of rejected) {
    if (!isObject(entry) || !Number.isInteger(entry.index) || typeof entry.message !== 'string' || !eventCodes.has(entry.code as ErrorCode)) {
      problems.push(`rejected entry not {index, documented event code, message}: ${JSON.stringify(entry).slice(0, 200)}`);
    }
  }
  return problems;
}

/** An admin API answer: a 2xx with a JSON body (204: none), or a documented error. */
export function adminProblems(answer: HttpAnswer): string[] {
  if (answer.status === 204) return answer.body.length === 0 ? [] : ['204 with a body'];
  if (answer.status >= 200 && answer.status < 300) {
    const parsed = parseJson(answer.body);
    return parsed.ok && isObject(parsed.value) ? [] : [`${answer.status} without a JSON object body: ${answer.body.toString('utf8').slice(0, 200)}`];
  }
  return errorProblems(answer, adminCodes);
}
