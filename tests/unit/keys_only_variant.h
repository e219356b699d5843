/* keys_only_variant.h — a variant that lives only in the tests: "keys-only" caches K and not V
 * (made up), h_kv x d_qk elements per token per layer. Llama-3-8B: 8 KV heads x 128 = 1024
 * elements, x 2 B (bf16) x 32 layers = 65,536 B per token, half of standard's 131,072.
 * Registered through attn_variant_register by test_variant_registry.c (the library's lists
 * and charts) and test_variant_commands.c (the plot and report commands). */
#ifndef ATTN_TEST_KEYS_ONLY_VARIANT_H
#define ATTN_TEST_KEYS_ONLY_VARIANT_H

#include <stdio.h>

#include "variant.h"

static attn_kv_elems keys_kv(const attn_shape *s)
{
    attn_kv_elems e = {(uint64_t)s->kv_heads * (uint64_t)s->d_qk, 0};
    return e;
}

static void keys_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len, "%lld KV heads x d_k %lld", (long long)s->kv_heads, (long long)s->d_qk);
}

static attn_layer_cost keys_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    long double n = (long double)p->n;
    c.flops = 2 * n * n * (long double)(s->heads * s->d_qk);
    c.read = n * (long double)(s->heads + s->kv_heads) * (long double)s->d_qk;
    c.write = n * (long double)s->heads * (long double)s->d_v;
    c.kv = n * (long double)(s->kv_heads * s->d_qk);
    return c;
}

static const attn_variant_type keys_only = {
    .name = "keys-only",
    .summary = "test variant: K cached, V recomputed",
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT,
    .shards_heads = true,
    .kv_elems = keys_kv,
    .kv_formula = keys_formula,
    .cost = keys_cost,
};

#endif
