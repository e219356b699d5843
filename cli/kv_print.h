/* kv_print.h — the answer of `attnscope kv`, computed once and rendered as table, CSV or JSON. */
#ifndef ATTN_KV_PRINT_H
#define ATTN_KV_PRINT_H

#include "cli.h"
#include "kv_engine.h"

struct kv_report;
typedef struct kv_report {
    const attn_model *model;
    const attn_plan *plan;
    attn_precision precision;
    int64_t batch;
    int64_t context;
    bool context_given;             /* --context was given (it is then the max_model_len) */
    attn_params params;
    attn_dtype weights_dtype;
    uint64_t weights_bytes;         /* whole model */
    uint64_t weights_bytes_rank;    /* one tensor-parallel rank */
    uint64_t bytes_per_token;       /* one rank, all layers, no window full */
    uint64_t total_bytes;           /* one rank, batch x context, windows honoured */
    uint64_t total_bytes_all_ranks;
    bool per_layer;
    bool has_capacity;
    char device_name[64];
    uint64_t memory_bytes;
    double mem_util;
    attn_capacity capacity;
    uint64_t exposed_bytes;         /* what the device reports as its total */
    bool has_engine;
    attn_engine_result engine;      /* what the serving engine allocates per GPU */
    const kv_engine_options *engine_options;
    /* context_limit.c: the model's context limit, and max_context capped at it */
    int64_t context_limit;      /* 0 = the config gives none */
    char context_limit_why[192];
    bool context_beyond;
    bool max_context_capped;
    int64_t max_context_memory; /* before the cap; -1 = memory does not bound it */
} kv_report;

/* Each returns CLI_OK or CLI_FAILED (output error, or a number JSON cannot hold exactly). */
int kv_print_table(const kv_report *r);
int kv_print_csv(const kv_report *r);
int kv_print_json(const kv_report *r);

/* context_limit.c: judge the context against the model's limit (warning on stderr), cap the
 * capacity's max_context, and render what was found. */
void kv_context_judge(kv_report *r);
void kv_context_print_model(const kv_report *r);
void kv_context_print_cap(const kv_report *r);
struct json_t;
void kv_context_json(const kv_report *r, struct json_t *o);

#endif
