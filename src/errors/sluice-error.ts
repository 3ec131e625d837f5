import { errorCodes, type ErrorCode } from './codes.js';

/** The JSON body of every error response, Tracking and Admin API alike (DESIGN B2/B4). */
export interface ErrorBody {
  success: false;
  code: ErrorCode;
  message: string;
}

/**
 * An expected failure with a public code. Thrown (or returned) by handlers; the HTTP layer turns it into
 * `{success:false, code, message}` with the code's status. `retryAfterSeconds` adds a Retry-After header.
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message ?? errorCodes[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.statusCode = errorCodes[code].status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return { success: false, code: this.code, message: this.message };
  }
}
