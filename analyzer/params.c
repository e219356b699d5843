/* params.c — parameter count of a decoder-only transformer from its config.
 *
 * Needed to know what memory the weights leave for the KV cache. Counts embeddings (and the
 * output head when untied), learned positions, attention (MLA's low-rank projections where
 * the config has them), dense and mixture-of-experts MLPs, biases and norms. "Active" is what
 * one token passes through: shared experts plus the top-k routed ones. DeepSeek-V3's
 * multi-token-prediction module is not part of the main model and is not counted.
 */
#include "attnscope.h"
#include "checked.h"

static uint64_t attention_params(const attn_model *m, int *rc)
{
    attn_sum p = {0, ATTN_OK};
    uint64_t h = (uint64_t)m->heads, d = (uint64_t)m->hidden;
    if (m->mla) {
        uint64_t qk = (uint64_t)(m->nope_dim + m->rope_dim);
        if (m->q_lora_rank) {
            attn_sum_add(&p, d, (uint64_t)m->q_lora_rank);     /* q_a_proj */
            attn_sum_add(&p, 1, (uint64_t)m->q_lora_rank);     /* q_a_layernorm */
            attn_sum_add(&p, (uint64_t)m->q_lora_rank, h * qk); /* q_b_proj */
        } else {
            attn_sum_add(&p, d, h * qk);
        }
        attn_sum_add(&p, d, (uint64_t)(m->kv_lora_rank + m->rope_dim));                   /* kv_a */
        attn_sum_add(&p, 1, (uint64_t)m->kv_lora_rank);                                     /* kv_a norm */
        attn_sum_add(&p, (uint64_t)m->kv_lora_rank, h * (uint64_t)(m->nope_dim + m->v_head_dim)); /* kv_b */
        attn_sum_add(&p, h * (uint64_t)m->v_head_dim, d);                                   /* o_proj */
    } else {
        uint64_t q = h * (uint64_t)m->head_dim, kv = (uint64_t)m->kv_heads;
        uint64_t k = kv * (uint64_t)m->head_dim, v = kv * (uint64_t)m->v_head_dim;
        attn_sum_add(&p, d, q + k + v);
        attn_sum_add(&p, h * (uint64_t)m->v_head_dim, d);
        if (m->attention_bias)
            attn_sum_add(&p, 1, q + k + v);
        if (m->linear_bias)
            attn_sum_add(&p, 1, d); /* o_proj bias */
    }
    attn_sum_add(&p, (uint64_t)m->head_norms, (uint64_t)m->head_dim);
    *rc = p.rc;
    return p.total;
}

/* One MLP of width `inter`: gated (gate, up, down) or plain (up, down). */
static uint64_t mlp_params(const attn_model *m, int64_t inter)
{
    uint64_t matrices = m->gated_mlp ? 3 : 2;
    uint64_t params = matrices * (uint64_t)m->hidden * (uint64_t)inter;
    if (m->linear_bias)
        params += (uint64_t)inter + (uint64_t)m->hidden;
    return params;
}

static bool is_moe_layer(const attn_model *m, int64_t layer)
{
    return m->experts && layer >= m->first_dense_layers && layer % m->moe_layer_freq == 0;
}

int attn_params_count(const attn_model *m, attn_params *out)
{
    attn_sum total = {0, ATTN_OK}, active = {0, ATTN_OK}, fixed = {0, ATTN_OK};
    attn_sum layer_common = {0, ATTN_OK};
    int rc = ATTN_OK;
    uint64_t norm = (uint64_t)m->hidden * (m->norm_bias ? 2 : 1);
    uint64_t embedding = (uint64_t)m->vocab * (uint64_t)m->hidden * (m->tied_embeddings ? 1 : 2);
    /* Fix (review for the fuzzer): these two sums wrapped unchecked; a GPT-2 config with
     * n_positions 2^40 and n_embd 2^26 (each within the reader's bounds) has 2^66 position
     * weights. */
    attn_sum_add(&fixed, 1, embedding);
    attn_sum_add(&fixed, (uint64_t)m->learned_positions, (uint64_t)m->hidden);
    attn_sum_add(&fixed, 1, norm);
    attn_sum_add(&layer_common, 1, attention_params(m, &rc));
    attn_sum_add(&layer_common, (uint64_t)m->norms_per_layer, norm);
    uint64_t expert = mlp_params(m, m->moe_intermediate);
    uint64_t router = (uint64_t)m->hidden * (uint64_t)m->experts;

    attn_sum_add(&total, 1, fixed.total);
    attn_sum_add(&active, 1, fixed.total);
    for (int64_t i = 0; i < m->layers; i++) {
        attn_sum_add(&total, 1, layer_common.total);
        attn_sum_add(&active, 1, layer_common.total);
        if (is_moe_layer(m, i)) {
            attn_sum_add(&total, 1, router);
            attn_sum_add(&active, 1, router);
            attn_sum_add(&total, (uint64_t)(m->experts + m->shared_experts), expert);
            attn_sum_add(&active, (uint64_t)(m->experts_per_token + m->shared_experts), expert);
        } else {
            uint64_t dense = mlp_params(m, m->intermediate);
            attn_sum_add(&total, 1, dense);
            attn_sum_add(&active, 1, dense);
        }
    }
    if (rc || fixed.rc || layer_common.rc || total.rc || active.rc)
        return ATTN_ERR_OVERFLOW;
    out->total = total.total;
    out->active = active.total;
    out->embedding = embedding;
    return ATTN_OK;
}
