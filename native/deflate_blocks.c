/*
 * Walks the blocks of a raw deflate stream (RFC 1951, section 3.2) without producing its output: it
 * decodes every block's codes only far enough to know where each block ends. deflate_chunk.c needs two
 * bit positions libdeflate does not report: where the final block's header starts (to clear its
 * "final" bit) and where that block ends (to append an empty stored block there, as zlib's sync flush
 * does). Nothing here trusts the stream: every read is bounds-checked and anything malformed answers
 * -1, upon which the caller deflates with zlib instead.
 *
 * Decoding: a 10-bit lookup table per Huffman code takes every codeword of up to 10 bits in one step;
 * the rare longer ones (each less likely than 1 in 1024) are decoded a bit at a time from the code's
 * per-length counts.
 */
#include "deflate_blocks.h"

#include <string.h>

#define FAST_BITS 10
#define MAX_BITS 15
#define MAX_LITLEN_SYMBOLS 288
#define MAX_DIST_SYMBOLS 32

/*
 * What a fast-table entry holds depends on the alphabet. Code lengths: (symbol << 4) | codeword length.
 * Literal/length and distance codes: (kind << 5) | bits to skip, the codeword's plus any extra bits
 * that follow it, since a walk needs only to know how far each symbol reaches. 0: decode slowly.
 */
typedef enum { CODE_LENGTHS, LITERALS_AND_LENGTHS, DISTANCES } alphabet;
enum { KIND_LITERAL = 1, KIND_LENGTH = 2, KIND_END = 3, KIND_DISTANCE = 4, KIND_INVALID = 5 };

typedef struct {
  unsigned short fast[1 << FAST_BITS];
  /* Codewords of each length, and the symbols in canonical order: for the slow path. */
  unsigned short count[MAX_BITS + 1];
  unsigned short symbol[MAX_LITLEN_SYMBOLS];
} huffman;

typedef struct {
  const unsigned char* in;
  size_t length;
  /* Bits consumed so far. Bits past the end read as zero; callers check `position` against the end. */
  size_t position;
} bit_reader;

