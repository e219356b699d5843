/* context_limit.c — a context beyond what the model is configured for is told, not hidden.
 *
 * The limit is attn_model_context_limit (max_position_embeddings stretched by rope_scaling).
 * `kv` and `cost` print a warning line on stderr for a length beyond it; `kv` also says so
 * in JSON (`context_beyond_model`) and caps the capacity answer max_context at the limit,
 * because memory that could hold more tokens than the model can attend to is not more
 * context.
 */
#include <jansson.h>
#include <stdio.h>

#include "kv_print.h"

int64_t cli_context_limit(const attn_model *m, int64_t tokens, char *why, size_t len)
{
    int64_t limit = attn_model_context_limit(m, why, len);
    if (limit && tokens > limit) {
        char a[32], b[32];
        fprintf(stderr, "attnscope: warning: context %s is beyond %s's limit of %s tokens (%s)\n",
                cli_group((uint64_t)tokens, a, sizeof a), m->name,
                cli_group((uint64_t)limit, b, sizeof b), why);
    }
    return limit;
}

void kv_context_judge(kv_report *r)
{
    r->context_limit = cli_context_limit(r->model, r->context, r->context_limit_why,
                                         sizeof r->context_limit_why);
    r->context_beyond = r->context_limit && r->context > r->context_limit;
    attn_capacity *c = &r->capacity;
    r->max_context_memory = c->context_unbounded ? -1 : c->max_context;
    if (!r->has_capacity || !r->context_limit || c->max_context < 0)
        return;
    if (c->context_unbounded || c->max_context > r->context_limit) {
        r->max_context_capped = true;
        c->max_context = r->context_limit;
        c->context_unbounded = false;
    }
}

void kv_context_print_model(const kv_report *r)
{
    const attn_model *m = r->model;
    char g[32];
    printf("context      limit %s tokens: %s\n",
           r->context_limit ? cli_group((uint64_t)r->context_limit, g, sizeof g) : "unknown",
           r->context_limit_why);
    if (m->rope_type[0]) {
        printf("rope_scaling %s, factor %g", m->rope_type, m->rope_factor);
        if (m->rope_original_context)
            printf(", original_max_position_embeddings %lld", (long long)m->rope_original_context);
        printf("\n");
    }
    if (r->context_beyond)
        printf("             WARNING: context %s is beyond the model's limit\n",
               cli_group((uint64_t)r->context, g, sizeof g));
}

void kv_context_print_cap(const kv_report *r)
{
    char g[32];
    if (!r->max_context_capped)
        return;
    if (r->max_context_memory < 0)
        printf("             capped at the model's limit; memory alone would not bound it\n");
    else
        printf("             capped at the model's limit; memory alone allows %s tokens\n",
               cli_group((uint64_t)r->max_context_memory, g, sizeof g));
}

void kv_context_json(const kv_report *r, json_t *o)
{
    const attn_model *m = r->model;
    json_object_set_new(o, "max_position_embeddings",
                        m->max_context ? json_integer(m->max_context) : json_null());
    json_object_set_new(o, "model_context_limit",
                        r->context_limit ? json_integer(r->context_limit) : json_null());
    json_object_set_new(o, "context_limit_rule", json_string(r->context_limit_why));
    json_object_set_new(o, "context_beyond_model", json_boolean(r->context_beyond));
    json_object_set_new(o, "rope_scaling",
                        m->rope_type[0]
                            ? json_pack("{s:s, s:f, s:I}", "type", m->rope_type, "factor",
                                        m->rope_factor, "original_max_position_embeddings",
                                        (json_int_t)m->rope_original_context)
                            : json_null());
    if (r->has_capacity) {
        json_object_set_new(o, "max_context_capped_by_model", json_boolean(r->max_context_capped));
        json_object_set_new(o, "max_context_memory",
                            r->max_context_memory < 0 ? json_null()
                                                      : json_integer(r->max_context_memory));
    }
}
