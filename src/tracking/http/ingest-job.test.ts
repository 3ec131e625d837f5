/**
 * The ingest job's output as the event log takes it: every kept record preceded by its frame header
 * for the request's receive time (PackedRecords.framed), whether the line buffer grew or a rejected
 * event left a gap, so the log appends the frames as they lie and reads them back intact.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, probeFrame } from '../../log/frame-codec.js';
import { runIngestJob, type IngestJobFacts } from './ingest-job.js';

const facts: IngestJobFacts = { sourceId: 'src_job', receivedAtMs: 1_736_935_200_123, ip: '10.1.2.3', maxBatchEvents: 100, maxEventBytes: 32 * 1024, fingerprints: true };

function run(batch: readonly object[]) {
  const result = runIngestJob(Buffer.from(JSON.stringify({ batch })), facts);
  if (!result.ok) throw new Error(`job failed: ${result.message}`);
  return result;
}

/** Each record's frame, read back the way the log reads it. */
function framesOf(result: ReturnType<typeof run>) {
  const bytes = Buffer.from(result.buffer);
  return Array.from({ length: result.positions.length / 2 }, (_, index) => {
    const start = result.positions[index * 2]!;
    const length = result.positions[index * 2 + 1]!;
    const probe = probeFrame(bytes, start - FRAME_HEADER_BYTES, bytes.length, bytes.length - start + FRAME_HEADER_BYTES);
    expect(probe.kind).toBe('record');
    if (probe.kind !== 'record') throw new Error('not a frame');
    expect(probe.timestamp).toBe(facts.receivedAtMs);
    expect(probe.payload.equals(bytes.subarray(start, start + length))).toBe(true);
    return JSON.parse(probe.payload.toString()) as { messageId: string; event?: string };
  });
}

describe('runIngestJob', () => {
  it('frames every stored line for the receive time', () => {
    const result = run([
      { type: 'track', messageId: 'a', userId: 'u', event: 'One' },
      { type: 'identify', messageId: 'b', anonymousId: 'x', traits: { name: 'Zoë' } },
      { type: 'track', messageId: 'c', userId: 'u', event: 'Three' },
    ]);
    expect(result.framed).toBe(true);
    expect(framesOf(result).map((event) => event.messageId)).toEqual(['a', 'b', 'c']);
  });

  it('frames the lines after the line buffer grew and around a rejected event', () => {
    const result = run([
      { type: 'track', messageId: 'a', userId: 'u', event: 'é'.repeat(12_000) },
      { type: 'track', messageId: 'big', userId: 'u', event: 'x'.repeat(40_000) },
      { type: 'track', messageId: 'c', userId: 'u', event: 'ü'.repeat(9_000) },
    ]);
    expect(result.rejected.map((rejection) => rejection.index)).toEqual([1]);
    expect(framesOf(result).map((event) => event.messageId)).toEqual(['a', 'c']);
  });
});
