/* cost_train.c — a training step of attention: the forward and the backward as the
 * published algorithms and the frameworks of their time ran them (see train.h).
 *
 * Per head, N tokens, d_qk / d_v head dims, counts in elements; a dropout mask is 1 byte
 * per score (PyTorch's native_dropout keeps a bool mask), so it is N^2 / elem_bytes elements.
 */
#include "train.h"

attn_layer_cost attn_variant_layer_cost(const attn_variant_type *v, const attn_shape *s,
                                        const attn_cost_point *p)
{
    if (p->phase != ATTN_PHASE_TRAIN)
        return v->cost(s, p);
    if (v->train_cost) {
        /* the backward runs at the forward's tile granularity: executed = useful x the
         * forward's executed / useful ratio (whole diagonal tiles, a masked full S) */
        attn_layer_cost c = v->train_cost(s, p);
        attn_cost_point f = attn_train_forward_point(p);
        attn_layer_cost fwd = v->cost(s, &f);
        if (fwd.flops > 0 && fwd.flops_executed > 0)
            c.flops_executed = c.flops * (fwd.flops_executed / fwd.flops);
        else
            c.flops_executed = 0; /* no tiles: executed = useful (plan_cost.c) */
        return c;
    }
    attn_layer_cost c = {0};
    c.unsupported = true;
    c.note = "no backward is defined for this variant (no training step)";
    return c;
}

attn_cost_point attn_train_forward_point(const attn_cost_point *p)
{
    attn_cost_point f = *p;
    f.phase = ATTN_PHASE_PREFILL;
    f.dropout = 0;
    return f;
}

/* Standard attention, one kernel per framework op, as the PyTorch baseline of the
 * FlashAttention benchmarks ran it (Dao-AILab/flash-attention,
 * benchmarks/benchmark_flash_attention.py, attention_pytorch): S = baddbmm(Q, K^T) with the
 * 1/sqrt(d) scale fused (alpha); a causal mask added as an N x N tensor; softmax; dropout;
 * O = P_d V. Autograd then runs each op's backward. Every op reads its inputs from HBM and
 * writes its output there; all N^2 scores are materialised whether or not a mask hides them.
 *
 *   op                        reads (N^2)        writes (N^2)      reads/writes (N x d)
 *   forward
 *   S = baddbmm(Q, K^T)       -                  S                 Q, K
 *   S' = S + mask   [causal]  S, mask            S'
 *   P = softmax(S')           S'                 P
 *   P_d = dropout(P)  [p > 0] P                  P_d, bool mask
 *   O = P_d V                 P_d                -                 V; O
 *   backward (dO given)
 *   dP_d = dO V^T             -                  dP_d              dO, V
 *   dV = P_d^T dO             P_d                -                 dO; dV
 *   dP = dropout'(dP_d)[p>0]  dP_d, bool mask    dP
 *   dS = softmax'(dP, P)      dP, P              dS
 *   (mask add: the gradient passes through, no kernel)
 *   dQ = dS K                 dS                 -                 K; dQ
 *   dK = dS^T Q               dS                 -                 Q; dK
 *
 * Without mask and dropout this is the paper's Algorithm 0 forward (4 N^2) and Algorithm 3
 * backward (7 N^2). Building the mask tensor itself (full, triu, cast: once per call, not
 * per head) and scaling dQ, dK by alpha (N d each) are left out. */
attn_layer_cost attn_train_standard(const attn_shape *s, const attn_cost_point *p)
{
    attn_layer_cost c = {0};
    attn_cost_point f = attn_train_forward_point(p);
    long double h = (long double)s->heads, n = (long double)p->n, nn = n * n;
    long double dqk = (long double)s->d_qk, dv = (long double)s->d_v;
    bool drop = p->dropout > 0;
    long double mask_elems = drop ? nn / (p->elem_bytes > 0 ? p->elem_bytes : 1) : 0;
    long double square_reads = 2 + 5 + (p->causal ? 2 : 0) + (drop ? 2 : 0);
    long double square_writes = 2 + 2 + (p->causal ? 1 : 0) + (drop ? 2 : 0);
    attn_exact_flops(s, &f, &c);
    c.flops *= 3.5L;
    c.other_flops = c.other_flops / 5 * (5 + 4 + (drop ? 2 : 0)); /* softmax, its gradient, dropout both ways */
    c.read = h * (square_reads * nn + mask_elems + n * (4 * dqk + 4 * dv));
    c.write = h * (square_writes * nn + mask_elems + n * (2 * dqk + 2 * dv));
    c.kv = (long double)attn_tokens_held(&f) * (long double)attn_kv_elems_full(s).per_token;
    c.extra = h * ((drop ? 2 : 1) * nn + mask_elems); /* P (and P_d, the mask) kept for backward */
    return c;
}

/* Algorithm 4 of arXiv:2205.14135 (FlashAttention backward): K_j, V_j loaded once for the
 * outer loop and dK_j, dV_j written once; for every (K block j, Q block i) visited, Q_i, O_i,
 * dO_i, dQ_i, l_i, m_i are loaded and dQ_i written back (lines 7, 10, 20, 23). Dropout masks
 * are regenerated from the saved RNG state (line 1), so they cost no traffic. Theorem 5: this
 * is Theta(N^2 d^2 / M), the forward's order. FlashAttention-2 (arXiv:2307.08691, Algorithm
 * 2) first computes D = rowsum(dO o O) (reads O, dO, writes D), then loads Q_i, dO_i, dQ_i,
 * L_i, D_i per visited pair; the rest is the same. The visited rows are those of Algorithm 1
 * with the same tiles (causal skips the blocks the mask empties, as the kernels do): Algorithm
 * 1 writes O_i, l_i, m_i (d_v + 2 elements) per visited row, which gives the count back. */
void attn_train_flash_backward(const attn_shape *s, const attn_cost_point *p, bool fa2,
                               attn_layer_cost *c)
{
    attn_cost_point f = attn_train_forward_point(p);
    long double h = (long double)s->heads, n = (long double)p->n;
    long double dqk = (long double)s->d_qk, dv = (long double)s->d_v;
    long double rows = attn_flash1_traffic(&f, s->d_qk, s->d_v).write / (dv + 2);
    long double per_row = fa2 ? 2 * dqk + dv + 2 : 2 * dqk + 2 * dv + 2;
    long double read = n * (dqk + dv) + rows * per_row;
    long double write = rows * dqk + n * (dqk + dv);
    if (fa2)
        read += 2 * n * dv, write += n;
    c->read += h * read;
    c->write += h * write;
    if (c->dram > 0) /* the forward's cache-aware traffic; the backward's as the IO model */
        c->dram += h * (read + write);
    c->flops *= 3.5L;
    c->other_flops = c->other_flops / 5 * (5 + 5 + 4); /* forward, recomputed P, dS */
}

attn_layer_cost attn_train_streamed(const attn_layer_cost *fwd)
{
    attn_layer_cost c = *fwd;
    if (c.unsupported)
        return c;
    c.flops = 3 * fwd->flops;
    c.other_flops = 3 * fwd->other_flops;
    c.read = 2 * fwd->read + fwd->write; /* inputs again, output gradients */
    c.write = fwd->write + fwd->read;    /* one gradient per input */
    c.batch_read = 2 * fwd->batch_read;
    c.dram = 0; /* the walked step is the forward's: a training step moves the IO model's */
    return c;
}
