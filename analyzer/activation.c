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

/* Sums run in long double: a fuzzed config with 2^40 tokens and huge widths must saturate,
 * not wrap. */
typedef long double bytes_t;

static bytes_t max_bytes(bytes_t a, bytes_t b)
{
    return a > b ? a : b;
}

static bytes_t dense_peak(const attn_model *m, uint64_t tp, bytes_t t, uint64_t inter)
{
    bytes_t h = (bytes_t)m->hidden, i = (bytes_t)((inter + tp - 1) / tp);
    return t * (3 * h + (m->gated_mlp ? 3 : 2) * i) * ACT_BYTES;
}

static bytes_t moe_peak(const attn_model *m, uint64_t tp, bytes_t t)
{
    bytes_t h = (bytes_t)m->hidden, k = (bytes_t)m->experts_per_token;
    bytes_t i = (bytes_t)(((uint64_t)m->moe_intermediate + tp - 1) / tp);
    bytes_t chunk = t < FUSED_MOE_CHUNK ? t : FUSED_MOE_CHUNK;
    bytes_t caches = chunk * k * (2 * i + i + h) * ACT_BYTES;
    bytes_t router = t * (bytes_t)m->experts * 4;
    bytes_t shared = t * (m->gated_mlp ? 3 : 2) * i * (bytes_t)m->shared_experts * ACT_BYTES;
    return 3 * t * h * ACT_BYTES + caches + router + shared;
}

static bytes_t attention_peak(const attn_model *m, uint64_t tp, bytes_t t)
{
    bytes_t h = (bytes_t)m->hidden, heads = (bytes_t)((uint64_t)m->heads / tp);
    bytes_t kv = (bytes_t)((uint64_t)m->kv_heads >= tp ? (uint64_t)m->kv_heads / tp : 1);
    bytes_t per_token;
    if (m->mla) {
        bytes_t qk = (bytes_t)(m->nope_dim + m->rope_dim);
        per_token = heads * qk                                    /* q */
                    + (bytes_t)(m->kv_lora_rank + m->rope_dim)    /* latent */
                    + heads * (bytes_t)(m->nope_dim + m->v_head_dim) /* kv_b output */
                    + heads * qk                                  /* k with rope */
                    + heads * (bytes_t)m->v_head_dim;             /* attention output */
    } else {
        per_token = heads * (bytes_t)m->head_dim + kv * (bytes_t)(m->head_dim + m->v_head_dim) +
                    heads * (bytes_t)m->v_head_dim;
    }
    return t * (3 * h + per_token) * ACT_BYTES;
}

uint64_t attn_forward_peak_bytes(const attn_model *m, int64_t tp, int64_t first_layer,
                                 int64_t end_layer, int64_t tokens)
{
    bytes_t t = (bytes_t)tokens, peak;
    uint64_t p = (uint64_t)tp;
    bool any_moe = false, any_dense = false;
    for (int64_t l = first_layer; l < end_layer; l++) {
        bool moe = m->experts && l >= m->first_dense_layers && l % m->moe_layer_freq == 0;
        any_moe |= moe;
        any_dense |= !moe;
    }
    peak = attention_peak(m, p, t);
    if (any_dense)
        peak = max_bytes(peak, dense_peak(m, p, t, (uint64_t)m->intermediate));
    if (any_moe)
        peak = max_bytes(peak, moe_peak(m, p, t));
    return peak < (bytes_t)UINT64_MAX ? (uint64_t)peak : UINT64_MAX;
}
