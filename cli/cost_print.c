/* cost_print.c — rendering cost rows. The table is for reading (GFLOP, GB, ms); CSV and JSON
 * carry raw units named in the column (flops, bytes, seconds) for plots and scripts. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "cost_print.h"
#include "csv_out.h"

static const char *phase_name(attn_phase phase)
{
    return phase == ATTN_PHASE_DECODE ? "decode" : phase == ATTN_PHASE_TRAIN ? "train" : "prefill";
}

/* What the DRAM column assumed, in one phrase. */
static void cache_phrase(const cost_context *ctx, char *buf, size_t len)
{
    if (!ctx->cache.llc_bytes)
        snprintf(buf, len, "no L2 size known: DRAM = HBM");
    else
        snprintf(buf, len, "L2 %llu B, %s tiles", (unsigned long long)ctx->cache.llc_bytes,
                 attn_tiles_name(ctx->cache.tiles));
}

static int print_table(const cost_context *ctx, const cost_row *rows, size_t count)
{
    char cache[96];
    cache_phrase(ctx, cache, sizeof cache);
    printf("%s on %s (%.4g TFLOP/s, %.4g TB/s, SRAM %llu B, %s), %s elements, %s cache\n",
           ctx->model, ctx->device, ctx->peak_flops / 1e12, ctx->bandwidth / 1e12,
           (unsigned long long)ctx->sram_bytes, cache, attn_dtype_name(ctx->dtype),
           attn_dtype_name(ctx->kv_dtype));
    printf("GFLOP: useful (causal n(n+1)/2 pairs); exec: at the kernels' tiles. HBM GB = KV "
           "moved + weights + activations; DRAM GB: what misses the cache\n");
    printf("%-10s %-7s %8s %5s %12s %12s %10s %11s %10s %10s %10s %11s %10s %10s %8s %10s %-7s\n",
           "variant", "phase", "seq", "batch", "GFLOP", "exec GFLOP", "other GF", "HBM GB",
           "KV mv GB", "weight GB", "act GB", "DRAM GB", "KV GB", "extra GB", "FLOP/B", "time ms",
           "bound");
    for (size_t i = 0; i < count; i++) {
        const cost_row *r = &rows[i];
        printf("%-10s %-7s %8lld %5lld ", r->variant, phase_name(r->phase), (long long)r->seq,
               (long long)r->batch);
        if (!r->cost.supported) {
            printf("n/a: %s\n", r->cost.note);
            continue;
        }
        const attn_cost *c = &r->cost;
        printf("%12.4Lg %12.4Lg %10.4Lg %11.4Lg %10.4Lg %10.4Lg %10.4Lg %11.4Lg %10.4Lg %10.4Lg "
               "%8.4Lg %10.4Lg %-7s\n", c->flops / 1e9L, c->flops_executed / 1e9L,
               c->other_flops / 1e9L, (c->read_bytes + c->write_bytes) / 1e9L,
               c->kv_traffic_bytes / 1e9L, c->weight_bytes / 1e9L, c->act_bytes / 1e9L,
               c->dram_bytes / 1e9L, c->kv_bytes / 1e9L, c->extra_bytes / 1e9L,
               r->roofline.intensity,
               r->roofline.time_s * 1e3L, r->roofline.memory_bound ? "memory" : "compute");
    }
    return fflush(stdout) ? CLI_FAILED : CLI_OK;
}

static const char *const CSV_HEADER[] = {
    "model", "variant", "phase", "seq", "batch", "causal", "layer", "dtype", "device",
    "sram_bytes", "flops", "other_flops", "hbm_bytes", "hbm_read_bytes", "hbm_write_bytes",
    "kv_bytes", "extra_bytes", "dram_bytes", "llc_bytes", "intensity_flop_per_byte",
    "compute_time_s", "memory_time_s", "time_s", "bound", "note", "flops_executed", "kv_traffic_bytes", "weight_bytes", "act_bytes",
    "kv_dtype"};
enum { CSV_COLUMNS = sizeof CSV_HEADER / sizeof CSV_HEADER[0] };

