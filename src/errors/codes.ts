/**
 * Every error code Sluice answers with, in one table (STYLE 6). A code is public contract: clients and
 * scripts match on it, so a code is never renamed or reused once shipped; retire it instead.
 * `docs/errors.md` is kept in sync with this table by `codes.test.ts`.
 *
 * Each entry: the HTTP status it is answered with and a default human message.
 */
export const errorCodes = {
  // --- Tracking API: request level -------------------------------------------------------------
  invalid_json: { status: 400, message: 'The body is not valid JSON.' },
  unsupported_content_type: { status: 400, message: 'The body must be application/json or text/plain holding JSON.' },
  unsupported_content_encoding: { status: 400, message: 'Only gzip (or no) Content-Encoding is accepted.' },
  invalid_gzip: { status: 400, message: 'The gzip-encoded body could not be decompressed.' },
  request_too_large: { status: 400, message: 'The request body (after decompression) exceeds the request size limit.' },
  too_many_events: { status: 400, message: 'The batch holds more events than the per-batch limit.' },
  invalid_batch: { status: 400, message: 'The body must hold a "batch" array of events.' },
  bad_request: { status: 400, message: 'The request could not be read.' },
  no_valid_events: { status: 400, message: 'No event in the batch was valid; see "rejected".' },
  missing_write_key: { status: 401, message: 'No write key: send it as HTTP Basic auth username or as "writeKey" in the body.' },
  invalid_write_key: { status: 401, message: 'The write key does not belong to any source.' },
  source_disabled: { status: 403, message: 'The source of this write key is disabled.' },
  rate_limited: { status: 429, message: 'Too many requests; retry after the Retry-After delay.' },
  log_full: { status: 503, message: 'The event log has reached its disk budget; retry after the Retry-After delay.' },
  log_unavailable: { status: 503, message: 'The event log cannot accept writes right now; retry after the Retry-After delay.' },

  // --- Tracking API: event level (rejected individually inside a batch; Segment's discard reasons) ---
  invalid_event: { status: 400, message: 'The event must be a JSON object.' },
  event_too_large: { status: 400, message: 'The event exceeds the per-event size limit.' },
  invalid_type: { status: 400, message: 'The event "type" is missing or not one of identify, track, page, screen, group, alias.' },
  missing_user_id: { status: 400, message: 'A non-empty "userId" or "anonymousId" is required.' },
  missing_event_name: { status: 400, message: 'A track call needs a non-empty string "event".' },
  missing_group_id: { status: 400, message: 'A group call needs a non-empty "groupId".' },
  missing_previous_id: { status: 400, message: 'An alias call needs a non-empty "previousId".' },
  invalid_properties: { status: 400, message: '"properties" must be an object when present.' },
  invalid_traits: { status: 400, message: '"traits" must be an object when present.' },
  invalid_context: { status: 400, message: '"context" must be an object when present.' },
  invalid_integrations: { status: 400, message: '"integrations" must be an object when present.' },
  invalid_message_id: { status: 400, message: '"messageId" must be a string of at most 100 characters.' },
  invalid_timestamp: { status: 400, message: 'A timestamp field is not an ISO-8601 date.' },

  // --- Admin API: authentication and access ---------------------------------------------------------
  invalid_credentials: { status: 401, message: 'The email or password is wrong.' },
  unauthenticated: { status: 401, message: 'Log in first: send "Authorization: Bearer <token>" (or the session cookie).' },
  forbidden: { status: 403, message: 'Your role in this workspace does not allow this.' },
  invalid_request: { status: 400, message: 'The request body is invalid; the message says which field.' },
  mfa_required: { status: 403, message: 'This workspace requires a second factor: log in with your TOTP code (or use an API token).' },
  last_owner: { status: 409, message: 'A workspace keeps at least one owner: add another owner first.' },
  workspace_exists: { status: 409, message: 'A workspace with that slug already exists.' },
  member_exists: { status: 409, message: 'That user is already a member of this workspace.' },
  too_many_login_attempts: { status: 429, message: 'Too many failed login attempts for this account or from this address; retry after the Retry-After delay.' },
  mfa_code_required: { status: 401, message: 'This account has TOTP enabled: send the current 6-digit code as "totp".' },
  invalid_mfa_code: { status: 401, message: 'The TOTP code is wrong, expired, or was already used.' },
  mfa_already_enabled: { status: 409, message: 'TOTP is already enabled for this account; disable it first to enrol again.' },
  mfa_not_enrolled: { status: 409, message: 'No TOTP enrolment in that state: start one with POST /api/v1/auth/mfa/totp (or enable it before disabling).' },

  // --- Delivery and destinations (admin API) ------------------------------------------------------
  unknown_destination_type: { status: 400, message: 'No destination type has that name.' },
  invalid_destination_setting: { status: 400, message: 'A destination setting is missing or invalid; the message names it.' },
  invalid_destination: { status: 400, message: 'The destination request is invalid; the message says which field.' },
  unknown_source: { status: 400, message: 'A source in "sourceIds" does not exist in this workspace.' },
  destination_disabled: { status: 409, message: 'The destination is disabled; enable it to deliver.' },
  delivery_failed: { status: 502, message: 'The destination did not accept the delivery; it is retried, and the status shows the error.' },
  delivery_stopped: { status: 503, message: 'Delivery for this destination stopped (shutdown, disable or delete) before the flush finished.' },

  // --- Generic -----------------------------------------------------------------------------------
  not_found: { status: 404, message: 'Not found.' },
  not_ready: { status: 503, message: 'Not ready: a dependency (event log, metadata store) is unavailable.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  internal_error: { status: 500, message: 'Internal error; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
