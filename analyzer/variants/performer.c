/* performer.c — Performer (FAVOR+) linear attention.
 *
 * Decoding keeps a recurrent state instead of a cache: S = sum phi(k) v^T (m x d_v) and the
 * normaliser z = sum phi(k) (m) for each KV head, m*(d_v + 1) elements, whatever the
 * context length. With GQA the heads of a group share K and V, hence phi(K) and the state, so
 * the state is per KV head (for MHA that is h, as in DESIGN.md's table).
 *
 * Cost per token: features of each query head and each KV head (2 m d_qk each), the state
 * update (2 m d_v per KV head) and the output (2 m d_v per query head), normalisers 2 m per
 * head of either kind; with h_kv = h this is DESIGN.md's 2nmh d_qk 2 + 2nmh d_v 2 + 4nmh.
 * Linear in n, causal or not (causal uses prefix sums, the same count). Prefill streams Q, K,
 * V once and writes O (the state stays in workspace); decode also reads and writes the state.
 * The random features are read once per batch.
 *
 * A GPU's blocking (the request's tiling, kernels/gpu/ops_gpu_performer.c): the state is summed
 * by work-groups of feature_chunk features (K and V once per chunk, one shift per chunk),
 * written to global memory, and read back with omega by every readout block of query_rows of
 * the group's stacked queries; omega is then read by each sequence (once per KV head for the
 * sums). Causal prefill there is chunked: T = ceil(n / query_rows) blocks of positions, each
 * but the last summed into a state slot (K and V once per chunk), the slots turned into prefix
 * states in place (read once, written once), and every head's block reading omega and its
 * prefix slot, then its own keys again (their features and the pairs within the block).
 */
#include <stdio.h>

#include "../train.h"

static attn_kv_elems performer_kv_elems(const attn_shape *s)
{
    attn_kv_elems e = {0, (uint64_t)s->kv_heads * (uint64_t)s->features * (uint64_t)(s->d_v + 1)};
    return e;
}

static void performer_kv_formula(const attn_shape *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "state %lld KV heads x m %lld x (d_v %lld + 1) = %llu elements per sequence",
             (long long)s->kv_heads, (long long)s->features, (long long)s->d_v,
             (unsigned long long)performer_kv_elems(s).per_seq);
}

static attn_layer_cost performer_cost(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    long double n = p->phase == ATTN_PHASE_DECODE ? 1 : (long double)p->n;
    long double m = (long double)s->features, heads = (long double)(s->heads + s->kv_heads);
    long double state = performer_kv_elems(s).per_seq;
    c.flops = 2 * n * m * heads * (long double)(s->d_qk + s->d_v + 1);
    c.other_flops = n * m * heads; /* one exponential per feature */
    c.read = n * ((long double)s->heads * (long double)s->d_qk +
                  (long double)s->kv_heads * (long double)(s->d_qk + s->d_v));
    c.write = n * (long double)s->heads * (long double)s->d_v;
    c.batch_read = m * (long double)s->d_qk;
    c.kv = state;
    const attn_kernel_tiling *k = &p->tiling;
    const long double g = (long double)s->kv_heads, width = (long double)(s->d_qk + s->d_v);
    const long double chunks = attn_tiling_passes(s->features, k->feature_chunk);
    const long double moved = state + g * chunks; /* [S | z] and one shift per chunk */
    c.read += (chunks - 1) * n * g * width;           /* K and V once per feature chunk */
    if (p->phase == ATTN_PHASE_DECODE) {
        /* the recurrent state and its running-max shifts are read, updated and written back */
        c.kv_read = c.kv_write = moved;
        c.read += moved;
        c.write += moved;
    } else if (k->query_rows == 0) {
        c.extra = state; /* prefill keeps the state in workspace: forward only */
    }
    if (k->query_rows > 0 && p->causal && p->phase == ATTN_PHASE_PREFILL) {
        const long double hq = (long double)s->heads, dqk = (long double)s->d_qk;
        const long double dv = (long double)s->d_v, bq = (long double)k->query_rows;
        const long double blocks = attn_tiling_passes(p->n, k->query_rows), summed = blocks - 1;
        const long double keys = summed * bq, slot = m * (dv + 1) + chunks, omega = m * dqk;
        const int64_t full = p->n / k->query_rows, rest = p->n - full * k->query_rows;
        const long double pairs = (long double)full * bq * (bq + 1) / 2 +
                                  (long double)rest * (long double)(rest + 1) / 2;
        c.flops_executed = 2 * m * (dqk + dv + 1) * (g * keys + hq * n) +
                           hq * (2 * omega * n + 2 * (m + dv + 1) * pairs);
        c.batch_read = 0;
        c.weight_read = g * summed * omega + hq * blocks * omega;
        c.read = c.weight_read + g * chunks * keys * width + g * summed * slot +
                 hq * blocks * slot + hq * n * (dqk + width);
        c.write = g * (summed + blocks) * slot + hq * n * dv;
        c.extra = g * blocks * slot;
    } else if (k->query_rows > 0) { /* separate sums and readout passes (a GPU) */
        const long double blocks = attn_tiling_passes(
            (int64_t)(n * (long double)(s->heads / s->kv_heads)), k->query_rows);
        const long double omega = m * (long double)s->d_qk;
        c.batch_read = 0;
        c.weight_read = g * omega + g * blocks * omega; /* the sums', then each block's */
        c.read += c.weight_read + g * blocks * (state / g + chunks);
        if (p->phase != ATTN_PHASE_DECODE)
            c.write += moved; /* the state goes to global memory between the passes */
    }
    c.dram = attn_performer_dram(s, p, &c);
    return c;
}

/* Training: nothing quadratic is materialised, so the backward is autodiff's over the
 * streamed products (train.h): inputs re-read, output gradients read, input gradients
 * written, twice the products. Gradients of learned projections are not counted. */
static attn_layer_cost performer_train(const attn_shape *s, const attn_cost_point *p)
{
    attn_cost_point f = attn_train_forward_point(p);
    attn_layer_cost fwd = performer_cost(s, &f);
    return attn_train_streamed(&fwd);
}

const attn_variant_type attn_variant_performer = {
    .name = "performer",
    .summary = "Performer FAVOR+ linear attention, fixed state per sequence (m features)",
    .show = ATTN_SHOW_KV_CHART | ATTN_SHOW_KV_REPORT | ATTN_SHOW_ERROR,
    .knob = {"features", "m"},
    .shards_heads = true,
    .kv_elems = performer_kv_elems,
    .kv_formula = performer_kv_formula,
    .cost = performer_cost,
    .cpu_ops = &attn_cpu_ops_performer,
    .gpu_ops = &attn_gpu_ops_performer,
    .train_cost = performer_train,
};
