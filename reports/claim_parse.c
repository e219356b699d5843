/* claim_parse.c — the text columns of a claims file: metric names, settings, claimed values
 * with their units, tolerances. Strict: an unknown key or a value that is not a number is an
 * error naming it, never a silent default. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claims_internal.h"

static const char *const METRICS[METRIC_COUNT] = {
    "kv_bytes", "kv_bytes_per_token", "kv_reduction", "hbm_bytes", "hbm_ratio",
    "flops", "flops_ratio", "speedup", "max_batch", "max_context", "throughput",
    "throughput_ratio"};

int claim_metric_parse(const char *text, claim_metric *metric)
{
    for (int m = 0; m < METRIC_COUNT; m++)
        if (strcmp(text, METRICS[m]) == 0) {
            *metric = (claim_metric)m;
            return ATTN_OK;
        }
    return ATTN_ERR_UNKNOWN;
}

static bool parse_count(const char *value, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || errno == ERANGE || !isfinite(v) || v < 0 || v > 9e15)
        return false;
    if (*end == 'K' || *end == 'k')
        v *= 1024, end++;
    *out = (int64_t)v;
    return *end == '\0' && (double)*out == v;
}

/* A count that must be at least 1 (batch=0 is not "the default") */
static bool parse_positive(const char *value, int64_t *out)
{
    return parse_count(value, out) && *out > 0;
}

static bool parse_bool(const char *value, bool *out)
{
    *out = strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0;
    return *out || strcmp(value, "false") == 0 || strcmp(value, "0") == 0 || strcmp(value, "no") == 0;
}

/* A plain non-negative real (dropout=0.1, kv_bits=6). */
static bool parse_fraction(const char *value, double *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtod(value, &end);
    return end != value && *end == '\0' && errno != ERANGE && isfinite(*out) && *out >= 0;
}

static bool copy(char *dst, size_t len, const char *value)
{
    if (strlen(value) >= len)
        return false;
    memcpy(dst, value, strlen(value) + 1);
    return true;
}

static bool set_key(claim_settings *s, const char *key, const char *value)
{
    if (strcmp(key, "batch") == 0)
        return parse_positive(value, &s->batch);
    if (strcmp(key, "context") == 0)
        return parse_positive(value, &s->context);
    if (strcmp(key, "seq") == 0)
        return parse_positive(value, &s->seq);
    if (strcmp(key, "baseline_seq") == 0)
        return parse_positive(value, &s->baseline_seq);
    if (strcmp(key, "features") == 0)
        return parse_positive(value, &s->features);
    if (strcmp(key, "rank") == 0)
        return parse_positive(value, &s->rank);
    if (strcmp(key, "variant") == 0)
        return copy(s->variant, sizeof s->variant, value);
    if (strcmp(key, "baseline_variant") == 0)
        return copy(s->baseline_variant, sizeof s->baseline_variant, value);
    if (strcmp(key, "baseline") == 0 || strcmp(key, "baseline_model") == 0)
        return copy(s->baseline_model, sizeof s->baseline_model, value);
    if (strcmp(key, "device") == 0)
        return copy(s->device, sizeof s->device, value);
    if (strcmp(key, "kv_dtype") == 0)
        return (s->kv_dtype_set = attn_dtype_parse(value, &s->kv_dtype) == ATTN_OK);
    if (strcmp(key, "causal") == 0)
        return parse_bool(value, &s->causal);
    if (strcmp(key, "per_layer") == 0)
        return parse_bool(value, &s->per_layer);
    if (strcmp(key, "phase") == 0) {
        s->phase = strcmp(value, "decode") == 0  ? ATTN_PHASE_DECODE
                   : strcmp(value, "train") == 0 ? ATTN_PHASE_TRAIN
                                                 : ATTN_PHASE_PREFILL;
        return strcmp(value, "decode") == 0 || strcmp(value, "prefill") == 0 ||
               strcmp(value, "train") == 0;
    }
    if (strcmp(key, "mask") == 0) {
        s->causal = strcmp(value, "causal") == 0;
        return s->causal || strcmp(value, "none") == 0;
    }
    if (strcmp(key, "dropout") == 0)
        return parse_fraction(value, &s->dropout) && s->dropout < 1;
    if (strcmp(key, "kv_bits") == 0)
        return parse_fraction(value, &s->kv_bits) && s->kv_bits > 0 && s->kv_bits <= 32;
    if (strcmp(key, "tp") == 0)
        return parse_count(value, &s->tp) && s->tp >= 1 && s->tp <= 4096;
    if (strcmp(key, "needs") == 0)
        return (s->needs_measurement = strcmp(value, "measurement") == 0);
    if (strcmp(key, "engine") == 0)
        return copy(s->engine, sizeof s->engine, value);
    if (strcmp(key, "weights_dtype") == 0)
        return (s->weights_dtype_set = attn_dtype_parse(value, &s->weights_dtype) == ATTN_OK);
    if (strcmp(key, "sram") == 0)
        return attn_size_parse(value, &s->sram) == ATTN_OK && s->sram > 0;
    if (strcmp(key, "mem_util") == 0) {
        char *end = NULL;
        s->mem_util = strtod(value, &end);
        return end != value && *end == '\0' && s->mem_util > 0 && s->mem_util <= 1;
    }
    return false;
}

