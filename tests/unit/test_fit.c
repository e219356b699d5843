/* test_fit.c — the scaling fits recover known exponents from synthetic, noisy data, inside
 * their own 95% interval, and reject inputs they cannot fit. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "test_util.h"

static void power_fit_recovers_exponent_within_interval(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const double exponents[] = {1.0, 1.5, 2.0, 2.7};
    int inside = 0, trials = 0;
    for (int e = 0; e < 4; e++) {
        for (unsigned seed = 1; seed <= 25; seed++) {
            gsl_rng_set(rng, seed);
            double x[12], y[12];
            for (int i = 0; i < 12; i++) {
                x[i] = 256.0 * pow(2.0, i);
                /* 5% multiplicative noise, like timings on a shared machine */
                y[i] = 3e-9 * pow(x[i], exponents[e]) * exp(gsl_ran_gaussian(rng, 0.05));
            }
            attn_power_fit fit;
            assert_int_equal(attn_fit_power(x, y, 12, &fit), ATTN_OK);
            assert_true(fabs(fit.p - exponents[e]) < 0.05);
            assert_true(fit.p_lo < fit.p && fit.p < fit.p_hi);
            inside += fit.p_lo <= exponents[e] && exponents[e] <= fit.p_hi;
            trials++;
        }
    }
    /* a 95% interval should cover the truth in about 95 of 100 trials; allow sampling slack */
    assert_true(inside >= 88);
    gsl_rng_free(rng);
}

static void quadratic_fit_recovers_coefficients(void **state)
{
    (void)state;
    double x[8], y[8];
    for (int i = 0; i < 8; i++) {
        x[i] = 100.0 * (i + 1);
        y[i] = 2e-6 * x[i] * x[i] + 3e-3 * x[i] + 0.5;
    }
    attn_quadratic_fit fit;
    assert_int_equal(attn_fit_quadratic(x, y, 8, &fit), ATTN_OK);
    assert_true(fabs(fit.a - 2e-6) < 1e-12);
    assert_true(fabs(fit.b - 3e-3) < 1e-9);
    assert_true(fabs(fit.c - 0.5) < 1e-6);
}

static void fits_reject_bad_input(void **state)
{
    (void)state;
    double x[] = {1, 2, 3}, y[] = {1, -4, 9}, nan_y[] = {1, NAN, 9};
    attn_power_fit p;
    attn_quadratic_fit q;
    assert_int_equal(attn_fit_power(x, y, 3, &p), ATTN_ERR_RANGE);
    assert_int_equal(attn_fit_power(x, y, 2, &p), ATTN_ERR_RANGE);
    assert_int_equal(attn_fit_quadratic(x, nan_y, 3, &q), ATTN_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(power_fit_recovers_exponent_within_interval),
        cmocka_unit_test(quadratic_fit_recovers_coefficients),
        cmocka_unit_test(fits_reject_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
