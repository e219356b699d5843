/* isa_scalar.c — the tile kernels in plain C, for CPUs without AVX2 (and other architectures):
 * the same blocking with one lane, 4 × 4 accumulators, and the same exp polynomial.
 */
#define ATTN_SIMD_LANES 1
#define ATTN_SIMD_NAME scalar
#define ATTN_SIMD_STR "scalar"
#define SC_MR 4
#define SC_NR 4
#define PV_MR 4
#define PV_NR 4
#include "tile_body.h"
#include "decode_body.h"
