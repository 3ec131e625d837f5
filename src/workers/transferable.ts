/**
 * An ArrayBuffer that may be transferred to or from a worker thread: the view's own buffer when the
 * view covers all of it (no copy), else a copy of the view. Never the buffer behind a partial view:
 * that may be Node's shared Buffer pool, and transferring it would detach every other Buffer in it.
 */
export function transferableBuffer(view: Uint8Array): ArrayBuffer {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) return buffer;
  // Not view.slice(): on a Buffer that is a view of the same memory.
  return new Uint8Array(view).buffer;
}
