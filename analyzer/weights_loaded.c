/* weights_loaded.c — the bytes of weights one GPU holds once a serving engine has loaded
 * them: sharded by tensor parallelism, split into pipeline stages, quantised per tensor.
 *
 * A parameter count times one precision is wrong in both directions: quantised checkpoints
 * keep embeddings, norms, routers and lm_head in 16 bits and carry scales and zero points
 * (see models/quant_config.c), and sharding replicates some tensors on every rank. The rules
 * follow vLLM's layers (vllm/model_executor/layers/):
 *  - vocab_parallel_embedding.py: VocabParallelEmbedding / ParallelLMHead pad the vocabulary
 *    to a multiple of 64 (DEFAULT_VOCAB_PADDING_SIZE) and give each rank 1/tp of the rows; the
 *    embedding lives on the first pipeline stage, lm_head on the last (a second copy when
 *    tied and pp > 1);
 *  - linear.py: QKVParallelLinear gives each rank heads/tp query heads and max(1, kv/tp) KV
 *    heads (replicated when tp > kv heads); Column/RowParallelLinear split out/in by tp;
 *    ReplicatedLinear (MLA's q_a / kv_a projections, MoE routers) is whole on every rank;
 *  - fused_moe/layer.py: FusedMoE splits each expert's intermediate by tp; with expert
 *    parallelism (--enable-expert-parallel) each rank holds whole experts, ceil(experts/tp)
 *    on the fullest rank, which differs when experts or widths do not divide by tp;
 *  - models/deepseek_v2.py + attention/backends/mla/common.py (process_weights_after_loading):
 *    MLA keeps kv_b_proj and adds 16-bit W_UK / W_UV copies of it for the absorbed decode.
 * Norms and biases are 16-bit and replicated (row-parallel biases too).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "checked.h"
#include "diag.h"
#include "engine_internal.h"

#define BYTES16 2 /* engines load fp32 checkpoints as 16-bit (engine.c) */

static uint64_t cdiv(uint64_t a, uint64_t b)
{
    return attn_ceil_div_u64(a, b);
}

/* "re:.*mlp.gate$" (compressed-tensors), "model.layers.*.self_attn" (mxfp4) and plain
 * fragments ("lm_head") all match as a glob anywhere in the module name. */
static bool skipped(const attn_quant *q, const char *module)
{
    for (int i = 0; i < q->nskip; i++) {
        char glob[200], *o = glob;
        const char *p = q->skip[i];
        if (strncmp(p, "re:", 3) == 0)
            p += 3;
        *o++ = '*';
        for (; *p && o < glob + sizeof glob - 2; p++) {
            if (p[0] == '.' && p[1] == '*')
                continue; /* ".*" -> the '*' that follows */
            if (*p == '^' || *p == '$')
                continue;
            *o++ = *p;
        }
        *o++ = '*';
        *o = '\0';
        if (fnmatch(glob, module, 0) == 0)
            return true;
    }
    return false;
}

/* a x b values of `bits` bits each, exactly (the product checked before it is used). */
static void add_bits(attn_sum *s, uint64_t a, uint64_t b, uint64_t bits)
{
    uint64_t n = 0;
    if (attn_mul_u64(a, b, &n)) {
        s->rc = ATTN_ERR_OVERFLOW;
        return;
    }
    attn_sum_add(s, n / 8, bits);
    attn_sum_add(s, 1, (n % 8) * bits / 8);
}

/* One [out x in] weight on this rank, stored as the method stores it. */
static void matrix(attn_sum *s, const attn_quant *q, const char *module, uint64_t out, uint64_t in)
{
    if (q->method == ATTN_QUANT_NONE || skipped(q, module)) {
        attn_sum_add(s, out * BYTES16, in);
        return;
    }
    uint64_t elems = 0, groups = q->group > 0 ? cdiv(in, (uint64_t)q->group) : 1;
    if (attn_mul_u64(out, in, &elems)) {
        s->rc = ATTN_ERR_OVERFLOW;
        return;
    }
    switch (q->method) {
    case ATTN_QUANT_FP8:
    case ATTN_QUANT_INT8:
        attn_sum_add(s, elems, 1);
        if (q->block_out > 0 && q->block_in > 0)
            attn_sum_add(s, cdiv(out, (uint64_t)q->block_out) * cdiv(in, (uint64_t)q->block_in),
                q->scale_bytes);
        else
            attn_sum_add(s, q->group < 0 ? 1 : out, q->scale_bytes);
        break;
    case ATTN_QUANT_GPTQ:
    case ATTN_QUANT_AWQ:
        add_bits(s, out, in, q->bits);
        add_bits(s, groups, out, 8 * q->scale_bytes);
        if (q->zero_points)
            add_bits(s, groups, out, q->bits);
        if (q->row_index)
            attn_sum_add(s, in, 4);
        break;
    case ATTN_QUANT_BNB4: {
        uint64_t blocks = cdiv(elems, 64);
        attn_sum_add(s, cdiv(elems, 2), 1);
        if (q->double_quant) {
            attn_sum_add(s, blocks, 1);
            attn_sum_add(s, cdiv(blocks, 256), 4);
        } else {
            attn_sum_add(s, blocks, 4);
        }
        break;
    }
    case ATTN_QUANT_BNB8:
        attn_sum_add(s, elems, 1);
        attn_sum_add(s, out, 4);
        break;
    case ATTN_QUANT_MXFP4:
        attn_sum_add(s, cdiv(elems, 2), 1);
        attn_sum_add(s, cdiv(elems, 32), 1);
        break;
    default:
        attn_sum_add(s, out * BYTES16, in);
    }
}

