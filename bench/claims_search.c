/* claims_search.c — how fast the assumption search answers: 10,000 claims that each need a
 * triple to be reproduced (Hugging Face's 0.984 GB per 1k tokens for Llama 3.1 405B: an fp32
 * cache + GiB printed as GB + 1024 tokens), written to a temporary CSV and checked through
 * attn_claims_check. Reports wall and CPU time and the combinations tried per claim.
 * Run: build/bench/claims_search [COUNT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claims.h"

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    char path[] = "/tmp/attnscope-claims-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || count < 1)
        return fprintf(stderr, "claims_search: cannot write %s\n", path), 1;
    fputs("id,text,source,metric,model,settings,claimed,tolerance\n", f);
    for (long i = 0; i < count; i++)
        fprintf(f, "c%ld,per 1k tokens,HF blog,kv_bytes,llama-3.1-405b,context=1000;kv_dtype=fp16,0.984 GB,0.001\n", i);
    if (fclose(f))
        return unlink(path), 1;
    attn_claim_result *r = NULL;
    size_t n = 0;
    attn_diag diag = {{0}};
    attn_claims_options o = {0};
    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    int rc = attn_claims_check(path, &o, &r, &n, &diag);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    unlink(path);
    if (rc)
        return fprintf(stderr, "claims_search: %s\n", diag.msg), 1;
    size_t triples = 0;
    for (size_t i = 0; i < n; i++)
        triples += r[i].reproducing == 1 && strstr(r[i].explanation, "fp32") &&
                   strstr(r[i].explanation, "GiB as GB") && strstr(r[i].explanation, "1024 tokens");
    printf("%zu claims in %.3f s wall, %.3f s CPU (%.1f us per claim); %zu combinations tried "
           "per claim; %zu of them reproduced by the triple\n", n, wall, cpu, 1e6 * cpu / (double)n,
           n ? r[0].tried : 0, triples);
    free(r);
    return triples == n ? 0 : 1;
}
