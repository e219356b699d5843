/* kv_print.c — rendering a kv_report as a table that shows its working, CSV or JSON.
 *
 * The table prints every size as exact bytes, GB (1e9) and GiB (2^30), and each total with
 * the formula that produced it, so a reader can check the arithmetic by hand.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "csv_out.h"
#include "kv_print.h"

enum { BYTES_TEXT = 96 };

static void print_windows(const kv_report *r)
{
    const attn_model *m = r->model;
    int64_t windowed = attn_model_windowed_layers(m);
    if (!windowed) {
        printf("layers       %lld, all global (hold every token)\n", (long long)m->layers);
        return;
    }
    int64_t window = 0;
    for (int64_t i = 0; i < m->layers && !window; i++)
        window = m->layer_window[i];
    printf("layers       %lld: %lld sliding-window (hold min(context, %lld) tokens), "
           "%lld global\n",
           (long long)m->layers, (long long)windowed, (long long)window,
           (long long)(m->layers - windowed));
}

static void print_capacity(const kv_report *r)
{
    char a[BYTES_TEXT], b[BYTES_TEXT], g1[32], g2[32];
    const attn_capacity *c = &r->capacity;
    printf("\ncapacity on %s, per GPU\n", r->device_name);
    printf("  memory     %s\n", cli_bytes(r->memory_bytes, a, sizeof a));
    printf("  usable     %s  (x %.2f)\n", cli_bytes(c->usable_bytes, a, sizeof a), r->mem_util);
    printf("  weights    %s  (%s)\n", cli_bytes(c->weights_bytes, a, sizeof a),
           attn_dtype_name(r->weights_dtype));
    printf("  free       %s\n", cli_bytes(c->free_bytes, a, sizeof a));
    printf("  needed     %s  -> %s\n", cli_bytes(c->needed_bytes, b, sizeof b),
           c->fits ? "FITS" : "DOES NOT FIT");
    printf("  max batch  %s sequences of %s tokens\n", cli_group((uint64_t)c->max_batch, g1, 32),
           cli_group((uint64_t)r->context, g2, 32));
    if (c->context_unbounded)
        printf("  max context unbounded at batch %lld: the cache stops growing\n",
               (long long)r->batch);
    else if (c->max_context < 0)
        printf("  max context none: batch %lld does not fit even empty\n", (long long)r->batch);
    else
        printf("  max context %s tokens at batch %lld\n",
               cli_group((uint64_t)c->max_context, g1, 32), (long long)r->batch);
    kv_context_print_cap(r);
}

static void print_layers(const kv_report *r)
{
    char a[BYTES_TEXT], g[32], h[32];
    printf("\n%-6s %-10s %-12s %s\n", "layer", "window", "tokens", "bytes (batch)");
    for (int64_t i = 0; i < attn_plan_layers(r->plan); i++) {
        const attn_kv_layer *l = attn_plan_layer(r->plan, i);
        uint64_t bytes = 0;
        attn_kv_layer_bytes(l, r->context, &bytes);
        int64_t held = l->window && l->window < r->context ? l->window : r->context;
        printf("%-6lld %-10s %-12s %s\n", (long long)i,
               l->window ? cli_group((uint64_t)l->window, g, sizeof g) : "global",
               cli_group((uint64_t)held, h, sizeof h),
               cli_bytes(bytes * (uint64_t)r->batch, a, sizeof a));
    }
}

int kv_print_table(const kv_report *r)
{
    const attn_model *m = r->model;
    const attn_kv_layer *l0 = attn_plan_layer(r->plan, 0);
    char a[BYTES_TEXT], g1[32], g2[32], g3[32];
    int64_t tp = attn_plan_tp(r->plan);

    printf("model        %s  (%s)\n", m->name, m->path);
    printf("             %lld layers, %lld query heads, %lld KV heads%s, head_dim %lld, %s\n",
           (long long)m->layers, (long long)m->heads, (long long)m->kv_heads,
           m->mla ? " (MLA: latent cache instead)" : "", (long long)m->head_dim,
           attn_dtype_name(m->dtype));
    printf("variant      %s: %s\n", attn_plan_variant(r->plan), attn_plan_kv_formula(r->plan));
    printf("precision    %s", attn_dtype_name(r->precision.dtype));
    if (r->precision.group)
        printf(" + one fp16 scale per %u values", r->precision.group);
    printf(" -> %s B per token per layer", cli_group(l0->bytes_per_token, g1, sizeof g1));
    if (l0->bytes_per_seq)
        printf(", %s B per sequence per layer", cli_group(l0->bytes_per_seq, g2, sizeof g2));
    printf("\n");
    print_windows(r);
    if (tp > 1)
        printf("tensor par.  %lld GPUs; sizes below are per GPU%s\n", (long long)tp,
               attn_plan_kv_replicated(r->plan)
                   ? "; the MLA latent cache is replicated on every GPU"
                   : "; heads are split across GPUs");
    printf("per token    %s B = %s B x %lld layers\n",
           cli_group(r->bytes_per_token, g1, sizeof g1),
           cli_group(l0->bytes_per_token, g2, sizeof g2), (long long)m->layers);
    printf("sequences    batch %s x context %s tokens\n", cli_group((uint64_t)r->batch, g1, 32),
           cli_group((uint64_t)r->context, g3, 32));
    kv_context_print_model(r);
    printf("KV cache     %s\n", cli_bytes(r->total_bytes, a, sizeof a));
    if (tp > 1)
        printf("all GPUs     %s\n", cli_bytes(r->total_bytes_all_ranks, a, sizeof a));
    printf("parameters   %s total", cli_group(r->params.total, g1, sizeof g1));
    if (r->params.active != r->params.total)
        printf(", %s active per token", cli_group(r->params.active, g2, sizeof g2));
    printf("\nweights      %s  (%s)\n", cli_bytes(r->weights_bytes, a, sizeof a),
           attn_dtype_name(r->weights_dtype));
    if (r->has_engine)
        kv_engine_print_table(r);
    else if (r->has_capacity)
        print_capacity(r);
    if (r->per_layer)
        print_layers(r);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

static char *u64_text(uint64_t value, char *buf)
{
    snprintf(buf, 24, "%llu", (unsigned long long)value);
    return buf;
}

static int print_csv_layers(const kv_report *r)
{
    static const char *const header[] = {"model", "variant", "kv_dtype", "batch", "context",
                                         "layer", "window_tokens", "tokens_held",
                                         "bytes_per_token", "bytes"};
    int rc = attn_csv_write_row(stdout, header, 10);
    for (int64_t i = 0; i < attn_plan_layers(r->plan) && !rc; i++) {
        const attn_kv_layer *l = attn_plan_layer(r->plan, i);
        uint64_t bytes = 0;
        attn_kv_layer_bytes(l, r->context, &bytes);
        int64_t held = l->window && l->window < r->context ? l->window : r->context;
        char v[7][24];
        const char *row[] = {r->model->name, attn_plan_variant(r->plan),
                             attn_dtype_name(r->precision.dtype),
                             u64_text((uint64_t)r->batch, v[0]),
                             u64_text((uint64_t)r->context, v[1]), u64_text((uint64_t)i, v[2]),
                             u64_text((uint64_t)l->window, v[3]), u64_text((uint64_t)held, v[4]),
                             u64_text(l->bytes_per_token, v[5]),
                             u64_text(bytes * (uint64_t)r->batch, v[6])};
        rc = attn_csv_write_row(stdout, row, 10);
    }
    return rc ? CLI_FAILED : CLI_OK;
}

int kv_print_csv(const kv_report *r)
{
    if (r->per_layer)
        return print_csv_layers(r);
    static const char *const header[] = {
        "model", "variant", "kv_dtype", "batch", "context", "layers", "tp", "params_total",
        "params_active", "bytes_per_token", "total_bytes", "total_bytes_gb", "total_bytes_gib",
        "weights_bytes", "free_bytes", "fits", "max_batch", "max_context"};
    char v[16][32];
    const attn_capacity *c = &r->capacity;
    snprintf(v[8], 32, "%.6f", (double)r->total_bytes / 1e9);
    snprintf(v[9], 32, "%.6f", (double)r->total_bytes / 1073741824.0);
    const char *row[18] = {
        r->model->name, attn_plan_variant(r->plan), attn_dtype_name(r->precision.dtype),
        u64_text((uint64_t)r->batch, v[0]), u64_text((uint64_t)r->context, v[1]),
        u64_text((uint64_t)r->model->layers, v[2]),
        u64_text((uint64_t)attn_plan_tp(r->plan), v[3]), u64_text(r->params.total, v[4]),
        u64_text(r->params.active, v[5]), u64_text(r->bytes_per_token, v[6]),
        u64_text(r->total_bytes, v[7]), v[8], v[9], u64_text(r->weights_bytes_rank, v[10]),
        "", "", "", ""};
    if (r->has_capacity) {
        row[14] = u64_text(c->free_bytes, v[11]);
        row[15] = c->fits ? "true" : "false";
        row[16] = u64_text((uint64_t)c->max_batch, v[12]);
        row[17] = c->context_unbounded ? "unbounded" : (c->max_context < 0 ? "none" : u64_text((uint64_t)c->max_context, v[13]));
    }
    int rc = attn_csv_write_row(stdout, header, 18);
    if (!rc)
        rc = attn_csv_write_row(stdout, row, 18);
    return rc ? CLI_FAILED : CLI_OK;
}

/* JSON integers are 64-bit signed in jansson; larger values would lose exactness. */
static int set_u64(json_t *obj, const char *key, uint64_t value)
{
    if (value > (uint64_t)INT64_MAX)
        return cli_fail(CLI_FAILED, "kv: %s = %llu is too large for a JSON integer", key,
                        (unsigned long long)value);
    json_object_set_new(obj, key, json_integer((json_int_t)value));
    return CLI_OK;
}