void attn_pp_stage_range(int64_t layers, int64_t pp, int64_t stage, int64_t *start, int64_t *end)
{
    int64_t base = layers / pp, remaining = layers % pp, at = 0;
    for (int64_t r = 0; r <= stage; r++) {
        /* stages pp-2, pp-3, ... pp-1-remaining take one extra layer each */
        int64_t n = base + (r >= pp - 1 - remaining && r < pp - 1 ? 1 : 0);
        if (r == stage) {
            *start = at;
            *end = at + n;
        }
        at += n;
    }
}

static void attention(attn_sum *s, const attn_model *m, const attn_quant *q, uint64_t tp,
                      const char *prefix, attn_sum *norms)
{
    char name[160];
    uint64_t h = (uint64_t)m->heads / tp, d = (uint64_t)m->hidden;
    if (m->mla) {
        uint64_t qk = (uint64_t)(m->nope_dim + m->rope_dim);
        uint64_t c = (uint64_t)m->kv_lora_rank, r = (uint64_t)m->rope_dim;
        if (m->q_lora_rank) {
            uint64_t ql = (uint64_t)m->q_lora_rank;
            snprintf(name, sizeof name, "%sself_attn.q_a_proj", prefix);
            matrix(s, q, name, ql, d);
            snprintf(name, sizeof name, "%sself_attn.q_b_proj", prefix);
            matrix(s, q, name, h * qk, ql);
            attn_sum_add(norms, ql, BYTES16);
        } else {
            snprintf(name, sizeof name, "%sself_attn.q_proj", prefix);
            matrix(s, q, name, h * qk, d);
        }
        snprintf(name, sizeof name, "%sself_attn.kv_a_proj_with_mqa", prefix);
        matrix(s, q, name, c + r, d);
        snprintf(name, sizeof name, "%sself_attn.kv_b_proj", prefix);
        matrix(s, q, name, h * (uint64_t)(m->nope_dim + m->v_head_dim), c);
        attn_sum_add(s, h * c, (uint64_t)(m->nope_dim + m->v_head_dim) * BYTES16); /* W_UK, W_UV */
        attn_sum_add(norms, c, BYTES16);
        snprintf(name, sizeof name, "%sself_attn.o_proj", prefix);
        matrix(s, q, name, d, h * (uint64_t)m->v_head_dim);
        return;
    }
    uint64_t kv = (uint64_t)m->kv_heads >= tp ? (uint64_t)m->kv_heads / tp : 1;
    uint64_t rows = h * (uint64_t)m->head_dim + kv * (uint64_t)(m->head_dim + m->v_head_dim);
    snprintf(name, sizeof name, "%sself_attn.qkv_proj", prefix);
    matrix(s, q, name, rows, d);
    snprintf(name, sizeof name, "%sself_attn.o_proj", prefix);
    matrix(s, q, name, d, h * (uint64_t)m->v_head_dim);
    if (m->attention_bias)
        attn_sum_add(norms, rows, BYTES16);
    if (m->linear_bias)
        attn_sum_add(norms, d, BYTES16);
    attn_sum_add(norms, (uint64_t)m->head_norms * (uint64_t)m->head_dim, BYTES16);
}

/* A gated (gate, up, down) or plain (up, down) MLP of width `inter` per rank. */
static void mlp(attn_sum *s, const attn_model *m, const attn_quant *q, const char *module,
                uint64_t inter, uint64_t count)
{
    uint64_t d = (uint64_t)m->hidden;
    attn_sum one = {0, ATTN_OK};
    char name[160];
    snprintf(name, sizeof name, "%s.gate_up_proj", module);
    matrix(&one, q, name, (m->gated_mlp ? 2 : 1) * inter, d);
    snprintf(name, sizeof name, "%s.down_proj", module);
    matrix(&one, q, name, d, inter);
    if (m->linear_bias)
        attn_sum_add(&one, inter + d, BYTES16);
    if (one.rc)
        s->rc = one.rc;
    attn_sum_add(s, one.total, count);
}

