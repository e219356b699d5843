/* reference_performer.c — the FAVOR+ estimator evaluated directly, in double.
 *
 * No state, no max subtraction, no prefix sums: for each query and each key it sees,
 * weight = Σ_f exp(u_f(q) + u_f(k)) / m with u_f(x) = w_f·x' - |x'|²/2, x' = x / d^(1/4), and
 * the output is the weighted mean of the values. The Performer kernels must agree with it for
 * the same omega; how far it is from softmax attention is the approximation error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

/* u[r][f] for `rows` rows of x. */
static void exponents(const float *omega, int64_t m, int64_t d, const float *x, int64_t rows,
                      double *u)
{
    const double input_scale = 1.0 / pow((double)d, 0.25);
    for (int64_t r = 0; r < rows; r++) {
        double norm2 = 0.0;
        for (int64_t e = 0; e < d; e++)
            norm2 += (double)x[r * d + e] * x[r * d + e] * input_scale * input_scale;
        for (int64_t f = 0; f < m; f++) {
            double dot = 0.0;
            for (int64_t e = 0; e < d; e++)
                dot += (double)omega[f * d + e] * x[r * d + e] * input_scale;
            u[r * m + f] = dot - norm2 / 2.0;
        }
    }
}

static void performer_ref_head(const attn_head_shape *shape, int64_t m, const double *u_q,
                               const double *u_k, const float *v, double *o)
{
    for (int64_t i = 0; i < shape->n_q; i++) {
        double *out = o + i * shape->d_v;
        memset(out, 0, (size_t)shape->d_v * sizeof *out);
        double total = 0.0;
        for (int64_t j = 0; j < shape->n_kv; j++) {
            if (!attn_ref_sees(shape, i, j))
                continue;
            double weight = 0.0;
            for (int64_t f = 0; f < m; f++)
                weight += exp(u_q[i * m + f] + u_k[j * m + f]) / (double)m;
            total += weight;
            for (int64_t e = 0; e < shape->d_v; e++)
                out[e] += weight * v[j * shape->d_v + e];
        }
        for (int64_t e = 0; e < shape->d_v && total > 0.0; e++)
            out[e] /= total;
    }
}

int attn_ref_performer(const attn_dims *dims, int64_t m, const float *omega, const float *q,
                       const float *k, const float *v, double *o)
{
    int rc = attn_dims_check(dims);
    if (rc || m < 1)
        return rc ? rc : ATTN_ERR_RANGE;
    const attn_head_shape shape = attn_head_shape_of(dims);
    double *u_q = malloc((size_t)((dims->n_q + dims->n_kv) * m + 1) * sizeof *u_q);
    if (!u_q)
        return ATTN_ERR_NOMEM;
    double *u_k = u_q + dims->n_q * m;
    for (int64_t b = 0; b < dims->batch; b++)
        for (int64_t h = 0; h < dims->heads; h++) {
            exponents(omega, m, dims->d_qk, q + attn_q_offset(dims, b, h), dims->n_q, u_q);
            exponents(omega, m, dims->d_qk, k + attn_k_offset(dims, b, h), dims->n_kv, u_k);
            performer_ref_head(&shape, m, u_q, u_k, v + attn_v_offset(dims, b, h),
                               o + attn_o_offset(dims, b, h));
        }
    free(u_q);
    return ATTN_OK;
}
