/* isa_avx512.c — the tile kernels for AVX-512 (zmm, 32 registers).
 *
 * Scores: 12 keys × 2 vectors (32 query rows) = 24 accumulators, the key elements broadcast
 * straight from memory into the FMAs. P·V: 8 rows × 2 vectors (32 head columns). Zen 4 runs
 * zmm FMAs at the rate of two ymm ones; the gain over AVX2 is the register file and masks.
 */
#if defined(__x86_64__)
#define ATTN_SIMD_LANES 16
#define ATTN_SIMD_TARGET "avx512f,avx2,fma,f16c"
#define ATTN_SIMD_NAME avx512
#define ATTN_SIMD_STR "avx512"
#define SC_MR 12
#define SC_NR 2
#define PV_MR 8
#define PV_NR 2
#include "tile_body.h"
#include "decode_body.h"
#endif
