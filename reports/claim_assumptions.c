/* claim_assumptions.c — the usual wrong assumptions behind published numbers, named when
 * they reproduce a failing claim: MHA (or MQA) instead of the model's GQA/MLA, another cache
 * precision, a cache quantised to b bits, one layer for all (or all for one), decimal for
 * binary units (GB for GiB), 1000 tokens for 1024 (or back), a sliding window ignored, a
 * training step counted for inference (or the forward alone for a training step).
 *
 * No coincidences sold as causes: a metric is only twisted by the families that change it
 * for a reason (RELEVANT below: a cache precision says nothing about a ratio of two
 * algorithms' traffic), a twist that leaves the value unchanged is dropped, and a
 * combination is named only when none of its parts already reproduces the claim. Singles,
 * pairs and triples (one twist per family) are all tried; every reproducing combination is
 * reported, fewest assumptions first, then closest, with how many were tried.
 *
 * Fast: only the layout, precision, context, window and phase twists need the model run;
 * layer and unit twists scale its value. Each distinct model twist is evaluated once per
 * claim (memo below), so a triple costs a multiplication, not a model evaluation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_internal.h"
#include "variant.h"

enum { MAX_TWISTS = 48, MAX_SIZE = 3, MAX_MATCHES = 64, MEMO_SLOTS = 1024 };
/* A member index standing for "an fp32 cache": a b-bit cache of a KV size metric is the fp32
 * value x b / 32 (claim_eval.c's kv_value), so all bit widths share one evaluation. */
enum { FP32_MEMBER = MAX_TWISTS };

typedef enum { FAMILY_LAYOUT, FAMILY_PRECISION, FAMILY_LAYERS, FAMILY_UNITS, FAMILY_CONTEXT,
               FAMILY_WINDOWS, FAMILY_PHASE, FAMILY_COUNT } twist_family;

#define BIT(f) (1u << (f))
/* The families that can change each metric for a reason. */
static const unsigned RELEVANT[METRIC_COUNT] = {
    [METRIC_KV_BYTES] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION) | BIT(FAMILY_LAYERS) |
                        BIT(FAMILY_UNITS) | BIT(FAMILY_CONTEXT) | BIT(FAMILY_WINDOWS),
    [METRIC_KV_BYTES_PER_TOKEN] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION) |
                                  BIT(FAMILY_LAYERS) | BIT(FAMILY_UNITS),
    [METRIC_KV_REDUCTION] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION),
    [METRIC_HBM_BYTES] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION) | BIT(FAMILY_LAYERS) |
                         BIT(FAMILY_UNITS) | BIT(FAMILY_CONTEXT) | BIT(FAMILY_WINDOWS) |
                         BIT(FAMILY_PHASE),
    [METRIC_HBM_RATIO] = BIT(FAMILY_PHASE),
    [METRIC_FLOPS] = BIT(FAMILY_LAYERS) | BIT(FAMILY_CONTEXT) | BIT(FAMILY_WINDOWS) |
                     BIT(FAMILY_PHASE),
    [METRIC_FLOPS_RATIO] = BIT(FAMILY_PHASE),
    [METRIC_SPEEDUP] = BIT(FAMILY_PHASE),
    [METRIC_MAX_BATCH] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION) | BIT(FAMILY_CONTEXT) |
                         BIT(FAMILY_WINDOWS),
    [METRIC_MAX_CONTEXT] = BIT(FAMILY_LAYOUT) | BIT(FAMILY_PRECISION) | BIT(FAMILY_WINDOWS),
    [METRIC_THROUGHPUT] = BIT(FAMILY_PRECISION) | BIT(FAMILY_CONTEXT),
    [METRIC_THROUGHPUT_RATIO] = BIT(FAMILY_PRECISION) | BIT(FAMILY_CONTEXT),
};

/* Layer and unit twists scale the value; the others need the model. */
static bool scales_only(twist_family f)
{
    return f == FAMILY_LAYERS || f == FAMILY_UNITS;
}

typedef struct named_twist {
    claim_twist twist;
    twist_family family;
    char name[96];
    long double factor; /* scaling twists */
} named_twist;