static json_t *layers_json(const kv_report *r)
{
    json_t *layers = json_array();
    for (int64_t i = 0; i < attn_plan_layers(r->plan); i++) {
        const attn_kv_layer *l = attn_plan_layer(r->plan, i);
        uint64_t bytes = 0;
        attn_kv_layer_bytes(l, r->context, &bytes);
        json_array_append_new(layers, json_pack("{s:I, s:I, s:I, s:I}", "layer", (json_int_t)i,
                                                "window", (json_int_t)l->window,
                                                "bytes_per_token", (json_int_t)l->bytes_per_token,
                                                "bytes", (json_int_t)(bytes * (uint64_t)r->batch)));
    }
    return layers;
}

static int capacity_json(const kv_report *r, json_t *o)
{
    const attn_capacity *c = &r->capacity;
    json_object_set_new(o, "device", json_string(r->device_name));
    json_object_set_new(o, "mem_util", json_real(r->mem_util));
    int rc = set_u64(o, "memory_bytes", r->memory_bytes);
    if (!rc)
        rc = set_u64(o, "usable_bytes", c->usable_bytes);
    if (!rc)
        rc = set_u64(o, "free_bytes", c->free_bytes);
    json_object_set_new(o, "fits", json_boolean(c->fits));
    json_object_set_new(o, "max_batch", json_integer(c->max_batch));
    json_object_set_new(o, "max_context",
                        c->context_unbounded || c->max_context < 0 ? json_null()
                                                                   : json_integer(c->max_context));
    json_object_set_new(o, "max_context_unbounded", json_boolean(c->context_unbounded));
    return rc;
}

