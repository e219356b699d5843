/* cost_print.h — rows of `attnscope cost` and their table, CSV and JSON renderings. */
#ifndef ATTN_COST_PRINT_H
#define ATTN_COST_PRINT_H

#include "cli.h"

typedef struct cost_row {
    const char *variant;
    attn_phase phase;
    int64_t seq;
    int64_t batch;
    bool causal;
    int64_t layer; /* -1: whole model */
    attn_cost cost;
    attn_roofline roofline;
} cost_row;

typedef struct cost_context {
    const char *model;
    const char *device;
    uint64_t sram_bytes;
    attn_dtype dtype;
    double peak_flops;
    double bandwidth;
    attn_dtype kv_dtype;
    attn_cache_model cache; /* what dram_bytes assumed: LLC (0 = none known) and tiles */
} cost_context;

int cost_print(cli_format format, const cost_context *ctx, const cost_row *rows, size_t count);

#endif
