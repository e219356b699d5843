/* lowrank.c — low-rank (Linformer-style) attention.
 *
 * K and V are projected along the sequence to k rows (E K, F V), so a sequence keeps
 * h_kv * k * (d_qk + d_v) elements per layer; new tokens are folded into the projected rows
 * (E[:, t] k_t), so the state does not grow with the context.
 *
 * Cost: projections 2 k n h_kv (d_qk + d_v), attention over k rows 2 n k h (d_qk + d_v).
 * The projection mixes every position into every row, so there is no causal prefill.
 * With k >= n the projection is the identity and the result is exact attention.
 */
#include <stdio.h>

#include "../train.h"

static attn_kv_elems lowrank_kv_elems(const attn_shape *s)
{
    attn_kv_elems e = {0, (uint64_t)s->kv_heads * (uint64_t)s->rank * (uint64_t)(s->d_qk + s->d_v)};
    return e;
}

static void lowrank_kv_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "projected %lld KV heads x k %lld x (d_k %lld + d_v %lld) = %llu elements per sequence",
             (long long)s->kv_heads, (long long)s->rank, (long long)s->d_qk, (long long)s->d_v,
             (unsigned long long)lowrank_kv_elems(s).per_seq);
}

/* Traffic follows the kernels (kernels/cpu/lowrank.c, lowrank_decode.c): per KV head the
 * projection (E, F and the raw K, V read; K', V' written), then standard attention of the
 * group's stacked query rows over the k projected rows (K', V' read once, scores written and
 * read back). A projection to more rows than tokens is the identity, so k = min(rank, n). */
static attn_layer_cost lowrank_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    if (p->phase == ATTN_PHASE_PREFILL && p->causal) {
        c.unsupported = true;
        c.note = "low-rank projection mixes future tokens: no causal prefill";
        return c;
    }
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n, h = (long double)s->heads;
    long double g = (long double)s->kv_heads, dqk = (long double)s->d_qk, dv = (long double)s->d_v;
    long double k = (long double)(p->n > 0 && p->n < s->rank ? p->n : s->rank), width = dqk + dv;
    long double state = g * k * width, scores = h * n * k;
    /* a kernel's blocks (tiling): K, V once per block of projected rows, K', V' once per
     * block of the group's stacked query rows; once each on the CPU */
    long double raw_passes = attn_tiling_passes((int64_t)k, p->tiling.project_rows);
    long double state_passes = attn_tiling_passes((int64_t)(n * h / g), p->tiling.query_rows);
    c.flops = 2 * k * n * g * width + 2 * n * k * h * width;
    c.other_flops = 5 * scores;
    c.weight_read = 2 * k * n * g; /* the E and F columns of these positions, per KV head */
    c.kv_write = state;            /* K', V' updated */
    c.kv_read = state * (state_passes + (decode ? 1 : 0)); /* decode reads the state it updates */
    c.read = raw_passes * n * g * width + c.weight_read + c.kv_read + h * n * dqk + 2 * scores;
    c.write = c.kv_write + 2 * scores + h * n * dv;
    c.kv = state;
    c.extra = decode ? 0 : state + scores;
    c.dram = attn_lowrank_dram(s, p, &c);
    return c;
}

/* Training: nothing quadratic is materialised, so the backward is autodiff's over the
 * streamed products (train.h): inputs re-read, output gradients read, input gradients
 * written, twice the products. Gradients of learned projections are not counted. */
static attn_layer_cost lowrank_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost fwd = lowrank_cost(s, &f);
    return attn_train_streamed(&fwd);
}

const attn_variant_type attn_variant_lowrank = {
    .name = "lowrank",
    .summary = "low-rank (Linformer) attention, K and V projected to k rows per sequence",
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT | ATTN_SHOW_NONCAUSAL | ATTN_SHOW_ERROR,
    .knob = {"rank", "k"},
    .shards_heads = true,
    .kv_elems = lowrank_kv_elems,
    .kv_formula = lowrank_kv_formula,
    .cost = lowrank_cost,
    .cpu_ops = &attn_cpu_ops_lowrank,
    .gpu_ops = &attn_gpu_ops_lowrank,
    .train_cost = lowrank_train,
};
