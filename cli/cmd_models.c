/* cmd_models.c — `attnscope models`: the presets, read through the same reader as any
 * config.json, so a broken preset shows up here rather than in a user's sizing. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct models_walk {
    int failures;
    json_t *json; /* --format json: one object per preset, else NULL (table) */
} models_walk;

static int print_model(const char *name, const char *path, void *user)
{
    models_walk *walk = user;
    attn_model m;
    attn_diag diag = {{0}};
    attn_params params = {0};
    int rc = attn_model_load(path, &m, &diag);
    if (rc) {
        walk->failures++;
        fprintf(stderr, "attnscope: %s\n", diag.msg);
        return 0;
    }
    attn_params_count(&m, &params);
    attn_plan *plan = NULL;
    attn_request req = {.precision = attn_precision_default(m.dtype)};
    uint64_t per_token = 0;
    if (attn_plan_init(&plan, &m, &req, &diag) == ATTN_OK)
        per_token = attn_plan_kv_bytes_per_token(plan);
    attn_plan_free(plan);
    char heads[32], window[24];
    if (m.mla)
        snprintf(heads, sizeof heads, "MLA %lld+%lld", (long long)m.kv_lora_rank,
                 (long long)m.rope_dim);
    else
        snprintf(heads, sizeof heads, "%lld/%lld", (long long)m.heads, (long long)m.kv_heads);
    int64_t windowed = attn_model_windowed_layers(&m);
    if (windowed)
        snprintf(window, sizeof window, "%lld of %lld", (long long)windowed, (long long)m.layers);
    else
        snprintf(window, sizeof window, "-");
    if (walk->json) {
        json_array_append_new(walk->json, json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:s, s:I, s:I, s:I}", "name", name,
            "config", path, "layers", (json_int_t)m.layers, "heads", (json_int_t)m.heads,
            "kv_heads", (json_int_t)m.kv_heads, "head_dim", (json_int_t)m.head_dim, "latent_kv", m.mla,
            "max_position_embeddings", (json_int_t)m.max_context, "windowed_layers",
            (json_int_t)windowed, "dtype", attn_dtype_name(m.dtype), "params_total",
            (json_int_t)params.total, "params_active", (json_int_t)params.active,
            "bytes_per_token", (json_int_t)per_token));
        attn_model_free(&m);
        return 0;
    }
    printf("%-18s %6lld %-12s %6lld %7lld %-10s %-5s %8.2fB %8.2fB %12llu\n", name,
           (long long)m.layers, heads, (long long)m.head_dim, (long long)m.max_context, window,
           attn_dtype_name(m.dtype), (double)params.total / 1e9, (double)params.active / 1e9,
           (unsigned long long)per_token);
    attn_model_free(&m);
    return 0;
}

static int print_json(models_walk *walk)
{
    walk->json = json_array();
    int visited = attn_preset_foreach(print_model, walk);
    int rc = visited < 0 ? cli_fail(CLI_FAILED, "models: cannot read the preset directory %s",
                                    attn_preset_dir())
                         : CLI_OK;
    if (!rc && (json_dumpf(walk->json, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF ||
                fflush(stdout)))
        rc = CLI_FAILED;
    json_decref(walk->json);
    return rc ? rc : walk->failures ? CLI_FAILED : CLI_OK;
}

int cmd_models(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope models [--format json]\n  lists the presets in the preset "
             "directory ($ATTNSCOPE_DATA_DIR overrides it)");
        return CLI_OK;
    }
    models_walk walk = {0};
    if (argc == 3 && strcmp(argv[1], "--format") == 0 && strcmp(argv[2], "json") == 0)
        return print_json(&walk);
    if (argc > 1)
        return cli_fail(CLI_USAGE, "models: unexpected argument '%s'", argv[1]);
    printf("%-18s %6s %-12s %6s %7s %-10s %-5s %9s %9s %12s\n", "preset", "layers",
           "heads/kv", "d_head", "context", "windowed", "dtype", "params", "active",
           "KV B/token");
    int visited = attn_preset_foreach(print_model, &walk);
    if (visited < 0)
        return cli_fail(CLI_FAILED, "models: cannot read the preset directory %s",
                        attn_preset_dir());
    printf("(%d presets in %s; KV B/token at the preset's dtype, all layers)\n", visited,
           attn_preset_dir());
    return walk.failures ? CLI_FAILED : CLI_OK;
}
