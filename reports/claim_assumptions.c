/* claim_assumptions.c — the usual wrong assumptions behind published numbers, tried one at a
 * time and then in pairs, and named when they reproduce a failing claim:
 * MHA (or MQA) instead of the model's GQA/MLA, another cache precision, a cache quantised to
 * b bits, one layer for all (or all for one), decimal for binary units (GB for GiB), 1000
 * tokens for 1024 (or back), a sliding window ignored. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "claims_internal.h"
#include "variant.h"

enum { MAX_TWISTS = 48 };

typedef enum { FAMILY_LAYOUT, FAMILY_PRECISION, FAMILY_LAYERS, FAMILY_UNITS, FAMILY_CONTEXT,
               FAMILY_WINDOWS } twist_family;

typedef struct named_twist {
    claim_twist twist;
    twist_family family;
    char name[96];
} named_twist;

static void add(named_twist *list, size_t *n, twist_family family, claim_twist t,
                const char *name)
{
    if (*n >= MAX_TWISTS)
        return;
    list[*n].twist = t;
    list[*n].family = family;
    snprintf(list[*n].name, sizeof list[*n].name, "%s", name);
    ++*n;
}

/* 1 for K, 2 for M, 3 for G, 4 for T in the claim's unit; 0 when it has no byte prefix. */
static int unit_power(const char *unit)
{
    static const char prefixes[] = "KMGT";
    const char *p = unit[0] ? strchr(prefixes, unit[0]) : NULL;
    return p && strchr(unit, 'B') ? (int)(p - prefixes) + 1 : 0;
}

static size_t build_twists(const claim *c, named_twist *list)
{
    size_t n = 0;
    const attn_model *m = c->model;
    char name[96];
    add(list, &n, FAMILY_LAYOUT, (claim_twist){.variant = attn_variant_alias_name(ATTN_HEADS_ALL)},
        "MHA instead of the model's KV heads");
    add(list, &n, FAMILY_LAYOUT, (claim_twist){.variant = attn_variant_alias_name(ATTN_HEADS_ONE)},
        "MQA (one KV head)");
    static const attn_dtype dtypes[] = {ATTN_DTYPE_FP32, ATTN_DTYPE_FP16, ATTN_DTYPE_FP8, ATTN_DTYPE_INT4};
    attn_dtype current = c->s.kv_dtype_set ? c->s.kv_dtype : m->dtype;
    for (size_t d = 0; d < 4; d++) {
        if (attn_dtype_bits(dtypes[d]) == attn_dtype_bits(current))
            continue;
        snprintf(name, sizeof name, "a %s cache", attn_dtype_name(dtypes[d]));
        add(list, &n, FAMILY_PRECISION, (claim_twist){.dtype_set = true, .dtype = dtypes[d]}, name);
    }
    for (int bits = 2; bits <= 12; bits++) {
        if ((unsigned)bits == attn_dtype_bits(current) || bits == 4 || bits == 8)
            continue; /* the precisions above cover 4, 8, 16 and 32 */
        snprintf(name, sizeof name, "KV quantised to %d bits per element", bits);
        add(list, &n, FAMILY_PRECISION, (claim_twist){.bits = bits}, name);
    }
    snprintf(name, sizeof name, "one layer reported for all %lld", (long long)m->layers);
    add(list, &n, FAMILY_LAYERS, (claim_twist){.layer_factor = 1.0 / (double)m->layers}, name);
    snprintf(name, sizeof name, "all %lld layers reported for one", (long long)m->layers);
    add(list, &n, FAMILY_LAYERS, (claim_twist){.layer_factor = (double)m->layers}, name);
    int power = unit_power(c->unit);
    if (power) {
        double ratio = pow(1000.0 / 1024.0, power);
        add(list, &n, FAMILY_UNITS, (claim_twist){.unit_factor = ratio}, "binary units printed as decimal (GiB as GB)");
        add(list, &n, FAMILY_UNITS, (claim_twist){.unit_factor = 1 / ratio}, "decimal units printed as binary (GB as GiB)");
    }
    add(list, &n, FAMILY_CONTEXT, (claim_twist){.context_factor = 1.024}, "1024 tokens where 1000 were said");
    add(list, &n, FAMILY_CONTEXT, (claim_twist){.context_factor = 1 / 1.024}, "1000 tokens where 1024 were said");
    if (attn_model_windowed_layers(m))
        add(list, &n, FAMILY_WINDOWS, (claim_twist){.ignore_windows = true}, "the sliding window ignored");
    return n;
}

static claim_twist combine(const claim_twist *a, const claim_twist *b)
{
    claim_twist t = *a;
    if (b->variant)
        t.variant = b->variant;
    if (b->dtype_set)
        t.dtype_set = true, t.dtype = b->dtype;
    if (b->bits > 0)
        t.bits = b->bits;
    if (b->layer_factor > 0)
        t.layer_factor = b->layer_factor;
    if (b->unit_factor > 0)
        t.unit_factor = b->unit_factor;
    if (b->context_factor > 0)
        t.context_factor = b->context_factor;
    t.ignore_windows = a->ignore_windows || b->ignore_windows;
    return t;
}

static bool reproduces(const claim *c, const claim_twist *t, long double *value)
{
    char why[256];
    return claim_evaluate(c, t, value, why, sizeof why) == ATTN_OK &&
           fabsl(*value - c->claimed) <= c->tolerance;
}

static void append(char *buf, size_t len, const char *text, long double value, const claim *c)
{
    char shown[48];
    attn_claim_format(value, c->unit, shown, sizeof shown);
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s (gives %s)", used ? "; " : "", text, shown);
}

bool claim_explain(const claim *c, char *explanation, size_t len)
{
    named_twist list[MAX_TWISTS];
    size_t n = build_twists(c, list);
    long double value;
    explanation[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (reproduces(c, &list[i].twist, &value))
            append(explanation, len, list[i].name, value, c);
    for (size_t i = 0; i < n && !explanation[0]; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (list[i].family == list[j].family)
                continue;
            claim_twist both = combine(&list[i].twist, &list[j].twist);
            if (reproduces(c, &both, &value)) {
                char name[200];
                snprintf(name, sizeof name, "%s and %s", list[i].name, list[j].name);
                append(explanation, len, name, value, c);
            }
        }
    }
    return explanation[0] != '\0';
}