static void add(named_twist *list, size_t *n, twist_family family, claim_twist t,
                const char *name)
{
    if (*n >= MAX_TWISTS)
        return;
    list[*n].twist = t;
    list[*n].family = family;
    list[*n].factor = t.layer_factor > 0 ? t.layer_factor : t.unit_factor > 0 ? t.unit_factor : 1;
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

static void add_precisions(const claim *c, named_twist *list, size_t *n)
{
    char name[96];
    static const attn_dtype dtypes[] = {ATTN_DTYPE_FP32, ATTN_DTYPE_FP16, ATTN_DTYPE_FP8, ATTN_DTYPE_INT4};
    attn_dtype current = c->s.kv_dtype_set ? c->s.kv_dtype : c->model->dtype;
    for (size_t d = 0; d < 4; d++) {
        if (attn_dtype_bits(dtypes[d]) == attn_dtype_bits(current))
            continue;
        snprintf(name, sizeof name, "a %s cache", attn_dtype_name(dtypes[d]));
        add(list, n, FAMILY_PRECISION, (claim_twist){.dtype_set = true, .dtype = dtypes[d]}, name);
    }
    for (int bits = 2; bits <= 12; bits++) {
        if ((unsigned)bits == attn_dtype_bits(current) || bits == 4 || bits == 8)
            continue; /* the precisions above cover 4, 8, 16 and 32 */
        snprintf(name, sizeof name, "KV quantised to %d bits per element", bits);
        add(list, n, FAMILY_PRECISION, (claim_twist){.bits = bits}, name);
    }
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
    add_precisions(c, list, &n);
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
    if (c->s.phase == ATTN_PHASE_PREFILL)
        add(list, &n, FAMILY_PHASE, (claim_twist){.phase_set = true, .phase = ATTN_PHASE_TRAIN},
            "forward + backward counted (a training step, not inference)");
    else if (c->s.phase == ATTN_PHASE_TRAIN)
        add(list, &n, FAMILY_PHASE, (claim_twist){.phase_set = true, .phase = ATTN_PHASE_PREFILL},
            "the forward alone counted (inference, no backward)");
    /* keep only the families that can move this metric */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (RELEVANT[c->metric] & BIT(list[i].family))
            list[kept++] = list[i];
    return kept;
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
    if (b->context_factor > 0)
        t.context_factor = b->context_factor;
    if (b->phase_set)
        t.phase_set = true, t.phase = b->phase;
    t.ignore_windows = a->ignore_windows || b->ignore_windows;
    return t;
}

/* Values of the model twists already evaluated for this claim, keyed by the sorted indices
 * of their members (-1 for none). */
typedef struct memo_slot {
    int key[MAX_SIZE];
    bool used, ok;
    long double value;
} memo_slot;

typedef struct search {
    const claim *c;
    named_twist list[MAX_TWISTS];
    size_t n;
    memo_slot *memo;
    size_t tried;
} search;

static bool model_value(search *s, const int *members, size_t count, long double *value)
{
    int key[MAX_SIZE] = {-1, -1, -1};
    for (size_t i = 0; i < count; i++)
        key[i] = members[i];
    unsigned h = 2166136261u;
    for (int i = 0; i < MAX_SIZE; i++)
        h = (h ^ (unsigned)(key[i] + 1)) * 16777619u;
    for (unsigned probe = 0; probe < MEMO_SLOTS; probe++) {
        memo_slot *slot = &s->memo[(h + probe) % MEMO_SLOTS];
        if (slot->used && memcmp(slot->key, key, sizeof key) == 0) {
            *value = slot->value;
            return slot->ok;
        }
        if (slot->used)
            continue;
        claim_twist t = {0};
        const claim_twist fp32 = {.dtype_set = true, .dtype = ATTN_DTYPE_FP32};
        for (size_t i = 0; i < count; i++)
            t = combine(&t, members[i] == FP32_MEMBER ? &fp32 : &s->list[members[i]].twist);
        char why[256];
        slot->used = true;
        memcpy(slot->key, key, sizeof key);
        slot->ok = claim_evaluate(s->c, &t, &slot->value, why, sizeof why) == ATTN_OK;
        *value = slot->value;
        return slot->ok;
    }
    return false; /* the table is sized far beyond the combinations of MAX_TWISTS */
}

/* The value under the twists `idx` (one per family). */
static bool combo_value(search *s, const int *idx, size_t count, long double *value)
{
    int members[MAX_SIZE];
    size_t m = 0;
    long double factor = 1;
    bool kv_size = s->c->metric == METRIC_KV_BYTES || s->c->metric == METRIC_KV_BYTES_PER_TOKEN;
    for (size_t i = 0; i < count; i++) {
        const named_twist *nt = &s->list[idx[i]];
        if (scales_only(nt->family)) {
            factor *= nt->factor;
        } else if (kv_size && nt->twist.bits > 0) {
            factor *= nt->twist.bits / 32.0L;
            members[m++] = FP32_MEMBER;
        } else {
            members[m++] = idx[i];
        }
    }
    for (size_t i = 1; i < m; i++) /* the memo key is sorted: FP32_MEMBER may be out of order */
        for (size_t j = i; j > 0 && members[j - 1] > members[j]; j--) {
            int swap = members[j];
            members[j] = members[j - 1];
            members[j - 1] = swap;
        }
    if (!model_value(s, members, m, value))
        return false;
    *value *= factor;
    return true;
}

typedef struct match {
    uint64_t members;
    size_t size;
    long double value, distance;
} match;

static int match_order(const void *a, const void *b)
{
    const match *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->distance < y->distance ? -1 : x->distance > y->distance;
}

static bool contains_match(const match *found, size_t count, uint64_t members)
{
    for (size_t i = 0; i < count; i++)
        if ((found[i].members & members) == found[i].members)
            return true;
    return false;
}

static void describe(const search *s, const match *m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++)
        if (m->members & (UINT64_C(1) << i))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? " + " : "", s->list[i].name);
}

