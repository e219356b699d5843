/* claims_internal.h — one claim as the checker sees it (internal to the claim checker). */
#ifndef ATTN_CLAIMS_INTERNAL_H
#define ATTN_CLAIMS_INTERNAL_H

#include "claims.h"

typedef enum {
    METRIC_KV_BYTES,
    METRIC_KV_BYTES_PER_TOKEN,
    METRIC_KV_REDUCTION,
    METRIC_HBM_BYTES,
    METRIC_HBM_RATIO,
    METRIC_FLOPS,
    METRIC_FLOPS_RATIO,
    METRIC_SPEEDUP,
    METRIC_MAX_BATCH,
    METRIC_MAX_CONTEXT,
    METRIC_THROUGHPUT,
    METRIC_THROUGHPUT_RATIO,
    METRIC_COUNT
} claim_metric;

/* The settings column, parsed: what the claim says about the deployment. */
typedef struct claim_settings {
    int64_t batch, context, seq, baseline_seq;
    char variant[32], baseline_variant[32], baseline_model[128], device[64];
    attn_dtype kv_dtype;
    bool kv_dtype_set, causal, per_layer;
    attn_phase phase;
    uint64_t sram;
    double mem_util;
    int64_t features, rank;
    double dropout;                 /* train: dropout probability on P */
    int64_t tp;                     /* throughput: tensor-parallel GPUs */
    char engine[32];                /* throughput: engine memory rules (see throughput.h) */
    attn_dtype weights_dtype;       /* throughput: weights as served */
    bool weights_dtype_set;
    double kv_bits;                 /* throughput: cache bits per element (0: kv_dtype) */
    bool needs_measurement;         /* speedup the IO model cannot see (needs=measurement) */
} claim_settings;

/* How an assumption bends the computation (all neutral when zero). */
typedef struct claim_twist {
    const char *variant;     /* head layout forced on the subject (e.g. "mha") */
    bool dtype_set;
    attn_dtype dtype;        /* another precision for the subject's cache */
    double bits;             /* cache stored at this many bits per element */
    double layer_factor;     /* 1/L: one layer reported as the total; L: the reverse */
    double unit_factor;      /* printed in binary units under a decimal name, or back */
    double context_factor;   /* 1024/1000 or 1000/1024 applied to the context */
    bool ignore_windows;
    bool phase_set;
    attn_phase phase;        /* a training step for inference, or the forward alone */
} claim_twist;

typedef struct claim {
    claim_metric metric;
    const attn_model *model;          /* the subject */
    const attn_model *baseline_model; /* NULL: the subject */
    claim_settings s;
    long double claimed, tolerance;
    char unit[16];
    attn_claim_timer measure; /* NULL: speedups from the roofline model */
    attn_device device; /* settings' device (default h100-sxm), read once per row */
    bool device_loaded;
} claim;

int claim_metric_parse(const char *text, claim_metric *metric);
/* "batch=8;context=1000;kv_dtype=fp16" */
int claim_settings_parse(const char *text, claim_settings *s, char *why, size_t len);
/* "20.97 GB" -> 20.97e9 with unit "GB"; "93.3%" -> 0.933; "9x" -> 9 */
int claim_value_parse(const char *text, long double *value, char *unit, size_t unit_len);
/* "2%" of the claimed value, or an absolute number in the claim's unit (default 1%) */
int claim_tolerance_parse(const char *text, long double claimed, const char *unit,
                          long double *tolerance);

/* The metric's value under a twist; ATTN_ERR_UNSUPPORTED with why when it cannot be. */
int claim_evaluate(const claim *c, const claim_twist *twist, long double *value, char *why,
                   size_t len);
/* Decode tokens/s at the largest batch that fits, or its ratio to the baseline's
 * (claim_throughput.c). */
int claim_throughput_value(const claim *c, const claim_twist *t, long double *value, char *why,
                           size_t len);
/* "8 x H800 (tp 8), context 2048: deepseek-v2 (fp8 weights, 6-bit KV) batch 901 at 39082
 * tokens/s; ..." — the serving assumptions a throughput verdict rests on. */
void claim_throughput_describe(const claim *c, char *buf, size_t len);
/* Fills the explanation with every combination of up to three assumptions whose value falls
 * within the tolerance (none of whose parts does alone), fewest first, then closest; *tried
 * is how many combinations were computed, *reproducing how many reproduce the claim. */
bool claim_explain(const claim *c, char *explanation, size_t len, size_t *tried,
                   size_t *reproducing);

#endif