int claim_settings_parse(const char *text, claim_settings *s, char *why, size_t len)
{
    memset(s, 0, sizeof *s);
    s->mem_util = 0.9;
    char buf[512];
    if (!copy(buf, sizeof buf, text ? text : "")) {
        snprintf(why, len, "settings longer than %zu characters", sizeof buf - 1);
        return ATTN_ERR_PARSE;
    }
    for (char *save = NULL, *item = strtok_r(buf, ";", &save); item;
         item = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        if (!*item)
            continue;
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(why, len, "settings item '%s' is not key=value", item);
            return ATTN_ERR_PARSE;
        }
        *eq = '\0';
        if (!set_key(s, item, eq + 1)) {
            snprintf(why, len, "settings: %s = '%s' is not a known key with a valid value", item,
                     eq + 1);
            return ATTN_ERR_PARSE;
        }
    }
    return ATTN_OK;
}

static const struct {
    const char *unit;
    long double factor;
} UNITS[] = {{"B", 1}, {"KB", 1e3L}, {"KiB", 1024.0L}, {"MB", 1e6L}, {"MiB", 1048576.0L},
             {"GB", 1e9L}, {"GiB", 1073741824.0L}, {"TB", 1e12L}, {"TiB", 1099511627776.0L},
             {"%", 0.01L}, {"x", 1}, {"tokens", 1}, {"FLOP", 1}, {"GFLOP", 1e9L},
             {"TFLOP", 1e12L}, {"tokens/s", 1}};

int claim_value_parse(const char *text, long double *value, char *unit, size_t unit_len)
{
    char *end = NULL;
    errno = 0;
    long double v = strtold(text ? text : "", &end);
    if (!text || end == text || errno == ERANGE || !isfinite(v) || v < 0)
        return ATTN_ERR_PARSE;
    while (isspace((unsigned char)*end))
        end++;
    for (size_t u = 0; u < sizeof UNITS / sizeof UNITS[0]; u++) {
        if (strcmp(end, UNITS[u].unit) == 0 || (!*end && u == 0)) {
            *value = v * UNITS[u].factor;
            /* 1e4925 TiB: finite digits, infinite bytes; and what JSON (double) can hold */
            if (!isfinite((double)*value))
                return ATTN_ERR_PARSE;
            snprintf(unit, unit_len, "%s", *end ? UNITS[u].unit : "");
            return ATTN_OK;
        }
    }
    return ATTN_ERR_PARSE;
}

int claim_tolerance_parse(const char *text, long double claimed, const char *unit,
                          long double *tolerance)
{
    if (!text || !*text) {
        *tolerance = claimed * 0.01L;
        return ATTN_OK;
    }
    char *end = NULL;
    errno = 0;
    long double v = strtold(text, &end);
    if (end == text || v < 0 || !isfinite(v) || errno == ERANGE)
        return ATTN_ERR_PARSE;
    while (isspace((unsigned char)*end))
        end++;
    if (strcmp(end, "%") == 0) {
        *tolerance = claimed * v / 100.0L;
        return isfinite((double)*tolerance) ? ATTN_OK : ATTN_ERR_PARSE;
    }
    char bare[16];
    long double scaled;
    char with_unit[64];
    snprintf(with_unit, sizeof with_unit, "%s%s", text, *end ? "" : unit);
    if (claim_value_parse(with_unit, &scaled, bare, sizeof bare))
        return ATTN_ERR_PARSE;
    *tolerance = scaled;
    return ATTN_OK;
}
