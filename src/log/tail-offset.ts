/**
 * Where a stream's recent tail starts (`EventLog.tailOffset`), from bookkeeping alone: the segment that
 * holds the byte `maxBytes` before the end, then the sparse index entry at or before that byte, which
 * is a record boundary. So the tail is at most one index step (64 KiB, or one large record) longer than
 * asked. A sealed segment found at start-up has no index until a backlog count builds one; then the
 * next segment's start, also a record boundary, is used: the tail is shorter than asked, never wrong.
 */
import type { SegmentChain } from './segment-chain.js';

export function tailOffsetOf(chain: SegmentChain, maxBytes: number): number {
  const target = Math.max(chain.startOffset, chain.endOffset - Math.max(0, maxBytes));
  const segments = chain.segments;
  const index = chain.indexOf(target);
  const segment = segments[index];
  if (!segment) return chain.startOffset;
  const position = target - segment.baseOffset;
  if (position === 0) return target;
  if (segment.index && segment.index.endPosition >= position) return segment.baseOffset + segment.index.entryAtOrBefore(position).position;
  return segments[index + 1]?.baseOffset ?? chain.endOffset;
}
