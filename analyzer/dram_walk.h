/* dram_walk.h — a kernel step as passes over its buffers, and what an LRU last-level cache
 * lets through to DRAM (internal).
 *
 * The variants whose kernels are sequences of whole-buffer passes (GEMMs, a softmax, a
 * projection, a state update) describe their step here once, in kernel order; dram_walk.c
 * replays it against a cache of `room` elements at buffer granularity. A pass hits when the
 * buffer and everything touched since its last pass fit in the cache (LRU stack distance), and
 * otherwise moves the part it touches. A written buffer is dirty until it is evicted, when it is
 * written back once; what is dirty at the end is written back too. With write-allocate (CPU
 * caches) a store that misses fills its line first; a GPU's L2 does not read a sector its store
 * overwrites whole. The same rule serves every such variant: the description is the kernel's,
 * the cache behaviour is shared.
 *
 * Tiles larger than the cache: a loop may hold one inner loop (a block's sweep over its key
 * tiles), whose passes re-touch the block's tiles every iteration ("again": the same part of a
 * buffer as its previous pass, such as the block's rows of a large Q). The same rule then sees
 * a block whose tiles and streamed keys outgrow the cache miss them on every key tile, and
 * hit when they fit. Keys streamed by prefix reads in an inner loop come round once per
 * iteration of the loop around it: their distance is that whole sweep.
 */
#ifndef ATTN_DRAM_WALK_H
#define ATTN_DRAM_WALK_H

#include <stdbool.h>

enum { ATTN_WALK_BUFFERS = 24, ATTN_WALK_PASSES = 48, ATTN_WALK_LOOPS = 6 };

typedef enum attn_pass_kind {
    ATTN_PASS_READ,
    ATTN_PASS_WRITE,  /* overwrites what it touches: no read, a fill only under write-allocate */
    ATTN_PASS_UPDATE, /* read-modify-write */
} attn_pass_kind;

typedef struct attn_walk_buffer {
    long double elems;
    /* 0: one buffer for the whole step; k: a new one every k iterations of its loop (a head's
     * Q is new every head, its K/V every GQA group of heads) */
    long double period;
    bool tile; /* kernel workspace touched between every sweep (the CPU tiles) */
} attn_walk_buffer;

typedef struct attn_walk_pass {
    int buffer;
    attn_pass_kind kind;
    long double part;  /* the fraction of the buffer it touches (a block of rows, a stripe) */
    long double times; /* reads the same part this many times back to back (a tile sweep) */
    bool prefix;       /* the part is the buffer's start again (a causal block's keys), not
                          the next one in order; in an inner loop, the start's next part */
    bool again;        /* the part its buffer's previous pass touched, once more (a tile kept
                          across an inner loop): its stack distance starts from the part */
} attn_walk_pass;

typedef struct attn_walk {
    attn_walk_buffer buffers[ATTN_WALK_BUFFERS];
    attn_walk_pass passes[ATTN_WALK_PASSES];
    int loop_first[ATTN_WALK_LOOPS]; /* a loop runs passes [loop_first, next loop's first) */
    long double loop_repeats[ATTN_WALK_LOOPS];
    /* a loop's inner loop runs passes [inner_first, inner_end) inner_repeats times in each of
     * its iterations; inner_end 0: none */
    int inner_first[ATTN_WALK_LOOPS], inner_end[ATTN_WALK_LOOPS];
    long double inner_repeats[ATTN_WALK_LOOPS];
    int nbuffers, npasses, nloops;
    bool overflow; /* the description did not fit: the walk answers -1 */
} attn_walk;

/* A new buffer's index (or -1 once full, which makes the walk answer -1). */
int attn_walk_buffer_add(attn_walk *w, long double elems, long double period, bool tile);
/* Starts a loop of `repeats` iterations; passes added after it belong to it. */
void attn_walk_loop(attn_walk *w, long double repeats);
void attn_walk_pass_add(attn_walk *w, int buffer, attn_pass_kind kind, long double part,
                        long double times);
/* A read of the first `part` of a buffer, which earlier passes may have read already; in an
 * inner loop, of the part after the previous inner iteration's, from the start again in each
 * iteration of the loop around it (a block's key tiles). */
void attn_walk_prefix_add(attn_walk *w, int buffer, long double part);
/* The part of `buffer` that its previous pass touched, touched again. */
void attn_walk_again_add(attn_walk *w, int buffer, attn_pass_kind kind, long double part);
/* Passes added between these two run `repeats` times in each iteration of the current loop
 * (fractional: an average, e.g. a causal block's key tiles); one inner loop per loop. */
void attn_walk_inner(attn_walk *w, long double repeats);
void attn_walk_inner_end(attn_walk *w);
/* Elements that reach DRAM through a cache of `room` elements; -1 when the description
 * overflowed. Loops longer than 512 iterations are replayed for two periods of their buffers
 * and extrapolated (their iterations repeat exactly after that); inner loops longer than 512,
 * for two iterations, the second scaled. */
long double attn_walk_dram(const attn_walk *w, long double room, bool write_allocate);

#endif