int kv_print_json(const kv_report *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(r->model->name));
    json_object_set_new(o, "config", json_string(r->model->path));
    json_object_set_new(o, "variant", json_string(attn_plan_variant(r->plan)));
    json_object_set_new(o, "formula", json_string(attn_plan_kv_formula(r->plan)));
    json_object_set_new(o, "kv_dtype", json_string(attn_dtype_name(r->precision.dtype)));
    json_object_set_new(o, "quant_group", json_integer(r->precision.group));
    json_object_set_new(o, "batch", json_integer(r->batch));
    json_object_set_new(o, "context", json_integer(r->context));
    json_object_set_new(o, "layers", json_integer(r->model->layers));
    json_object_set_new(o, "windowed_layers", json_integer(attn_model_windowed_layers(r->model)));
    json_object_set_new(o, "tp", json_integer(attn_plan_tp(r->plan)));
    json_object_set_new(o, "kv_replicated_per_gpu", json_boolean(attn_plan_kv_replicated(r->plan)));
    json_object_set_new(o, "weights_dtype", json_string(attn_dtype_name(r->weights_dtype)));
    int rc = set_u64(o, "params_total", r->params.total);
    if (!rc)
        rc = set_u64(o, "params_active", r->params.active);
    if (!rc)
        rc = set_u64(o, "bytes_per_token", r->bytes_per_token);
    if (!rc)
        rc = set_u64(o, "total_bytes", r->total_bytes);
    if (!rc)
        rc = set_u64(o, "total_bytes_all_gpus", r->total_bytes_all_ranks);
    if (!rc)
        rc = set_u64(o, "weights_bytes", r->weights_bytes_rank);
    if (!rc && r->has_engine)
        rc = kv_engine_json(r, o);
    else if (!rc && r->has_capacity)
        rc = capacity_json(r, o);
    if (!rc)
        kv_context_json(r, o);
    if (!rc && r->per_layer)
        json_object_set_new(o, "per_layer", layers_json(r));
    if (!rc && (json_dumpf(o, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF))
        rc = CLI_FAILED;
    json_decref(o);
    return rc;
}
