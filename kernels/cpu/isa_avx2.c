/* isa_avx2.c — the tile kernels for AVX2 + FMA + F16C (ymm, 16 registers).
 *
 * Scores: 12 keys × 1 vector (8 query rows), so a decode group of 8 heads fills the lanes
 * exactly; P·V: 4 rows × 2 vectors (16 head columns). 12 and 8 accumulators cover the FMA
 * latency at two FMAs per cycle and leave registers for the operands.
 */
#if defined(__x86_64__)
#define ATTN_SIMD_LANES 8
#define ATTN_SIMD_TARGET "avx2,fma,f16c"
#define ATTN_SIMD_NAME avx2
#define ATTN_SIMD_STR "avx2"
#define SC_MR 12
#define SC_NR 1
#define PV_MR 4
#define PV_NR 2
#include "tile_body.h"
#include "decode_body.h"
#endif
