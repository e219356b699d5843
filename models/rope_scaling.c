/* rope_scaling.c — what a config's rope_scaling says about the longest usable context.
 *
 * Why: a KV cache sized for 128K tokens is only meaningful if the model can attend that far.
 * Llama-3 says max_position_embeddings 8192 and has no rope_scaling; Llama-3.1 says 131072
 * with rope_scaling {rope_type: llama3, factor: 8, original_max_position_embeddings: 8192}.
 *
 * The limit follows vLLM's derivation of max_model_len (vllm/config.py,
 * _get_and_verify_max_len, e.g. commit 2ac6d0e75bc8): start from max_position_embeddings;
 * for rope types other than su/longrope/llama3, multiply by `factor`, and for yarn start
 * from original_max_position_embeddings instead; newer vLLM skips the factor for Gemma-3,
 * whose max_position_embeddings (128K) already includes it. Configs spell the type
 * `rope_type` (new) or `type` (old; transformers' patch maps it to rope_type).
 */
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "rope_scaling.h"

int attn_rope_read(const json_source *src, attn_model *m)
{
    char path[160], shown[96];
    json_t *block = json_field(src, "rope_scaling", path, sizeof path);
    if (!block)
        return ATTN_OK;
    if (!json_is_object(block)) {
        json_value_text(block, shown, sizeof shown);
        return attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field '%s' = %s: expected an object",
                         src->label, path, shown);
    }
    char prefix[192];
    snprintf(prefix, sizeof prefix, "%s.", path);
    json_source rope = {src->label, prefix, block, NULL, NULL, src->diag};
    bool present;
    int rc = json_field_string(&rope, "rope_type", m->rope_type, sizeof m->rope_type, &present);
    if (!rc && !present)
        rc = json_field_string(&rope, "type", m->rope_type, sizeof m->rope_type, &present);
    if (!rc)
        rc = json_field_real(&rope, "factor", 1.0, 1e6, &m->rope_factor, &present);
    if (!rc) {
        static const char *const names[] = {"original_max_position_embeddings", NULL};
        rc = json_field_int(&rope, names, 1, INT64_C(1) << 40, &m->rope_original_context,
                            &present);
    }
    if (!rc && !m->rope_type[0])
        snprintf(m->rope_type, sizeof m->rope_type, "default");
    return rc;
}

static bool type_is(const attn_model *m, const char *type)
{
    return strcmp(m->rope_type, type) == 0;
}

int64_t attn_model_context_limit(const attn_model *m, char *why, size_t len)
{
    char scratch[8];
    if (!why) {
        why = scratch;
        len = sizeof scratch;
    }
    int64_t base = m->max_context;
    const char *base_name = "max_position_embeddings";
    bool counted = !m->rope_type[0] || type_is(m, "default") || type_is(m, "llama3") ||
                   type_is(m, "longrope") || type_is(m, "su") || m->rope_factor <= 1.0 ||
                   strstr(m->model_type, "gemma3");
    if (type_is(m, "yarn") && m->rope_original_context && !counted) {
        base = m->rope_original_context;
        base_name = "original_max_position_embeddings";
    }
    if (!base) {
        snprintf(why, len, "the config gives no max_position_embeddings");
        return 0;
    }
    if (counted) {
        if (m->rope_type[0])
            snprintf(why, len, "max_position_embeddings %lld (rope_scaling %s already counted)",
                     (long long)base, m->rope_type);
        else
            snprintf(why, len, "max_position_embeddings %lld, no rope_scaling", (long long)base);
        return base;
    }
    long double scaled = (long double)base * m->rope_factor;
    int64_t limit = scaled >= (long double)(INT64_C(1) << 40) ? INT64_C(1) << 40 : (int64_t)scaled;
    snprintf(why, len, "%s %lld x %s factor %g = %lld (vLLM's max_model_len rule)", base_name,
             (long long)base, m->rope_type, m->rope_factor, (long long)limit);
    return limit;
}
