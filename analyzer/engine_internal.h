/* engine_internal.h — what the engine model's files share (internal): the pipeline-stage
 * split, and one engine's rules behind a small table of functions. */
#ifndef ATTN_ENGINE_INTERNAL_H
#define ATTN_ENGINE_INTERNAL_H

#include "attnscope.h"

/* Layers [*start, *end) of pipeline stage `stage`, as vLLM splits them
 * (vllm/distributed/utils.py, get_pp_indices: the remainder goes to the stages before the
 * last, one layer each). */
void attn_pp_stage_range(int64_t layers, int64_t pp, int64_t stage, int64_t *start,
                         int64_t *end);

/* Torch peak of one forward pass over `tokens` tokens on one rank (activations only). */
uint64_t attn_forward_peak_bytes(const attn_model *m, int64_t tp, int64_t first_layer,
                                 int64_t end_layer, int64_t tokens);

/* One engine's rules: fill the defaults, then the terms of out (weights and KV bytes per
 * token of the stage are already in out). */
typedef struct attn_engine_rules {
    void (*defaults)(const attn_model *m, attn_engine_settings *s);
    int (*terms)(const attn_model *m, attn_engine_result *out, bool last_stage,
                 attn_diag *diag);
} attn_engine_rules;

extern const attn_engine_rules attn_engine_vllm;
extern const attn_engine_rules attn_engine_sglang;

#define ATTN_GIB (UINT64_C(1) << 30)
#define ATTN_MIB (UINT64_C(1) << 20)

#endif