/* Walks every combination of up to MAX_SIZE twists from distinct families. */
static void walk(search *s, int *idx, size_t depth, size_t size, size_t start, long double base,
                 match *found, size_t *count)
{
    if (depth == size) {
        uint64_t members = 0;
        for (size_t i = 0; i < size; i++)
            members |= UINT64_C(1) << idx[i];
        if (contains_match(found, *count, members))
            return; /* a part of it already reproduces the claim */
        long double value;
        s->tried++;
        if (!combo_value(s, idx, size, &value))
            return;
        if (size == 1 && value == base)
            return; /* this twist changes nothing here: never a cause */
        long double distance = fabsl(value - s->c->claimed);
        if (distance <= s->c->tolerance && *count < MAX_MATCHES)
            found[(*count)++] = (match){members, size, value, distance};
        return;
    }
    for (size_t i = start; i < s->n; i++) {
        bool clash = false;
        for (size_t j = 0; j < depth; j++)
            clash |= s->list[idx[j]].family == s->list[i].family;
        if (clash)
            continue;
        idx[depth] = (int)i;
        walk(s, idx, depth + 1, size, i + 1, base, found, count);
    }
}

/* Drops the twists that leave the value as it is: combined with others they would only
 * dress a cause up with a bystander. */
static void drop_neutral(search *s, long double base)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        int idx = (int)i;
        long double value;
        s->tried++;
        if (combo_value(s, &idx, 1, &value) && value != base)
            s->list[kept++] = s->list[i];
    }
    s->n = kept;
    memset(s->memo, 0, MEMO_SLOTS * sizeof *s->memo); /* indices moved */
}

bool claim_explain(const claim *c, char *explanation, size_t len, size_t *tried,
                   size_t *reproducing)
{
    search s = {.c = c};
    match found[MAX_MATCHES];
    size_t count = 0;
    long double base;
    char why[256];
    explanation[0] = '\0';
    *tried = *reproducing = 0;
    s.memo = calloc(MEMO_SLOTS, sizeof *s.memo);
    if (!s.memo || claim_evaluate(c, NULL, &base, why, sizeof why)) {
        free(s.memo);
        return false;
    }
    s.n = build_twists(c, s.list);
    drop_neutral(&s, base);
    s.tried = 0; /* the count a reader judges a match by: combinations of real twists */
    int idx[MAX_SIZE];
    for (size_t size = 1; size <= MAX_SIZE; size++)
        walk(&s, idx, 0, size, 0, base, found, &count);
    qsort(found, count, sizeof *found, match_order);
    for (size_t i = 0; i < count; i++) {
        char names[400], shown[48];
        describe(&s, &found[i], names, sizeof names);
        attn_claim_format(found[i].value, c->unit, shown, sizeof shown);
        size_t used = strlen(explanation);
        if (used + 1 < len)
            snprintf(explanation + used, len - used, "%s%s (gives %s)", used ? "; " : "", names, shown);
    }
    if (count > 1) {
        char head[96];
        snprintf(head, sizeof head, "%zu combinations reproduce it: ", count);
        size_t hl = strlen(head), el = strlen(explanation);
        if (hl + el + 1 > len)
            el = len - hl - 1;
        memmove(explanation + hl, explanation, el);
        explanation[hl + el] = '\0';
        memcpy(explanation, head, hl);
    }
    *tried = s.tried;
    *reproducing = count;
    free(s.memo);
    return count > 0;
}
