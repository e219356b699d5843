/* activation.c — the torch peak of one forward pass: what a profiling run with `tokens`
 * tokens allocates on top of the weights, per tensor-parallel rank.
 *
 * Counted as the tensors alive at once in an eager decoder layer, 16-bit:
 *  - dense MLP (vllm/model_executor/models/llama.py, LlamaMLP.forward): the residual and the
 *    normed input stay referenced while gate_up (2I/tp), the activation (I/tp) and the
 *    down-projection output (H) exist: T x (3H + 3I/tp);
 *  - MoE (layers/fused_moe/fused_moe.py, fused_experts_impl): the three intermediate caches
 *    [M, top_k, 2I/tp], [M x top_k, I/tp], [M, top_k, H] for a chunk of M =
 *    min(T, VLLM_FUSED_MOE_CHUNK_SIZE) tokens, plus router logits in fp32, plus
 *    the shared experts as a dense MLP;
 *  - attention: q, k, v (k and v for max(1, kv/tp) heads), the attention output and the
 *    o-projection output; MLA prefill also decompresses K and V for every head (kv_b_proj).
 * The layer with the largest peak decides. The profiling run's sampler (logits) is added by
 * the engine's rules, since only the last pipeline stage runs it.
 */
#include "engine_internal.h"

#define ACT_BYTES 2
#define FUSED_MOE_CHUNK 16384 /* vllm/envs.py VLLM_FUSED_MOE_CHUNK_SIZE: 16 x 1024 (32768 before) */

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t dense_peak(const attn_model *m, uint64_t tp, uint64_t t, uint64_t inter)
{
    uint64_t h = (uint64_t)m->hidden, i = (inter + tp - 1) / tp;
    return t * (3 * h + (m->gated_mlp ? 3 : 2) * i) * ACT_BYTES;
}

static uint64_t moe_peak(const attn_model *m, uint64_t tp, uint64_t t)
{
    uint64_t h = (uint64_t)m->hidden, k = (uint64_t)m->experts_per_token;
    uint64_t i = ((uint64_t)m->moe_intermediate + tp - 1) / tp;
    uint64_t chunk = t < FUSED_MOE_CHUNK ? t : FUSED_MOE_CHUNK;
    uint64_t caches = chunk * k * (2 * i + i + h) * ACT_BYTES;
    uint64_t router = t * (uint64_t)m->experts * 4;
    uint64_t shared = m->shared_experts
                          ? t * (m->gated_mlp ? 3 : 2) * i * (uint64_t)m->shared_experts *
                                ACT_BYTES
                          : 0;
    return 3 * t * h * ACT_BYTES + caches + router + shared;
}

static uint64_t attention_peak(const attn_model *m, uint64_t tp, uint64_t t)
{
    uint64_t h = (uint64_t)m->hidden, heads = (uint64_t)m->heads / tp;
    uint64_t kv = (uint64_t)m->kv_heads >= tp ? (uint64_t)m->kv_heads / tp : 1;
    uint64_t per_token;
    if (m->mla) {
        uint64_t qk = (uint64_t)(m->nope_dim + m->rope_dim);
        per_token = heads * qk                                    /* q */
                    + (uint64_t)(m->kv_lora_rank + m->rope_dim)   /* latent */
                    + heads * (uint64_t)(m->nope_dim + m->v_head_dim) /* kv_b output */
                    + heads * qk                                  /* k with rope */
                    + heads * (uint64_t)m->v_head_dim;            /* attention output */
    } else {
        per_token = heads * (uint64_t)m->head_dim + kv * (uint64_t)(m->head_dim + m->v_head_dim) +
                    heads * (uint64_t)m->v_head_dim;
    }
    return t * (3 * h + per_token) * ACT_BYTES;
}

uint64_t attn_forward_peak_bytes(const attn_model *m, int64_t tp, int64_t first_layer,
                                 int64_t end_layer, int64_t tokens)
{
    uint64_t t = (uint64_t)tokens, p = (uint64_t)tp, peak = 0;
    bool any_moe = false, any_dense = false;
    for (int64_t l = first_layer; l < end_layer; l++) {
        bool moe = m->experts && l >= m->first_dense_layers && l % m->moe_layer_freq == 0;
        any_moe |= moe;
        any_dense |= !moe;
    }
    peak = attention_peak(m, p, t);
    if (any_dense)
        peak = max_u64(peak, dense_peak(m, p, t, (uint64_t)m->intermediate));
    if (any_moe)
        peak = max_u64(peak, moe_peak(m, p, t));
    return peak;
}
