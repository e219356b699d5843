/* fit.c — scaling fits for measured sweeps (GSL).
 *
 * time = a n^p by least squares on (log n, log time), with a 95% confidence interval for p
 * from Student's t; and time = a n^2 + b n + c by linear least squares. The fitted exponent is
 * what gets held against the analytic one (2 for exact attention, 1 for linear variants).
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdlib.h>

#include "attnscope.h"

static void gsl_quiet(void)
{
    gsl_set_error_handler_off(); /* every status is checked below; never abort */
}

int attn_fit_power(const double *x, const double *y, size_t n, attn_power_fit *out)
{
    gsl_quiet();
    if (n < 3)
        return ATTN_ERR_RANGE;
    double *lx = malloc(n * sizeof *lx), *ly = malloc(n * sizeof *ly);
    if (!lx || !ly) {
        free(lx);
        free(ly);
        return ATTN_ERR_NOMEM;
    }
    int rc = ATTN_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!(x[i] > 0) || !(y[i] > 0) || !isfinite(x[i]) || !isfinite(y[i]))
            rc = ATTN_ERR_RANGE;
        else
            lx[i] = log(x[i]), ly[i] = log(y[i]);
    }
    double c0, c1, cov00, cov01, cov11, sumsq;
    if (!rc && gsl_fit_linear(lx, 1, ly, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq))
        rc = ATTN_ERR_RANGE;
    if (!rc) {
        double half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 2)) * sqrt(cov11);
        double mean = 0, total = 0;
        for (size_t i = 0; i < n; i++)
            mean += ly[i] / (double)n;
        for (size_t i = 0; i < n; i++)
            total += (ly[i] - mean) * (ly[i] - mean);
        *out = (attn_power_fit){exp(c0), c1, c1 - half, c1 + half,
                                total > 0 ? 1 - sumsq / total : 1, n};
        if (!isfinite(out->p_lo) || !isfinite(out->p_hi))
            rc = ATTN_ERR_RANGE;
    }
    free(lx);
    free(ly);
    return rc;
}

int attn_fit_quadratic(const double *x, const double *y, size_t n, attn_quadratic_fit *out)
{
    gsl_quiet();
    if (n < 3)
        return ATTN_ERR_RANGE;
    gsl_matrix *design = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
    gsl_vector *obs = gsl_vector_alloc(n), *coef = gsl_vector_alloc(3);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(n, 3);
    int rc = design && cov && obs && coef && work ? ATTN_OK : ATTN_ERR_NOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            rc = ATTN_ERR_RANGE;
            break;
        }
        gsl_matrix_set(design, i, 0, x[i] * x[i]);
        gsl_matrix_set(design, i, 1, x[i]);
        gsl_matrix_set(design, i, 2, 1.0);
        gsl_vector_set(obs, i, y[i]);
    }
    double chisq;
    if (!rc && gsl_multifit_linear(design, obs, coef, cov, &chisq, work))
        rc = ATTN_ERR_RANGE;
    if (!rc)
        *out = (attn_quadratic_fit){gsl_vector_get(coef, 0), gsl_vector_get(coef, 1),
                                    gsl_vector_get(coef, 2), chisq};
    gsl_multifit_linear_free(work);
    gsl_vector_free(coef);
    gsl_vector_free(obs);
    gsl_matrix_free(cov);
    gsl_matrix_free(design);
    return rc;
}
