/**
 * Errors of the log that are not public API codes: they signal a damaged file or a caller bug, which
 * no HTTP client can fix, so they are plain errors with messages that name the place.
 */

/** Bytes inside the retained log that are not a valid record (damage in an already-synced segment). */
export class LogCorruptionError extends Error {
  constructor(
    readonly stream: string,
    readonly segment: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`Event log stream "${stream}" is damaged at offset ${offset} (${segment}): ${reason}. Reading stops here.`);
    this.name = 'LogCorruptionError';
  }
}

/** A read offset that is not the start of a record (offsets must come from `offset`/`nextOffset`). */
export class InvalidOffsetError extends RangeError {
  constructor(
    readonly stream: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`Offset ${offset} is not the start of a record in stream "${stream}" (${reason}); use an offset or nextOffset the log returned.`);
    this.name = 'InvalidOffsetError';
  }
}
