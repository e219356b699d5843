/* performer_features.c — FAVOR+'s positive orthogonal random features.
 *
 * Orthogonal directions lower the estimator's variance over i.i.d. Gaussians (Choromanski et
 * al., "Rethinking Attention with Performers"): d×d Gaussian blocks are orthogonalised by GSL's
 * Householder QR, each column's sign fixed by R's diagonal (so the directions are Haar
 * distributed), and each row given the norm of a fresh Gaussian d-vector, so that rows keep the
 * chi-distributed lengths of Gaussian vectors. GSL's own allocations are not counted: this is
 * set-up, not a kernel.
 */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cpu_internal.h"

/* Rows row0 .. row0 + rows - 1 of omega from one orthogonalised block. */
static int orthogonal_block(gsl_rng *rng, gsl_matrix *g, gsl_matrix *q, gsl_matrix *r,
                            gsl_vector *tau, int64_t rows, float *omega)
{
    const size_t d = g->size1;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(g, i, j, gsl_ran_gaussian(rng, 1.0));
    int status = gsl_linalg_QR_decomp(g, tau);
    if (status == GSL_SUCCESS)
        status = gsl_linalg_QR_unpack(g, tau, q, r);
    if (status != GSL_SUCCESS)
        return ATTN_ERR_RANGE;
    for (int64_t row = 0; row < rows; row++) {
        double norm2 = 0.0;
        for (size_t e = 0; e < d; e++) {
            double x = gsl_ran_gaussian(rng, 1.0);
            norm2 += x * x;
        }
        double length = sqrt(norm2) * (gsl_matrix_get(r, (size_t)row, (size_t)row) < 0 ? -1 : 1);
        for (size_t e = 0; e < d; e++)
            omega[row * (int64_t)d + (int64_t)e] = (float)(length * gsl_matrix_get(q, e, (size_t)row));
    }
    return ATTN_OK;
}

int attn_performer_features(int64_t m, int64_t d, uint64_t seed, float *omega)
{
    const int64_t size[] = {m, d};
    if (m < 1 || d < 1 || d > (1 << 16) || attn_checked_product(2, size) < 0)
        return ATTN_ERR_RANGE;
    gsl_set_error_handler_off();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *g = gsl_matrix_alloc((size_t)d, (size_t)d);
    gsl_matrix *q = gsl_matrix_alloc((size_t)d, (size_t)d);
    gsl_matrix *r = gsl_matrix_alloc((size_t)d, (size_t)d);
    gsl_vector *tau = gsl_vector_alloc((size_t)d);
    int rc = rng && g && q && r && tau ? ATTN_OK : ATTN_ERR_NOMEM;
    if (rc == ATTN_OK)
        gsl_rng_set(rng, (unsigned long)seed);
    for (int64_t row0 = 0; row0 < m && rc == ATTN_OK; row0 += d)
        rc = orthogonal_block(rng, g, q, r, tau, attn_min64(d, m - row0), omega + row0 * d);
    gsl_vector_free(tau);
    gsl_matrix_free(r);
    gsl_matrix_free(q);
    gsl_matrix_free(g);
    gsl_rng_free(rng);
    return rc;
}
