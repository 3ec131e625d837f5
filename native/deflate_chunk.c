/*
 * deflateRawChunk(input, level, last): one chunk of a gzip member's deflate stream, compressed by
 * libdeflate (on our NDJSON at level 6, ~1.3× zlib's speed, ~1.15× with the walk below, and ~2%
 * smaller output: docs/benchmarks.md), in the form
 * src/destinations/gzip/chunked-gzip.ts joins: a last chunk ends the stream; any other ends the way
 * zlib's Z_SYNC_FLUSH ends one, with no "final" bit and an empty stored block, so chunks concatenate
 * into one stream that any inflater reads as a single gzip member.
 *
 * libdeflate only compresses whole buffers into complete streams, so a chunk that is not last is
 * reworked afterwards: deflate_blocks.c finds its final block, the block's "final" bit is cleared and
 * the empty stored block appended at the bit where it ends. The result is checked against what
 * libdeflate produced (the walk must end in its last byte, with only zero padding after); if anything
 * does not add up, this returns undefined and the caller deflates the chunk with zlib.
 *
 * Synchronous, like zlib.deflateRawSync: it runs on whichever thread calls it (the spool and deflate
 * threads). Compressors (one per level) and the scratch buffer are kept per thread, in the addon's
 * instance data, and freed with the thread.
 */
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "deflate_blocks.h"
#include "sluice_native.h"

#define LEVELS 13

typedef struct {
  struct libdeflate_compressor* compressors[LEVELS];
  unsigned char* scratch;
  size_t scratch_bytes;
} deflate_state;

static void free_state(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  deflate_state* state = data;
  for (int level = 0; level < LEVELS; level++) {
    if (state->compressors[level]) libdeflate_free_compressor(state->compressors[level]);
  }
  free(state->scratch);
  free(state);
}

static deflate_state* thread_state(napi_env env) {
  void* data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data) return data;
  deflate_state* state = calloc(1, sizeof *state);
  if (!state) return NULL;
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free(state);
    return NULL;
  }
  return state;
}

static napi_value undefined_value(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

/* Deflates in[0, length) into the scratch buffer; its length, or 0 on failure. */
static size_t compress_into_scratch(deflate_state* state, int level, const void* in, size_t length) {
  if (!state->compressors[level]) state->compressors[level] = libdeflate_alloc_compressor(level);
  struct libdeflate_compressor* compressor = state->compressors[level];
  if (!compressor) return 0;
  /* Room for the empty stored block a sync flush appends (at most 5 bytes). */
  size_t needed = libdeflate_deflate_compress_bound(compressor, length) + 8;
  if (state->scratch_bytes < needed) {
    unsigned char* grown = realloc(state->scratch, needed);
    if (!grown) return 0;
    state->scratch = grown;
    state->scratch_bytes = needed;
  }
  return libdeflate_deflate_compress(compressor, in, length, state->scratch, state->scratch_bytes - 8);
}

/*
 * Turns the complete stream out[0, length) into one that continues: clears the final block's "final"
 * bit and appends an empty stored block where that block ends. The new length, or 0 if the stream is
 * not as expected.
 */
static size_t end_with_sync_flush(unsigned char* out, size_t length) {
  deflate_final_block final;
  if (find_final_block(out, length, &final) != 0) return 0;
  /* The walk must account for every byte, and what follows the end-of-block code must be padding. */
  if ((final.end_bit + 7) / 8 != length) return 0;
  unsigned used_in_last_byte = final.end_bit & 7;
  if (used_in_last_byte != 0 && (out[length - 1] >> used_in_last_byte) != 0) return 0;
  if (!(out[final.header_bit >> 3] & (1u << (final.header_bit & 7)))) return 0;
  out[final.header_bit >> 3] &= (unsigned char)~(1u << (final.header_bit & 7));
  /*
   * The stored block's 3 header bits (all zero: not final, type 0) go where the final block ended.
   * When the padding has room for them they are already there and the block's length words start at
   * the next byte; otherwise they spill into one more zero byte first.
   */
  size_t padding_bits = length * 8 - final.end_bit;
  if (padding_bits < 3) out[length++] = 0x00;
  static const unsigned char empty_stored_lengths[4] = {0x00, 0x00, 0xff, 0xff};
  memcpy(out + length, empty_stored_lengths, 4);
  return length + 4;
}

napi_value deflate_raw_chunk(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "deflateRawChunk(input, level, last) takes three arguments");
    return NULL;
  }
  bool is_typed_array = false;
  napi_is_typedarray(env, argv[0], &is_typed_array);
  if (!is_typed_array) {
    napi_throw_type_error(env, NULL, "input must be a Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL);
  int32_t level;
  bool last;
  if (type != napi_uint8_array || napi_get_value_int32(env, argv[1], &level) != napi_ok || napi_get_value_bool(env, argv[2], &last) != napi_ok) {
    napi_throw_type_error(env, NULL, "deflateRawChunk(input: Uint8Array, level: number, last: boolean)");
    return NULL;
  }
  if (level < 0 || level >= LEVELS) {
    napi_throw_range_error(env, NULL, "level must be 0 to 12");
    return NULL;
  }
  deflate_state* state = thread_state(env);
  if (!state) return undefined_value(env);
  size_t produced = compress_into_scratch(state, level, length == 0 ? "" : data, length);
  if (produced == 0) return undefined_value(env);
  if (!last) produced = end_with_sync_flush(state->scratch, produced);
  if (produced == 0) return undefined_value(env);
  napi_value result;
  if (napi_create_buffer_copy(env, produced, state->scratch, NULL, &result) != napi_ok) return undefined_value(env);
  return result;
}