static int print_csv(const cost_context *ctx, const cost_row *rows, size_t count)
{
    int rc = attn_csv_write_row(stdout, CSV_HEADER, CSV_COLUMNS);
    for (size_t i = 0; i < count && !rc; i++) {
        const cost_row *r = &rows[i];
        const attn_cost *c = &r->cost;
        char v[22][48];
        snprintf(v[0], 48, "%lld", (long long)r->seq);
        snprintf(v[1], 48, "%lld", (long long)r->batch);
        snprintf(v[2], 48, "%lld", (long long)r->layer);
        snprintf(v[3], 48, "%llu", (unsigned long long)ctx->sram_bytes);
        long double numbers[] = {c->flops, c->other_flops, c->read_bytes + c->write_bytes,
                                 c->read_bytes, c->write_bytes, c->kv_bytes, c->extra_bytes,
                                 c->dram_bytes, (long double)ctx->cache.llc_bytes,
                                 r->roofline.intensity, r->roofline.compute_s,
                                 r->roofline.memory_s, r->roofline.time_s};
        for (int k = 0; k < 13; k++) {
            v[4 + k][0] = '\0';
            if (c->supported)
                snprintf(v[4 + k], 48, "%.10Lg", numbers[k]);
        }
        long double split[] = {c->flops_executed, c->kv_traffic_bytes, c->weight_bytes,
                               c->act_bytes};
        for (int k = 0; k < 4; k++) {
            v[17 + k][0] = '\0';
            if (c->supported)
                snprintf(v[17 + k], 48, "%.10Lg", split[k]);
        }
        const char *row[CSV_COLUMNS] = {
            ctx->model, r->variant, phase_name(r->phase), v[0], v[1],
            r->causal ? "true" : "false", r->layer < 0 ? "all" : v[2],
            attn_dtype_name(ctx->dtype), ctx->device, v[3], v[4], v[5], v[6], v[7], v[8],
            v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16],
            c->supported ? (r->roofline.memory_bound ? "memory" : "compute") : "",
            c->note, v[17], v[18], v[19], v[20], attn_dtype_name(ctx->kv_dtype)};
        rc = attn_csv_write_row(stdout, row, CSV_COLUMNS);
    }
    return rc ? CLI_FAILED : CLI_OK;
}

/* Exact integers where they are integers that fit, reals otherwise. */
static json_t *json_number_of(long double value)
{
    if (value == floorl(value) && fabsl(value) < 9.2e18L)
        return json_integer((json_int_t)value);
    return json_real((double)value);
}

static int print_json(const cost_context *ctx, const cost_row *rows, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++) {
        const cost_row *r = &rows[i];
        const attn_cost *c = &r->cost;
        json_t *o = json_object();
        json_object_set_new(o, "model", json_string(ctx->model));
        json_object_set_new(o, "variant", json_string(r->variant));
        json_object_set_new(o, "phase", json_string(phase_name(r->phase)));
        json_object_set_new(o, "seq", json_integer(r->seq));
        json_object_set_new(o, "batch", json_integer(r->batch));
        json_object_set_new(o, "causal", json_boolean(r->causal));
        json_object_set_new(o, "layer", r->layer < 0 ? json_string("all") : json_integer(r->layer));
        json_object_set_new(o, "dtype", json_string(attn_dtype_name(ctx->dtype)));
        json_object_set_new(o, "kv_dtype", json_string(attn_dtype_name(ctx->kv_dtype)));
        json_object_set_new(o, "device", json_string(ctx->device));
        json_object_set_new(o, "sram_bytes", json_integer((json_int_t)ctx->sram_bytes));
        json_object_set_new(o, "supported", json_boolean(c->supported));
        if (c->supported) {
            json_object_set_new(o, "flops", json_number_of(c->flops));
            json_object_set_new(o, "flops_executed", json_number_of(c->flops_executed));
            json_object_set_new(o, "other_flops", json_number_of(c->other_flops));
            json_object_set_new(o, "hbm_bytes", json_number_of(c->read_bytes + c->write_bytes));
            json_object_set_new(o, "hbm_read_bytes", json_number_of(c->read_bytes));
            json_object_set_new(o, "hbm_write_bytes", json_number_of(c->write_bytes));
            json_object_set_new(o, "kv_traffic_bytes", json_number_of(c->kv_traffic_bytes));
            json_object_set_new(o, "weight_bytes", json_number_of(c->weight_bytes));
            json_object_set_new(o, "act_bytes", json_number_of(c->act_bytes));
            json_object_set_new(o, "kv_bytes", json_number_of(c->kv_bytes));
            json_object_set_new(o, "extra_bytes", json_number_of(c->extra_bytes));
            json_object_set_new(o, "dram_bytes", json_number_of(c->dram_bytes));
            json_object_set_new(o, "llc_bytes", json_integer((json_int_t)ctx->cache.llc_bytes));
            json_object_set_new(o, "tiles", json_string(attn_tiles_name(ctx->cache.tiles)));
            json_object_set_new(o, "intensity", json_real((double)r->roofline.intensity));
            json_object_set_new(o, "compute_time_s", json_real((double)r->roofline.compute_s));
            json_object_set_new(o, "memory_time_s", json_real((double)r->roofline.memory_s));
            json_object_set_new(o, "time_s", json_real((double)r->roofline.time_s));
            json_object_set_new(o, "bound", json_string(r->roofline.memory_bound ? "memory" : "compute"));
        }
        json_object_set_new(o, "note", json_string(c->note));
        json_array_append_new(array, o);
    }
    int rc = json_dumpf(array, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF;
    json_decref(array);
    return rc ? CLI_OK : CLI_FAILED;
}

int cost_print(cli_format format, const cost_context *ctx, const cost_row *rows, size_t count)
{
    switch (format) {
    case CLI_CSV: return print_csv(ctx, rows, count);
    case CLI_JSON: return print_json(ctx, rows, count);
    default: return print_table(ctx, rows, count);
    }
}
