/**
 * One batch request's CPU work, as an ingest worker does it (src/tracking/http/ingest-pool.ts): ONE
 * validating pass over the body that builds only what ingest reads and indexes each event
 * (core/shallow-batch.ts; JSON.parse when it declines), the envelope, then the pure core (validate →
 * enrich → splice or stringify per event) and UTF-8 encoding of every stored line into ONE buffer,
 * returned with each record's position in it. Runs in a worker thread, so it gets only cloneable facts: the request's clock,
 * address and source were settled by the main thread; messageIds are generated here (randomUUID).
 *
 * The answer is cloneable too, and its buffer is a dedicated ArrayBuffer the worker transfers (no
 * copy); the main thread turns positions into views and appends them.
 */
import { randomUUID } from 'node:crypto';
import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../../errors/codes.js';
import { readBatchEnvelope } from '../core/envelope.js';
import { ingestEvents, type RejectedEvent } from '../core/ingest.js';
import { fingerprintsOf } from '../dedup/deduplicator.js';
import { BufferRecycler } from '../../workers/buffer-recycler.js';
import { FRAME_HEADER_BYTES, frameHeaderAt } from '../../log/frame-codec.js';
import { LineBuffer } from './line-buffer.js';
import { parseBatchBody } from './raw-body.js';

/** What the main thread knows about the request, already resolved. */
export interface IngestJobFacts {
  readonly sourceId: string;
  readonly receivedAtMs: number;
  readonly ip: string | undefined;
  readonly maxBatchEvents: number;
  readonly maxEventBytes: number;
  /** Whether the main thread deduplicates (then the worker computes the messageId fingerprints). */
  readonly fingerprints: boolean;
}

export type IngestJobResult =
  | {
      readonly ok: true;
      /** Every stored line, back to back (rejected too-large events may leave unused gaps). */
      readonly buffer: ArrayBuffer;
      /** Per record: start, length; in event order. */
      readonly positions: Uint32Array;
      /** Each record is preceded by its event-log frame header for `receivedAtMs` (PackedRecords.framed). */
      readonly framed: boolean;
      /** Per record: the fingerprint of the messageId the client sent, (0, 0) when Sluice made one (dedup/). */
      readonly fingerprints: Uint32Array;
      readonly rejected: RejectedEvent[];
    }
  /** A request-level refusal: `parse` before authentication and rate limiting would have run, `envelope` after. */
  | { readonly ok: false; readonly stage: 'parse' | 'envelope'; readonly code: ErrorCode; readonly message: string };

export interface IngestJobRequest {
  readonly id: number;
  /** The body is its first `bodyBytes` bytes (a recycled buffer may be larger). */
  readonly body: ArrayBuffer;
  readonly bodyBytes: number;
  readonly facts: IngestJobFacts;
  /** Output buffers of earlier jobs, handed back by the main thread once their records were appended. */
  readonly recycled?: ArrayBuffer[];
}

export type IngestJobReply = { readonly id: number; readonly result: IngestJobResult; readonly body?: ArrayBuffer };

/** Parses and ingests one `/batch` body (the bytes are the request's decoded body). */
export function runIngestJob(body: Uint8Array, facts: IngestJobFacts, outputs?: BufferRecycler): IngestJobResult {
  const parsed = parseBatchBody(body, facts.maxEventBytes);
  // Same words as parseJsonBody (read-body.ts), so both paths answer alike.
  if (!parsed.ok) return { ok: false, stage: 'parse', code: 'invalid_json', message: `The body is not valid JSON: ${parsed.message}` };
  const envelope = readBatchEnvelope(parsed.body, facts.maxBatchEvents);
  if (!envelope.ok) return { ok: false, stage: 'envelope', code: envelope.code, message: envelope.message };
  const output = LineBuffer.forRequest(body.byteLength, envelope.events.length, { transferable: true, recycler: outputs, roomBeforeEachLine: FRAME_HEADER_BYTES });
  const { records, rejected } = ingestEvents(
    envelope,
    undefined,
    {
      sourceId: facts.sourceId,
      receivedAtMs: facts.receivedAtMs,
      receivedAt: new Date(facts.receivedAtMs).toISOString(),
      ip: facts.ip,
      batchSentAt: envelope.batchSentAt,
      batchSentAtMs: envelope.batchSentAtMs,
      batchContext: envelope.batchContext,
      batchIntegrations: envelope.batchIntegrations,
      newMessageId: randomUUID,
    },
    { maxEventBytes: facts.maxEventBytes, encode: (line) => output.write(line), raw: parsed.raw },
  );
  const positions = new Uint32Array(records.length * 2);
  const fingerprints = facts.fingerprints ? fingerprintsOf(records) : new Uint32Array(0);
  const framed = output.bytes;
  for (let index = 0; index < records.length; index++) {
    // Views made before a growth point into the old buffer at the same positions (growth copies from 0).
    const start = records[index]!.data.byteOffset;
    const length = records[index]!.data.byteLength;
    positions[index * 2] = start;
    positions[index * 2 + 1] = length;
    // The log's frame header in the room left before the line: the event loop then appends the
    // records as they lie, with no CRC and no object per record (PackedRecords.framed).
    frameHeaderAt(framed, start - framed.byteOffset - FRAME_HEADER_BYTES, length, facts.receivedAtMs);
  }
  return { ok: true, buffer: output.buffer, positions, fingerprints, rejected, framed: true };
}

/** Answers jobs posted on `port` with `run` (the worker entry, and test workers that inject faults). */
export function answerIngestJobs(
  port: MessagePort,
  run: (body: Uint8Array, facts: IngestJobFacts, outputs?: BufferRecycler) => IngestJobResult = runIngestJob,
): void {
  // Bounded by the jobs a worker takes at once (ingest-pool.ts): that many buffers are ever out.
  const outputs = new BufferRecycler({ maxSpares: 64 });
  port.on('message', (request: IngestJobRequest) => {
    if (request.recycled) for (const buffer of request.recycled) outputs.give(buffer);
    const result = run(new Uint8Array(request.body, 0, request.bodyBytes), request.facts, outputs);
    // The body goes back to the main thread, which reads the next request into it.
    const reply: IngestJobReply = { id: request.id, result, body: request.body };
    port.postMessage(reply, result.ok ? [result.buffer, result.fingerprints.buffer as ArrayBuffer, request.body] : [request.body]);
  });
}
