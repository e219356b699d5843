/* train.h — one training step of attention (forward + backward) for one layer and one
 * sequence, in elements (internal; the variants call these from their train_cost).
 *
 * Conventions shared by every variant:
 * - FLOPs (`flops`) follow the papers' count: backward = 2.5 x forward, a step = 3.5 x
 *   forward, causal halving the scored pairs (FlashAttention-2 paper, arXiv:2307.08691,
 *   Section 4.1; Dao-AILab/flash-attention benchmarks/benchmark_flash_attention.py, flops()).
 *   Streamed linear variants (Performer, low-rank) use the autodiff count instead: each
 *   product Y = AB costs two products in backward (dA and dB), a step = 3 x forward.
 * - Traffic is what the algorithm as published moves to and from HBM; dropout is a setting
 *   (probability p on P, 0 = none) and a causal mask is `point->causal`.
 */
#ifndef ATTN_TRAIN_H
#define ATTN_TRAIN_H

#include "variant.h"

/* A layer's cost for its phase: train_cost for ATTN_PHASE_TRAIN (unsupported, naming the
 * variant, when it has none), cost otherwise. */
attn_layer_cost attn_variant_layer_cost(const attn_variant_type *variant,
                                        const attn_shape *shape, const attn_cost_point *point);

/* The prefill forward of the same point (for a train_cost to start from). */
attn_cost_point attn_train_forward_point(const attn_cost_point *point);

/* Standard attention as PyTorch ran it op by op when FlashAttention was published
 * (cost_train.c spells out every pass). */
attn_layer_cost attn_train_standard(const attn_shape *shape, const attn_cost_point *point);

/* Adds FlashAttention's backward to `c`, which holds the forward of the same point:
 * Algorithm 4 of arXiv:2205.14135 (fa2 = false) or FlashAttention-2's backward (fa2 = true).
 * The FLOPs become the papers' 3.5 x forward. */
void attn_train_flash_backward(const attn_shape *shape, const attn_cost_point *point, bool fa2,
                               attn_layer_cost *c);

/* A streamed variant's step from its forward: backward re-reads the inputs and reads the
 * output gradients, writes one gradient per input, and does twice the forward's products. */
attn_layer_cost attn_train_streamed(const attn_layer_cost *forward);

#endif
