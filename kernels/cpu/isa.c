/* isa.c — which tile kernels run: chosen once from what the CPU has (cpuid), lowered on request.
 *
 * ATTNSCOPE_CPU_ISA=avx2 or =scalar selects a lower instruction set, so that the kernel tests
 * cover every path on one machine; a name the CPU cannot run, or an unknown one, is ignored.
 * Prefill and decode take the widest table.
 */
#include <math.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "decode_isa.h"

extern const attn_isa attn_isa_scalar;
extern const attn_decode_isa attn_decode_isa_scalar;
#if defined(__x86_64__)
extern const attn_isa attn_isa_avx512, attn_isa_avx2;
extern const attn_decode_isa attn_decode_isa_avx512, attn_decode_isa_avx2;
#endif

/* The usable tables, widest first, ending with the scalar one; decode's beside them. */
static const attn_isa *usable[3];
static const attn_decode_isa *usable_decode[3];
static int usable_count;

#if defined(__x86_64__)
/* CPUID leaf 1, ECX bit 29: clang 14's __builtin_cpu_supports does not know "f16c". */
static bool cpu_has_f16c(void)
{
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}
#endif

static void isa_detect(void)
{
    int n = 0;
#if defined(__x86_64__)
    const char *asked = getenv("ATTNSCOPE_CPU_ISA");
    bool below_avx512 = asked && (!strcmp(asked, "avx2") || !strcmp(asked, "scalar"));
    bool below_avx2 = asked && !strcmp(asked, "scalar");
    __builtin_cpu_init();
    bool f16c = cpu_has_f16c();
    if (!below_avx512 && __builtin_cpu_supports("avx512f") && f16c) {
        usable_decode[n] = &attn_decode_isa_avx512;
        usable[n++] = &attn_isa_avx512;
    }
    if (!below_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c) {
        usable_decode[n] = &attn_decode_isa_avx2;
        usable[n++] = &attn_isa_avx2;
    }
#endif
    usable_decode[n] = &attn_decode_isa_scalar;
    usable[n++] = &attn_isa_scalar;
    usable_count = n;
}

static void isa_once(void)
{
#pragma omp critical(attn_isa_detect)
    if (usable_count == 0)
        isa_detect();
}

const attn_isa *attn_isa_best(void)
{
    isa_once();
    return usable[0];
}

const attn_decode_isa *attn_decode_isa_best(void)
{
    isa_once();
    return usable_decode[0];
}

void attn_qtile_reset(const attn_qtile *tile)
{
    for (int64_t r = 0; r < tile->rows_pad; r++) {
        tile->m[r] = -INFINITY;
        tile->l[r] = 0.0f;
    }
    memset(tile->acc, 0, (size_t)(tile->rows_pad * tile->d_v_pad) * sizeof *tile->acc);
}

void attn_qtile_finish(const attn_qtile *tile, float *out, int64_t ld_out)
{
    for (int64_t r = 0; r < tile->rows; r++) {
        const float inverse = tile->l[r] > 0.0f ? 1.0f / tile->l[r] : 0.0f;
        for (int64_t e = 0; e < tile->d_v; e++)
            out[r * ld_out + e] = tile->acc[r * tile->d_v_pad + e] * inverse;
    }
}
