/**
 * Entry of the deflate thread (started by deflate-pool.ts): deflates chunks of gzip members in the
 * order they arrive, keeping each member's running CRC and length. It first lowers its own OS
 * scheduling priority, so compressing a delivery batch only takes CPU that ingest leaves idle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { deflateChunk, newMemberState, type MemberState } from './chunked-gzip.js';
import type { DeflateReply, DeflateRequest } from './deflate-pool.js';
import { lowerThreadPriority } from '../../workers/thread-priority.js';
import { transferableBuffer } from '../../workers/transferable.js';

if (!parentPort) throw new Error('deflate-worker runs only as a worker thread (see deflate-pool.ts).');
const port = parentPort;

lowerThreadPriority((workerData as { niceness: number }).niceness);

const members = new Map<number, MemberState>();
port.on('message', (request: DeflateRequest) => {
  if (request.kind === 'abandon') {
    members.delete(request.member);
    return;
  }
  let reply: DeflateReply;
  try {
    let state = members.get(request.member);
    if (!state) members.set(request.member, (state = newMemberState()));
    const output = deflateChunk(new Uint8Array(request.chunk), request.level, request.last, state);
    if (request.last) members.delete(request.member);
    const transferable = transferableBuffer(output);
    // The input goes back too, for the encoder to fill again: no new 1 MiB buffer per chunk, and none
    // left here waiting for this thread's (rare) garbage collections.
    reply = { id: request.id, output: transferable, input: request.chunk };
    port.postMessage(reply, [reply.output, reply.input]);
  } catch (error) {
    members.delete(request.member);
    reply = { id: request.id, error: (error as Error).message };
    port.postMessage(reply);
  }
});
