/**
 * A 64-bit fingerprint of a messageId: two independent 32-bit hashes of its UTF-16 code units (FNV-1a,
 * and a MurmurHash3-style mix with its finalizer). Deduplication keeps fingerprints instead of strings:
 * 12 bytes an id in typed arrays, no string hashing or garbage on the hot path, and the ingest workers
 * can compute them off the main thread.
 *
 * The price is a chance that two different ids collide: with n ids remembered it is about n / 2^64 per
 * event (2 · 10^5 / 1.8 · 10^19 ≈ 10^-14: one wrongly dropped event in a hundred trillion).
 *
 * (0, 0) means "no client messageId"; a real id hashing to it is moved to (0, 1).
 */

/** Writes the fingerprint of `id` at `into[at]`, `into[at + 1]`. */
export function writeFingerprint(id: string, into: Uint32Array, at: number): void {
  let fnv = 0x811c9dc5;
  let murmur = 0x9747b28c ^ id.length;
  for (let index = 0; index < id.length; index++) {
    const unit = id.charCodeAt(index);
    fnv = Math.imul(fnv ^ unit, 0x01000193);
    let k = Math.imul(unit, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    murmur ^= k;
    murmur = (murmur << 13) | (murmur >>> 19);
    murmur = (Math.imul(murmur, 5) + 0xe6546b64) | 0;
  }
  murmur ^= murmur >>> 16;
  murmur = Math.imul(murmur, 0x85ebca6b);
  murmur ^= murmur >>> 13;
  murmur = Math.imul(murmur, 0xc2b2ae35);
  murmur ^= murmur >>> 16;
  into[at] = fnv >>> 0;
  into[at + 1] = murmur >>> 0;
  if (into[at] === 0 && into[at + 1] === 0) into[at + 1] = 1;
}
