/* reference_lowrank.c — low-rank attention in double: project by definition, then attend.
 *
 * K'[r] = Σ_j E[r][j] K[j] and V'[r] = Σ_j F[r][j] V[j] summed in double, then exact
 * attention (reference.c) of every query over the k projected rows.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

/* dst [k][width] = proj [k][n] · rows [n][width], in double. */
static void project(int64_t k, int64_t n, int64_t width, const float *proj, const float *rows,
                    double *dst)
{
    memset(dst, 0, (size_t)(k * width) * sizeof *dst);
    for (int64_t r = 0; r < k; r++)
        for (int64_t j = 0; j < n; j++)
            for (int64_t e = 0; e < width; e++)
                dst[r * width + e] += (double)proj[r * n + j] * rows[j * width + e];
}

int attn_ref_lowrank(const attn_dims *dims, int64_t k, const float *e, const float *f,
                     const float *q, const float *kk, const float *v, double *o)
{
    int rc = attn_dims_check(dims);
    if (rc || k < 1)
        return rc ? rc : ATTN_ERR_RANGE;
    if (dims->causal)
        return ATTN_ERR_UNSUPPORTED;
    const attn_head_shape shape = {dims->n_q, k, dims->d_qk, dims->d_v, false};
    const size_t q_elems = (size_t)(dims->n_q * dims->d_qk);
    double *q_head = malloc((q_elems + (size_t)(k * (dims->d_qk + dims->d_v))) * sizeof *q_head);
    if (!q_head)
        return ATTN_ERR_NOMEM;
    double *k_proj = q_head + q_elems, *v_proj = k_proj + k * dims->d_qk;
    for (int64_t b = 0; b < dims->batch && rc == ATTN_OK; b++)
        for (int64_t h = 0; h < dims->heads && rc == ATTN_OK; h++) {
            project(k, dims->n_kv, dims->d_qk, e, kk + attn_k_offset(dims, b, h), k_proj);
            project(k, dims->n_kv, dims->d_v, f, v + attn_v_offset(dims, b, h), v_proj);
            attn_widen(q + attn_q_offset(dims, b, h), q_elems, q_head);
            rc = attn_ref_head(&shape, q_head, k_proj, v_proj, o + attn_o_offset(dims, b, h));
        }
    free(q_head);
    return rc;
}
