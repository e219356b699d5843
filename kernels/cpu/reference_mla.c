/* reference_mla.c — MLA in double precision, straight from its definition.
 *
 * Each head's keys are [W_UK c_j | k_r_j] and values W_UV c_j, computed element by element in
 * double, then exact attention (reference.c) with scale 1/sqrt(d_n + d_r). Both the naive and
 * the absorbed kernel are tested against this.
 */
#include <stdlib.h>

#include "cpu_internal.h"

/* dst[j][e] = Σ_c w[e][c] · latent[j][c], written into rows of width ld. */
static void up_project(const float *w, const float *latent, int64_t rows, int64_t out_dim,
                       int64_t d_c, double *dst, int64_t ld)
{
    for (int64_t j = 0; j < rows; j++)
        for (int64_t e = 0; e < out_dim; e++) {
            double sum = 0.0;
            for (int64_t c = 0; c < d_c; c++)
                sum += (double)w[e * d_c + c] * latent[j * d_c + c];
            dst[j * ld + e] = sum;
        }
}

/* Rows of `width` from src into the columns [col, col + width) of dst rows of width ld. */
static void widen_columns(const float *src, int64_t rows, int64_t width, double *dst,
                          int64_t ld, int64_t col)
{
    for (int64_t j = 0; j < rows; j++)
        attn_widen(src + j * width, (size_t)width, dst + j * ld + col);
}

/* One (sequence, head): its keys, values and queries in double, then exact attention. */
static int ref_mla_head(const attn_mla_dims *dims, const attn_mla_inputs *in,
                        const attn_head_shape *shape, int64_t b, int64_t h, double *q, double *o)
{
    const int64_t d_qk = shape->d_qk;
    double *k = q + shape->n_q * d_qk, *v = k + shape->n_kv * d_qk;
    const float *c = in->c + b * dims->n_kv * dims->d_c;
    const int64_t bh = b * dims->heads + h;
    up_project(in->w_uk + h * dims->d_n * dims->d_c, c, dims->n_kv, dims->d_n, dims->d_c, k, d_qk);
    widen_columns(in->k_r + b * dims->n_kv * dims->d_r, dims->n_kv, dims->d_r, k, d_qk,
                  dims->d_n);
    up_project(in->w_uv + h * dims->d_v * dims->d_c, c, dims->n_kv, dims->d_v, dims->d_c, v,
               dims->d_v);
    widen_columns(in->q_n + bh * dims->n_q * dims->d_n, dims->n_q, dims->d_n, q, d_qk, 0);
    widen_columns(in->q_r + bh * dims->n_q * dims->d_r, dims->n_q, dims->d_r, q, d_qk, dims->d_n);
    return attn_ref_head(shape, q, k, v, o + bh * dims->n_q * dims->d_v);
}

/* The (sequence, head) pairs are independent, so threads share them out; each has its own
 * buffers, and the result does not depend on the thread count. The reference's cost is
 * heads x n_kv x (d_n + d_v) x d_c multiply-adds for the up-projection alone, far above the
 * absorbed kernel's, so it is the slow part of a validated MLA run. */
int attn_ref_mla(const attn_mla_dims *dims, const attn_mla_inputs *in, double *o)
{
    int rc = attn_mla_dims_check(dims);
    if (rc)
        return rc;
    const attn_head_shape shape = attn_mla_head_shape(dims);
    const size_t head_elems =
        (size_t)(shape.n_q * shape.d_qk + shape.n_kv * shape.d_qk + shape.n_kv * shape.d_v) + 1;
    const int64_t pairs = dims->batch * dims->heads;
#pragma omp parallel
    {
        double *q = malloc(head_elems * sizeof *q);
        int mine = q ? ATTN_OK : ATTN_ERR_NOMEM;
#pragma omp for schedule(dynamic)
        for (int64_t pair = 0; pair < pairs; pair++)
            if (mine == ATTN_OK)
                mine = ref_mla_head(dims, in, &shape, pair / dims->heads, pair % dims->heads, q, o);
        free(q);
        if (mine != ATTN_OK) {
#pragma omp atomic write
            rc = mine;
        }
    }
    return rc;
}
