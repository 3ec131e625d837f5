/**
 * UTF-8 encoding of a request's stored lines into a few per-request chunks instead of one small Buffer
 * per event: `Buffer.from` per line refills Node's 8 KiB pool every dozen events and allocates a Buffer
 * object each time (visible in CPU profiles of batch ingest). Each record is a view into a chunk; the
 * chunks live as long as the request's records, so memory stays bounded by the request.
 *
 * Chunks are sized from the number of lines expected (~1 KiB each, 8–128 KiB), so a single-event request
 * does not allocate a large chunk; for a handful of lines Node's own pooled `Buffer.from` is cheapest.
 */
const maxChunkBytes = 128 * 1024;
const minChunkBytes = 8 * 1024;
const bytesPerLineGuess = 1024;

export function createLineArena(expectedLines: number): (line: string) => Uint8Array {
  if (expectedLines <= 4) return (line) => Buffer.from(line, 'utf8');
  const chunkBytes = Math.min(maxChunkBytes, Math.max(minChunkBytes, expectedLines * bytesPerLineGuess));
  let chunk = Buffer.allocUnsafe(0);
  let offset = 0;
  return (line: string): Uint8Array => {
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
    const worstCase = line.length * 3;
    if (chunk.length - offset < worstCase) {
      chunk = Buffer.allocUnsafe(Math.max(chunkBytes, worstCase));
      offset = 0;
    }
    const written = chunk.write(line, offset, 'utf8');
    const view = chunk.subarray(offset, offset + written);
    offset += written;
    return view;
  };
}
