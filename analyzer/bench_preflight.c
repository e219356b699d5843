/* bench_preflight.c — the memory a benchmark run will touch, against the memory there is
 * (see bench_preflight.h). The estimate errs high (MLA counts its latent and its per-head
 * buffers both), so a refusal is never for a run that would have fitted by a wide margin. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_preflight.h"
#include "diag.h"

long double attn_bench_bytes(const attn_problem *p, const attn_cost *model, bool validate)
{
    long double b = (long double)p->batch, h = (long double)p->heads;
    long double n_kv = (long double)p->n;
    long double n_q = p->phase == ATTN_PHASE_DECODE ? 1.0L : n_kv;
    long double q = b * h * n_q * (long double)(p->d_qk > p->d_n + p->d_r ? p->d_qk
                                                                          : p->d_n + p->d_r);
    long double kv = b * (long double)p->kv_heads * n_kv * (long double)(p->d_qk + p->d_v);
    long double out = b * h * n_q * (long double)p->d_v;
    long double mla = b * n_kv * (long double)(p->d_c + p->d_r) +
                      h * (long double)p->d_c * (long double)(p->d_n + p->d_v);
    long double bytes = 4.0L * (q + kv + out + (p->d_c > 0 ? mla : 0.0L));
    if (model && model->extra_bytes > 0)
        bytes += model->extra_bytes;
    if (validate)
        bytes += 8.0L * out;
    return bytes;
}

/* MemAvailable in bytes, or 0 when /proc/meminfo does not say. */
static long double mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return (long double)kib * 1024.0L;
}

int attn_bench_preflight(const attn_problem *p, const attn_cost *model, bool validate,
                         attn_diag *diag)
{
    long double need = attn_bench_bytes(p, model, validate);
    long double avail = mem_available();
    const char *what = "MemAvailable in /proc/meminfo";
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY &&
        (avail == 0 || (long double)as.rlim_cur < avail)) {
        avail = (long double)as.rlim_cur;
        what = "the address-space limit (ulimit -v)";
    }
    if (avail == 0 || need <= avail)
        return ATTN_OK;
    return attn_fail(diag, ATTN_ERR_RANGE,
                     "the run needs %.4Lg bytes (%.3Lg GiB: inputs, outputs%s%s), more "
                     "than the %.4Lg bytes of %s; use a smaller --batch, --seq or shape",
                     need, need / 1073741824.0L,
                     model && model->extra_bytes > 0 ? ", working memory" : "",
                     validate ? ", reference" : "", avail, what);
}