static const unsigned char length_extra_bits[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const unsigned char distance_extra_bits[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* A symbol's kind and the bits it spans (codeword and extra bits), as (kind << 5) | bits. */
static unsigned symbol_reach(alphabet which, unsigned symbol, unsigned codeword_length) {
  if (which == DISTANCES) {
    if (symbol >= 30) return KIND_INVALID << 5;
    return (KIND_DISTANCE << 5) | (codeword_length + distance_extra_bits[symbol]);
  }
  if (symbol < 256) return (KIND_LITERAL << 5) | codeword_length;
  if (symbol == 256) return (KIND_END << 5) | codeword_length;
  if (symbol >= 286) return KIND_INVALID << 5;
  return (KIND_LENGTH << 5) | (codeword_length + length_extra_bits[symbol - 257]);
}

/* The 8 bytes at in[byte], little-endian (the caller checks byte + 8 <= length). */
static inline unsigned long long load_word(const unsigned char* in, size_t byte) {
  unsigned long long word;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(&word, in + byte, 8);
#else
  word = 0;
  for (int i = 0; i < 8; i++) word |= (unsigned long long)in[byte + i] << (8 * i);
#endif
  return word;
}

/* At least 57 valid bits from `position` on (zero past the end of the input). */
static unsigned long long peek_bits(const bit_reader* reader) {
  size_t byte = reader->position >> 3;
  unsigned long long word = 0;
  if (byte + 8 <= reader->length) {
    word = load_word(reader->in, byte);
  } else {
    for (int i = 0; byte + i < reader->length && i < 8; i++) word |= (unsigned long long)reader->in[byte + i] << (8 * i);
  }
  return word >> (reader->position & 7);
}

static unsigned take_bits(bit_reader* reader, unsigned count) {
  unsigned value = count == 0 ? 0 : (unsigned)(peek_bits(reader) & ((1ULL << count) - 1));
  reader->position += count;
  return value;
}

static unsigned reverse_bits(unsigned code, unsigned length) {
  unsigned reversed = 0;
  for (unsigned i = 0; i < length; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>= 1;
  }
  return reversed;
}

/* Builds the code from its symbols' codeword lengths; -1 if the lengths over-subscribe the code. */
static int build_huffman(huffman* code, const unsigned char* lengths, unsigned symbols, alphabet which) {
  unsigned short offsets[MAX_BITS + 2];
  unsigned next_code[MAX_BITS + 1];
  memset(code->count, 0, sizeof code->count);
  memset(code->fast, 0, sizeof code->fast);
  for (unsigned s = 0; s < symbols; s++) code->count[lengths[s]]++;
  code->count[0] = 0;
  int left = 1;
  for (unsigned length = 1; length <= MAX_BITS; length++) {
    left = (left << 1) - code->count[length];
    if (left < 0) return -1;
  }
  offsets[1] = 0;
  for (unsigned length = 1; length <= MAX_BITS; length++) offsets[length + 1] = (unsigned short)(offsets[length] + code->count[length]);
  /* The first codeword of each length (RFC 1951, 3.2.2). */
  unsigned codeword = 0;
  for (unsigned length = 1; length <= MAX_BITS; length++) {
    next_code[length] = codeword;
    codeword = (codeword + code->count[length]) << 1;
  }
  for (unsigned s = 0; s < symbols; s++) {
    unsigned length = lengths[s];
    if (length == 0) continue;
    code->symbol[offsets[length]++] = (unsigned short)s;
    unsigned assigned = next_code[length]++;
    if (length > FAST_BITS) continue;
    unsigned entry = which == CODE_LENGTHS ? (s << 4) | length : symbol_reach(which, s, length);
    for (unsigned index = reverse_bits(assigned, length); index < (1u << FAST_BITS); index += 1u << length) {
      code->fast[index] = (unsigned short)entry;
    }
  }
  return 0;
}

/*
 * Canonical decoding a bit at a time from `bits` (codewords of one length are consecutive integers):
 * the symbol, with its codeword's length in `used`; -1 for a pattern that is no codeword.
 */
static int decode_slowly(const huffman* code, unsigned long long bits, unsigned* used) {
  int codeword = 0, first = 0, index = 0;
  for (unsigned length = 1; length <= MAX_BITS; length++) {
    codeword |= (int)(bits & 1);
    bits >>= 1;
    int count = code->count[length];
    if (codeword - first < count) {
      *used = length;
      return code->symbol[index + codeword - first];
    }
    index += count;
    first = (first + count) << 1;
    codeword <<= 1;
  }
  return -1;
}

/* The next code-length symbol, or -1 for a bit pattern that is no codeword. */
static int decode_code_length(bit_reader* reader, const huffman* code) {
  unsigned long long bits = peek_bits(reader);
  unsigned entry = code->fast[bits & ((1u << FAST_BITS) - 1)];
  if (entry != 0) {
    reader->position += entry & 15;
    return (int)(entry >> 4);
  }
  unsigned used;
  int symbol = decode_slowly(code, bits, &used);
  if (symbol >= 0) reader->position += used;
  return symbol;
}

/* (kind << 5) | bits spanned by the next symbol of `code`, whose fast table missed. */
static unsigned reach_slowly(const huffman* code, alphabet which, unsigned long long bits) {
  unsigned used;
  int symbol = decode_slowly(code, bits, &used);
  return symbol < 0 ? KIND_INVALID << 5 : symbol_reach(which, (unsigned)symbol, used);
}

/* Tops `buffer` up to at least 56 bits from in[*byte] on; past the end of the input, zeros. */
static inline void refill(const unsigned char* in, size_t length, size_t* byte, unsigned long long* buffer, unsigned* available) {
  if (*byte + 8 <= length) {
    unsigned long long word = load_word(in, *byte);
    /* Takes the whole bytes that fit; bits loaded past them are those bytes' own, loaded again next time. */
    *buffer |= word << *available;
    *byte += (63 - *available) >> 3;
    *available |= 56;
    return;
  }
  while (*available <= 56) {
    if (*byte < length) *buffer |= (unsigned long long)in[*byte] << *available;
    (*byte)++;
    *available += 8;
  }
}

/*
 * Skips one block's compressed symbols up to and including end-of-block. The walk's hot loop, so the
 * next bits sit in a 64-bit register, refilled to at least 56 bits whenever fewer than 48 are left:
 * the most one literal/length symbol and its distance span (15 + 5 + 15 + 13 bits).
 */
static int skip_symbols(bit_reader* reader, const huffman* literals, const huffman* distances) {
  const unsigned char* in = reader->in;
  const size_t length = reader->length;
  const unsigned long long mask = (1u << FAST_BITS) - 1;
  size_t byte = reader->position >> 3;
  unsigned long long buffer = 0;
  unsigned available = 0;
  refill(in, length, &byte, &buffer, &available);
  buffer >>= reader->position & 7;
  available -= reader->position & 7;
  for (;;) {
    if (available < 48) {
      /* Bits past the end read as zeros and decode as something; never go more than a refill beyond. */
      if (byte * 8 - available > length * 8) return -1;
      refill(in, length, &byte, &buffer, &available);
    }
    unsigned entry = literals->fast[buffer & mask];
    if (entry == 0) entry = reach_slowly(literals, LITERALS_AND_LENGTHS, buffer);
    unsigned kind = entry >> 5, bits = entry & 31;
    buffer >>= bits;
    available -= bits;
    if (kind == KIND_LITERAL) continue;
    if (kind == KIND_END) break;
    if (kind != KIND_LENGTH) return -1;
    entry = distances->fast[buffer & mask];
    if (entry == 0) entry = reach_slowly(distances, DISTANCES, buffer);
    if ((entry >> 5) != KIND_DISTANCE) return -1;
    bits = entry & 31;
    buffer >>= bits;
    available -= bits;
  }
  reader->position = byte * 8 - available;
  return reader->position <= length * 8 ? 0 : -1;
}

/* Reads a dynamic block's code definitions (RFC 1951, 3.2.7) into `literals` and `distances`. */
static int read_dynamic_codes(bit_reader* reader, huffman* literals, huffman* distances) {
  static const unsigned char order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  unsigned literal_count = take_bits(reader, 5) + 257;
  unsigned distance_count = take_bits(reader, 5) + 1;
  unsigned length_code_count = take_bits(reader, 4) + 4;
  if (literal_count > 286 || distance_count > 30) return -1;
  unsigned char lengths[MAX_LITLEN_SYMBOLS + MAX_DIST_SYMBOLS];
  memset(lengths, 0, 19);
  for (unsigned i = 0; i < length_code_count; i++) lengths[order[i]] = (unsigned char)take_bits(reader, 3);
  huffman length_code;
  if (build_huffman(&length_code, lengths, 19, CODE_LENGTHS) != 0) return -1;
  unsigned total = literal_count + distance_count;
  unsigned filled = 0;
  while (filled < total) {
    if (reader->position > reader->length * 8) return -1;
    int symbol = decode_code_length(reader, &length_code);
    if (symbol < 0) return -1;
    if (symbol < 16) {
      lengths[filled++] = (unsigned char)symbol;
      continue;
    }
    unsigned char repeated = 0;
    unsigned times;
    if (symbol == 16) {
      if (filled == 0) return -1;
      repeated = lengths[filled - 1];
      times = 3 + take_bits(reader, 2);
    } else if (symbol == 17) {
      times = 3 + take_bits(reader, 3);
    } else {
      times = 11 + take_bits(reader, 7);
    }
    if (filled + times > total) return -1;
    while (times-- > 0) lengths[filled++] = repeated;
  }
  if (lengths[256] == 0) return -1;
  if (build_huffman(literals, lengths, literal_count, LITERALS_AND_LENGTHS) != 0) return -1;
  return build_huffman(distances, lengths + literal_count, distance_count, DISTANCES);
}

static void fixed_codes(huffman* literals, huffman* distances) {
  unsigned char lengths[MAX_LITLEN_SYMBOLS];
  unsigned s = 0;
  for (; s < 144; s++) lengths[s] = 8;
  for (; s < 256; s++) lengths[s] = 9;
  for (; s < 280; s++) lengths[s] = 7;
  for (; s < 288; s++) lengths[s] = 8;
  build_huffman(literals, lengths, 288, LITERALS_AND_LENGTHS);
  memset(lengths, 5, 30);
  build_huffman(distances, lengths, 30, DISTANCES);
}

int find_final_block(const unsigned char* in, size_t length, deflate_final_block* found) {
  bit_reader reader = {in, length, 0};
  huffman literals, distances;
  size_t end = length * 8;
  for (;;) {
    size_t header = reader.position;
    if (header + 3 > end) return -1;
    unsigned final = take_bits(&reader, 1);
    unsigned type = take_bits(&reader, 2);
    if (type == 0) {
      /* Stored: to the byte boundary, then LEN and its complement, then LEN bytes. */
      size_t byte = (reader.position + 7) >> 3;
      if (byte + 4 > length) return -1;
      unsigned stored = in[byte] | (unsigned)in[byte + 1] << 8;
      unsigned complement = in[byte + 2] | (unsigned)in[byte + 3] << 8;
      if ((stored ^ 0xffff) != complement || byte + 4 + stored > length) return -1;
      reader.position = (byte + 4 + stored) * 8;
    } else if (type == 1 || type == 2) {
      if (type == 1) fixed_codes(&literals, &distances);
      else if (read_dynamic_codes(&reader, &literals, &distances) != 0) return -1;
      if (skip_symbols(&reader, &literals, &distances) != 0) return -1;
    } else {
      return -1;
    }
    if (final) {
      found->header_bit = header;
      found->end_bit = reader.position;
      return 0;
    }
  }
}
