/* kernel_test_util.h — what every kernel test needs: seeded random inputs, buffers for one
 * problem, and the atol + rtol·|ref| comparison against a double reference that fails the
 * running cmocka test at the first bad element (NaN and infinity always fail).
 */
#ifndef ATTN_KERNEL_TEST_UTIL_H
#define ATTN_KERNEL_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernels.h"

/* Uniform in [-1, 1) from a 64-bit LCG: the same inputs on every machine. */
static inline float next_uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*state >> 40) / (double)(1ull << 23) - 1.0);
}

static inline float *random_floats(size_t count, uint64_t seed, float scale)
{
    float *values = malloc((count ? count : 1) * sizeof *values);
    assert_non_null(values);
    for (size_t i = 0; i < count; i++)
        values[i] = scale * next_uniform(&seed);
    return values;
}

static inline void *test_alloc(size_t bytes)
{
    void *block = calloc(bytes ? bytes : 1, 1);
    assert_non_null(block);
    return block;
}

/* Fails unless |got - ref| <= atol + rtol·|ref| everywhere and nothing is NaN or infinite. */
static inline void assert_close(const float *got, const double *ref, size_t count, double atol,
                                double rtol, const char *what)
{
    for (size_t i = 0; i < count; i++) {
        double error = fabs((double)got[i] - ref[i]);
        if (!isfinite(got[i]) || !isfinite(ref[i]) || error > atol + rtol * fabs(ref[i]))
            fail_msg("%s: element %zu is %.9g, reference %.9g (atol %g, rtol %g)", what, i,
                     (double)got[i], ref[i], atol, rtol);
    }
}

/* Q, K, V, O and a double reference output for one problem, with random inputs. */
typedef struct attn_problem {
    attn_dims dims;
    size_t q_elems, k_elems, v_elems, o_elems;
    float *q, *k, *v, *o;
    double *ref;
} attn_problem;

static inline attn_problem problem_init(attn_dims dims, uint64_t seed, float q_scale)
{
    attn_problem p = {.dims = dims};
    p.q_elems = (size_t)(dims.batch * dims.heads * dims.n_q * dims.d_qk);
    p.k_elems = (size_t)(dims.batch * dims.kv_heads * dims.n_kv * dims.d_qk);
    p.v_elems = (size_t)(dims.batch * dims.kv_heads * dims.n_kv * dims.d_v);
    p.o_elems = (size_t)(dims.batch * dims.heads * dims.n_q * dims.d_v);
    p.q = random_floats(p.q_elems, seed, q_scale);
    p.k = random_floats(p.k_elems, seed + 1, 1.0f);
    p.v = random_floats(p.v_elems, seed + 2, 1.0f);
    p.o = test_alloc(p.o_elems * sizeof *p.o);
    p.ref = test_alloc(p.o_elems * sizeof *p.ref);
    return p;
}

static inline void problem_free(attn_problem *p)
{
    free(p->q);
    free(p->k);
    free(p->v);
    free(p->o);
    free(p->ref);
}

#endif
