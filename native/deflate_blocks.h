/* Finds a raw deflate stream's final block (deflate_blocks.c). Plain C, no Node. */
#ifndef SLUICE_DEFLATE_BLOCKS_H
#define SLUICE_DEFLATE_BLOCKS_H
#include <stddef.h>

typedef struct {
  /* Bit offset of the final block's header (its first bit is the "final" flag). */
  size_t header_bit;
  /* Bit offset just past the final block's end-of-block code. */
  size_t end_bit;
} deflate_final_block;

/* 0 and `found` filled when `in` is a well-formed deflate stream; -1 for anything else. */
int find_final_block(const unsigned char* in, size_t length, deflate_final_block* found);

#endif