static bool is_moe_layer(const attn_model *m, int64_t layer)
{
    return m->experts && layer >= m->first_dense_layers && layer % m->moe_layer_freq == 0;
}

static void layer(const attn_model *m, const attn_quant *q, uint64_t tp, bool ep, int64_t i,
                  attn_sum *att, attn_sum *mlps, attn_sum *norms)
{
    char prefix[64], module[96];
    snprintf(prefix, sizeof prefix, "model.layers.%lld.", (long long)i);
    attention(att, m, q, tp, prefix, norms);
    attn_sum_add(norms, (uint64_t)m->norms_per_layer * (uint64_t)m->hidden * (m->norm_bias ? 2 : 1),
        BYTES16);
    if (!is_moe_layer(m, i)) {
        snprintf(module, sizeof module, "%smlp", prefix);
        mlp(mlps, m, q, module, cdiv((uint64_t)m->intermediate, tp), 1);
        return;
    }
    uint64_t inter = cdiv((uint64_t)m->moe_intermediate, tp);
    attn_sum_add(mlps, (uint64_t)m->hidden * (uint64_t)m->experts, BYTES16); /* router, replicated */
    snprintf(module, sizeof module, "%smlp.experts", prefix);
    if (ep) /* whole experts, the largest share any GPU gets */
        mlp(mlps, m, q, module, (uint64_t)m->moe_intermediate,
            cdiv((uint64_t)m->experts, tp));
    else
        mlp(mlps, m, q, module, inter, (uint64_t)m->experts);
    if (m->shared_experts) {
        snprintf(module, sizeof module, "%smlp.shared_experts", prefix);
        mlp(mlps, m, q, module, inter * (uint64_t)m->shared_experts, 1);
    }
}

int attn_weights_loaded_compute(const attn_model *m, const attn_quant *q, int64_t tp, int64_t pp,
                                int64_t stage, bool ep, attn_weights_loaded *out,
                                attn_diag *diag)
{
    memset(out, 0, sizeof *out);
    if (tp < 1 || pp < 1 || stage < 0 || stage >= pp)
        return attn_fail(diag, ATTN_ERR_RANGE, "weights: stage %lld of tp %lld x pp %lld",
                         (long long)stage, (long long)tp, (long long)pp);
    if (pp > m->layers)
        return attn_fail(diag, ATTN_ERR_RANGE,
                         "--pp %lld exceeds the %lld layers of %s", (long long)pp,
                         (long long)m->layers, m->name);
    uint64_t t = (uint64_t)tp;
    uint64_t vocab_rows = cdiv(cdiv((uint64_t)m->vocab, 64) * 64, t);
    attn_sum emb = {0, ATTN_OK}, head = {0, ATTN_OK}, att = {0, ATTN_OK}, mlps = {0, ATTN_OK},
         norms = {0, ATTN_OK};
    int64_t start = 0, end = 0;
    attn_pp_stage_range(m->layers, pp, stage, &start, &end);
    bool first = stage == 0, last = stage == pp - 1;
    if (first) {
        attn_sum_add(&emb, vocab_rows * (uint64_t)m->hidden, BYTES16);
        attn_sum_add(&emb, (uint64_t)m->learned_positions * (uint64_t)m->hidden, BYTES16);
    }
    if (last) {
        if (!m->tied_embeddings || pp > 1)
            attn_sum_add(&head, vocab_rows * (uint64_t)m->hidden, BYTES16); /* never quantised */
        attn_sum_add(&norms, (uint64_t)m->hidden * (m->norm_bias ? 2 : 1), BYTES16); /* final norm */
    }
    for (int64_t i = start; i < end; i++)
        layer(m, q, t, ep, i, &att, &mlps, &norms);
    out->embedding = emb.total;
    out->lm_head = head.total;
    out->attention = att.total;
    out->mlp = mlps.total;
    out->norms = norms.total;
    uint64_t total = 0;
    int rc = emb.rc ? emb.rc : head.rc ? head.rc : att.rc ? att.rc : mlps.rc ? mlps.rc : norms.rc;
    if (!rc)
        rc = attn_add_u64(out->embedding, out->lm_head, &total);
    if (!rc)
        rc = attn_add_u64(total, out->attention, &total);
    if (!rc)
        rc = attn_add_u64(total, out->mlp, &total);
    if (!rc)
        rc = attn_add_u64(total, out->norms, &total);
    out->total = total;
    return rc ? attn_fail(diag, rc, "%s: weights per GPU overflow 64 bits", m->name) : ATTN_OK;
}
