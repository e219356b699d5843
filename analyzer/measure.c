/* measure.c — warm-up, then repeats until both a count and a time are reached; median, min
 * and max of the calls (GSL statistics), never a single sample. The output is compared with
 * the double reference unless that would take too long, and the row says which. */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "measure.h"

enum { MAX_REPEATS = 1000 };

static int time_calls(const attn_backend *b, void *ctx, const attn_measure_options *o,
                      attn_measurement *out)
{
    double *times = malloc(MAX_REPEATS * sizeof *times), total = 0, seconds;
    if (!times)
        return ATTN_ERR_NOMEM;
    int rc = ATTN_OK, n = 0;
    for (int i = 0; i < o->warmup && !rc; i++)
        rc = b->run(ctx, &out->stats, &seconds);
    while (!rc && n < MAX_REPEATS && (n < o->min_repeats || total < o->min_seconds)) {
        rc = b->run(ctx, &out->stats, &seconds);
        if (!rc)
            rc = b->sync(ctx);
        times[n++] = seconds;
        total += seconds;
    }
    if (!rc) {
        gsl_sort(times, 1, (size_t)n);
        out->median_s = gsl_stats_median_from_sorted_data(times, 1, (size_t)n);
        out->min_s = times[0];
        out->max_s = times[n - 1];
        out->repeats = n;
    }
    free(times);
    return rc;
}

/* ||baseline - ref|| / ||ref|| on the same seeded inputs, drawn again on the host (the
 * baseline needs no backend: it is a property of the inputs). */
static void baseline_error(const attn_kernel_ops *ops, const attn_problem *p, const double *ref,
                           size_t elems, attn_measurement *out)
{
    if (!ops->baseline)
        return;
    double *base = malloc((elems ? elems : 1) * sizeof *base);
    if (base && ops->baseline(p, base) == ATTN_OK) {
        double err2 = 0, ref2 = 0;
        for (size_t i = 0; i < elems; i++) {
            err2 += (base[i] - ref[i]) * (base[i] - ref[i]);
            ref2 += ref[i] * ref[i];
        }
        out->has_baseline = true;
        out->baseline_err = ref2 > 0 ? sqrt(err2 / ref2) : sqrt(err2);
    }
    free(base);
}

static int validate(const attn_backend *b, void *ctx, const attn_kernel_ops *ops,
                    const attn_problem *p, size_t elems, attn_measurement *out)
{
    float *got = malloc((elems ? elems : 1) * sizeof *got);
    double *ref = malloc((elems ? elems : 1) * sizeof *ref);
    int rc = got && ref ? ATTN_OK : ATTN_ERR_NOMEM;
    if (!rc)
        rc = b->download(ctx, got);
    if (!rc)
        rc = b->reference(ctx, ref);
    double max_err = 0, err2 = 0, ref2 = 0;
    bool finite = true;
    for (size_t i = 0; i < elems && !rc; i++) {
        double e = (double)got[i] - ref[i];
        finite = finite && isfinite(got[i]);
        max_err = fmax(max_err, fabs(e));
        err2 += e * e;
        ref2 += ref[i] * ref[i];
    }
    if (!rc && !finite) {
        snprintf(out->note, sizeof out->note, "output has non-finite values");
        rc = ATTN_ERR_RANGE;
    }
    if (!rc) {
        out->validated = true;
        out->max_abs_err = max_err;
        out->rel_err = ref2 > 0 ? sqrt(err2 / ref2) : sqrt(err2);
        baseline_error(ops, p, ref, elems, out);
    }
    free(got);
    free(ref);
    return rc;
}

int attn_measure(const attn_backend *backend, const attn_kernel_ops *ops, const attn_problem *p,
                 const attn_measure_options *options, attn_measurement *out, attn_diag *diag)
{
    memset(out, 0, sizeof *out);
    const char *why = backend->supports(ops, p);
    if (why) {
        snprintf(out->note, sizeof out->note, "%s", why);
        return attn_fail(diag, ATTN_ERR_UNSUPPORTED, "%s", why);
    }
    void *ctx = NULL;
    size_t elems = 0;
    int rc = backend->alloc(&ctx, ops, p, &elems);
    if (rc)
        return attn_fail(diag, rc, "%s: cannot prepare inputs: %s", backend->name,
                         attn_strerror(rc));
    rc = time_calls(backend, ctx, options, out);
    if (rc) {
        rc = attn_fail(diag, rc, "%s: kernel failed: %s", backend->name, attn_strerror(rc));
    } else if ((double)out->stats.flops > options->validate_max_flops) {
        snprintf(out->note, sizeof out->note,
                 "not validated: the double reference would need %.3g FLOPs (limit %.3g)",
                 (double)out->stats.flops, options->validate_max_flops);
    } else if ((rc = validate(backend, ctx, ops, p, elems, out))) {
        rc = attn_fail(diag, rc, "%s: %s", backend->name,
                       out->note[0] ? out->note : attn_strerror(rc));
    }
    backend->free(ctx);
    return rc;
}
