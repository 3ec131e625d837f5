/**
 * Write-key authentication (DESIGN B2): `Authorization: Basic base64(writeKey:)` (the colon optional),
 * else `writeKey` in the JSON body. The header wins when both are present.
 */
import { SluiceError } from '../../errors/index.js';
import type { SourceDirectory, TrackedSource } from '../source-directory.js';

/** The write key of a Basic Authorization header, or undefined when there is none (or it is not Basic). */
export function writeKeyFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const writeKey = colon < 0 ? decoded : decoded.slice(0, colon);
  return writeKey === '' ? undefined : writeKey;
}

/** The enabled source of `writeKey`, or the 401/403 SluiceError to answer with. */
export function authenticate(sources: SourceDirectory, writeKey: string | undefined): TrackedSource {
  if (writeKey === undefined) throw new SluiceError('missing_write_key');
  const source = sources.lookup(writeKey);
  if (!source) throw new SluiceError('invalid_write_key');
  if (!source.enabled) throw new SluiceError('source_disabled');
  return source;
}
