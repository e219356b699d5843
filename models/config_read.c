/* config_read.c — turning a Hugging Face config.json into an attn_model.
 *
 * This is where the calculators people use today go wrong, so every rule is explicit (and
 * listed in models/README.md):
 *  - `head_dim` wins over hidden_size / num_attention_heads (Gemma: 256, not 224);
 *  - MLA fields (kv_lora_rank, ...) win over num_key_value_heads (DeepSeek-V3 says 128);
 *  - `sliding_window` applies only when `use_sliding_window` is not false (Qwen2), per layer
 *    from `layer_types`, `sliding_window_pattern` (Gemma-3), Gemma-2's alternation, or
 *    Qwen2's `max_window_layers`;
 *  - a multimodal config's language model is under `text_config`;
 *  - GPT-2 style names (n_layer, n_head, n_embd, n_positions, n_inner) are understood;
 *  - fields a config leaves to its transformers class take that class's default
 *    (class_defaults.c).
 * Absent optional fields take documented defaults; contradictions are errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "class_defaults.h"
#include "json_fields.h"
#include "presets.h"
#include "quant_config.h"
#include "rope_scaling.h"

/* Bounds well beyond any real model, to catch garbage before it reaches the arithmetic. */
#define MAX_LAYERS 100000
#define MAX_HEADS 1000000
#define MAX_WIDTH (INT64_C(1) << 26)
#define MAX_TOKENS (INT64_C(1) << 40)

static const char *const NAMES_LAYERS[] = {"num_hidden_layers", "n_layer", "num_layers", NULL};
static const char *const NAMES_HEADS[] = {"num_attention_heads", "n_head", NULL};
static const char *const NAMES_KV_HEADS[] = {"num_key_value_heads", "num_kv_heads", NULL};
static const char *const NAMES_HIDDEN[] = {"hidden_size", "n_embd", "d_model", NULL};
static const char *const NAMES_HEAD_DIM[] = {"head_dim", NULL};
static const char *const NAMES_INTERMEDIATE[] = {"intermediate_size", "n_inner", "ffn_dim",
                                                 NULL};
static const char *const NAMES_VOCAB[] = {"vocab_size", NULL};
static const char *const NAMES_CONTEXT[] = {"max_position_embeddings", "n_positions",
                                            "max_sequence_length", "seq_length", "n_ctx", NULL};
static const char *const NAMES_EXPERTS[] = {"num_local_experts", "n_routed_experts",
                                            "num_experts", NULL};
static const char *const NAMES_EXPERTS_PER_TOKEN[] = {"num_experts_per_tok", NULL};
static const char *const NAMES_SHARED_EXPERTS[] = {"n_shared_experts", NULL};
static const char *const NAMES_MOE_INTERMEDIATE[] = {"moe_intermediate_size", NULL};
static const char *const NAMES_FIRST_DENSE[] = {"first_k_dense_replace", NULL};
static const char *const NAMES_MOE_FREQ[] = {"moe_layer_freq", NULL};
static const char *const NAMES_KV_LORA[] = {"kv_lora_rank", NULL};
static const char *const NAMES_Q_LORA[] = {"q_lora_rank", NULL};
static const char *const NAMES_ROPE[] = {"qk_rope_head_dim", NULL};
static const char *const NAMES_NOPE[] = {"qk_nope_head_dim", NULL};
static const char *const NAMES_V_HEAD[] = {"v_head_dim", NULL};
static const char *const NAMES_WINDOW[] = {"sliding_window", NULL};
static const char *const NAMES_WINDOW_PATTERN[] = {"sliding_window_pattern", NULL};
static const char *const NAMES_MAX_WINDOW_LAYERS[] = {"max_window_layers", NULL};

/* Model types whose MLP has two matrices (up, down) rather than a gated three. */
static const char *const NON_GATED_TYPES[] = {"gpt2", "gpt_neox", "gptj", "opt", "bloom",
                                              "falcon", "phi", "gpt_bigcode", NULL};

static bool type_in(const char *type, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(type, *list) == 0)
            return true;
    return false;
}

#define READ_INT(names, min, max, dst, present)                                            \
    do {                                                                                   \
        int rc_ = json_field_int(src, names, min, max, dst, present);                      \
        if (rc_)                                                                           \
            return rc_;                                                                    \
    } while (0)

static int require(const json_source *src, bool present, const char *field)
{
    if (present)
        return ATTN_OK;
    return attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field '%s%s' is missing", src->label,
                     src->prefix, field);
}

static int read_dtypes(const json_source *src, attn_model *m)
{
    char text[64], shown[96];
    const char *name = "torch_dtype";
    bool present;
    int rc = json_field_string(src, name, text, sizeof text, &present);
    if (!rc && !present)
        rc = json_field_string(src, name = "dtype", text, sizeof text, &present);
    if (rc)
        return rc;
    m->dtype = ATTN_DTYPE_FP32; /* what transformers loads when the config is silent */
    if (present && attn_dtype_parse(text, &m->dtype) != ATTN_OK) {
        /* Fix (fuzzing): shown as JSON, escaped; printed raw, a "\n" in it split the line. */
        json_value_text(json_field(src, name, NULL, 0), shown, sizeof shown);
        return attn_fail(src->diag, ATTN_ERR_UNKNOWN, "%s: field '%s' = %s: unknown precision",
                         src->label, name, shown);
    }
    m->weights_dtype = m->dtype;

    /* Checkpoints shipped quantised (DeepSeek-V3 in fp8, GPTQ/AWQ in 4 bits). */
    json_t *quant = json_field(src, "quantization_config", NULL, 0);
    if (quant && !json_is_object(quant) && !json_is_null(quant))
        return attn_fail(src->diag, ATTN_ERR_FIELD,
                         "%s: field 'quantization_config' must be an object", src->label);
    int rc2 = attn_quant_read(quant, src->label, &m->quant, src->diag);
    if (rc2)
        return rc2;
    if (m->quant.method == ATTN_QUANT_FP8)
        m->weights_dtype = ATTN_DTYPE_FP8;
    else if (m->quant.method != ATTN_QUANT_NONE)
        m->weights_dtype = m->quant.bits == 4 ? ATTN_DTYPE_INT4 : ATTN_DTYPE_INT8;
    return ATTN_OK;
}

static int read_attention(const json_source *src, attn_model *m)
{
    bool present;
    READ_INT(NAMES_LAYERS, 1, MAX_LAYERS, &m->layers, &present);
    int rc = require(src, present, "num_hidden_layers");
    if (rc)
        return rc;
    READ_INT(NAMES_HEADS, 1, MAX_HEADS, &m->heads, &present);
    if ((rc = require(src, present, "num_attention_heads")))
        return rc;
    READ_INT(NAMES_HIDDEN, 1, MAX_WIDTH, &m->hidden, &present);
    if ((rc = require(src, present, "hidden_size")))
        return rc;

    m->kv_heads = m->heads;
    READ_INT(NAMES_KV_HEADS, 1, MAX_HEADS, &m->kv_heads, &present);
    bool multi_query = false;
    if ((rc = json_field_bool(src, "multi_query", &multi_query, &present)))
        return rc;
    if (multi_query)
        m->kv_heads = 1;

    READ_INT(NAMES_HEAD_DIM, 1, MAX_WIDTH, &m->head_dim, &present);
    if (!present) {
        if (m->hidden % m->heads != 0)
            return attn_fail(src->diag, ATTN_ERR_FIELD,
                             "%s: field '%shidden_size' = %lld is not divisible by "
                             "num_attention_heads = %lld, and there is no head_dim",
                             src->label, src->prefix, (long long)m->hidden,
                             (long long)m->heads);
        m->head_dim = m->hidden / m->heads;
    }
    m->v_head_dim = m->head_dim;

    /* MLA: the latent fields decide the cache, whatever num_key_value_heads says. */
    READ_INT(NAMES_KV_LORA, 1, MAX_WIDTH, &m->kv_lora_rank, &present);
    m->mla = present;
    if (m->mla) {
        READ_INT(NAMES_Q_LORA, 1, MAX_WIDTH, &m->q_lora_rank, &present);
        READ_INT(NAMES_ROPE, 1, MAX_WIDTH, &m->rope_dim, &present);
        if ((rc = require(src, present, "qk_rope_head_dim")))
            return rc;
        READ_INT(NAMES_NOPE, 1, MAX_WIDTH, &m->nope_dim, &present);
        if ((rc = require(src, present, "qk_nope_head_dim")))
            return rc;
        READ_INT(NAMES_V_HEAD, 1, MAX_WIDTH, &m->v_head_dim, &present);
        if ((rc = require(src, present, "v_head_dim")))
            return rc;
        m->head_dim = m->nope_dim + m->rope_dim;
        m->kv_heads = m->heads; /* decompressed, every head has its own K and V */
    } else if (m->kv_heads > m->heads || m->heads % m->kv_heads != 0) {
        return attn_fail(src->diag, ATTN_ERR_FIELD,
                         "%s: field '%snum_key_value_heads' = %lld does not divide "
                         "num_attention_heads = %lld",
                         src->label, src->prefix, (long long)m->kv_heads, (long long)m->heads);
    }
    return ATTN_OK;
}

static int read_mlp_and_vocab(const json_source *src, attn_model *m)
{
    bool present;
    m->intermediate = 4 * m->hidden; /* GPT-2's n_inner default */
    READ_INT(NAMES_INTERMEDIATE, 1, MAX_WIDTH, &m->intermediate, &present);
    READ_INT(NAMES_VOCAB, 1, MAX_WIDTH, &m->vocab, &present);
    READ_INT(NAMES_CONTEXT, 1, MAX_TOKENS, &m->max_context, &present);

    m->tied_embeddings = true; /* transformers' PretrainedConfig default */
    int rc = json_field_bool(src, "tie_word_embeddings", &m->tied_embeddings, &present);
    if (rc)
        return rc;

    READ_INT(NAMES_EXPERTS, 1, MAX_HEADS, &m->experts, &present);
    if (m->experts) {
        READ_INT(NAMES_EXPERTS_PER_TOKEN, 1, MAX_HEADS, &m->experts_per_token, &present);
        if ((rc = require(src, present, "num_experts_per_tok")))
            return rc;
        if (m->experts_per_token > m->experts)
            return attn_fail(src->diag, ATTN_ERR_FIELD,
                             "%s: field 'num_experts_per_tok' = %lld exceeds the %lld experts",
                             src->label, (long long)m->experts_per_token,
                             (long long)m->experts);
        m->moe_intermediate = m->intermediate;
        READ_INT(NAMES_MOE_INTERMEDIATE, 1, MAX_WIDTH, &m->moe_intermediate, &present);
        READ_INT(NAMES_SHARED_EXPERTS, 0, MAX_HEADS, &m->shared_experts, &present);
        READ_INT(NAMES_FIRST_DENSE, 0, m->layers, &m->first_dense_layers, &present);
        m->moe_layer_freq = 1;
        READ_INT(NAMES_MOE_FREQ, 1, MAX_LAYERS, &m->moe_layer_freq, &present);
    }
    return ATTN_OK;
}

static void read_architecture(const json_source *src, attn_model *m)
{
    bool flag = false, present;
    m->gated_mlp = !type_in(m->model_type, NON_GATED_TYPES);
    m->norms_per_layer = 2;
    if (strcmp(m->model_type, "gpt2") == 0) {
        m->linear_bias = m->attention_bias = m->norm_bias = true;
        m->learned_positions = m->max_context;
    }
    if (strncmp(m->model_type, "qwen2", 5) == 0)
        m->attention_bias = true; /* Qwen2 has q/k/v biases and no config field for it */
    if (strncmp(m->model_type, "gemma2", 6) == 0 || strncmp(m->model_type, "gemma3", 6) == 0)
        m->norms_per_layer = 4;
    if (strncmp(m->model_type, "gemma3", 6) == 0)
        m->head_norms = 2;
    if (json_field_bool(src, "attention_bias", &flag, &present) == ATTN_OK && present)
        m->attention_bias = flag;
}

/* Fill layer_window for the model's layers. */
static int read_windows(const json_source *src, attn_model *m)
{
    bool present, use = true;
    int64_t window = 0, pattern = 0, max_window_layers = -1;
    m->layer_window = calloc((size_t)m->layers, sizeof *m->layer_window);
    if (!m->layer_window)
        return attn_fail(src->diag, ATTN_ERR_NOMEM, "%s: out of memory", src->label);

    READ_INT(NAMES_WINDOW, 1, MAX_TOKENS, &window, &present);
    /* transformers' Qwen2Config defaults use_sliding_window to False
     * (models/qwen2/configuration_qwen2.py, Qwen2Config.__init__; Qwen2-MoE and Qwen3 the
     * same), so a config of that family that is silent about it keeps every layer global. */
    use = strncmp(m->model_type, "qwen2", 5) != 0 && strncmp(m->model_type, "qwen3", 5) != 0;
    int rc = json_field_bool(src, "use_sliding_window", &use, &present);
    if (rc)
        return rc;
    READ_INT(NAMES_WINDOW_PATTERN, 1, MAX_LAYERS, &pattern, &present);
    READ_INT(NAMES_MAX_WINDOW_LAYERS, 0, MAX_LAYERS, &max_window_layers, &present);

    char path[160];
    json_t *types = json_field(src, "layer_types", path, sizeof path);
    if (types) {
        if (!json_is_array(types) || (int64_t)json_array_size(types) != m->layers)
            return attn_fail(src->diag, ATTN_ERR_FIELD,
                             "%s: field '%s' must be an array of %lld layer types", src->label,
                             path, (long long)m->layers);
        for (int64_t i = 0; i < m->layers; i++) {
            const char *type = json_string_value(json_array_get(types, (size_t)i));
            if (type && strcmp(type, "full_attention") == 0)
                continue;
            if (!type || strcmp(type, "sliding_attention") != 0) {
                char shown[96]; /* fix (fuzzing): escaped JSON, as for torch_dtype */
                json_value_text(json_array_get(types, (size_t)i), shown, sizeof shown);
                return attn_fail(src->diag, ATTN_ERR_FIELD,
                                 "%s: field '%s[%lld]' = %s: expected \"full_attention\" "
                                 "or \"sliding_attention\"",
                                 src->label, path, (long long)i, shown);
            }
            if (!window)
                return attn_fail(src->diag, ATTN_ERR_FIELD,
                                 "%s: field '%s[%lld]' is sliding_attention but "
                                 "sliding_window is not set",
                                 src->label, path, (long long)i);
            if (use)
                m->layer_window[i] = window;
        }
        return ATTN_OK;
    }
    if (!window || !use)
        return ATTN_OK;
    for (int64_t i = 0; i < m->layers; i++) {
        bool sliding = true;
        if (pattern)
            sliding = (i + 1) % pattern != 0; /* Gemma-3: every pattern-th layer is global */
        else if (strcmp(m->model_type, "gemma2") == 0)
            sliding = i % 2 == 0; /* Gemma-2: even layers local, odd layers global */
        else if (max_window_layers >= 0 && strncmp(m->model_type, "qwen2", 5) == 0)
            sliding = i >= max_window_layers; /* Qwen2: the bottom layers stay global */
        m->layer_window[i] = sliding ? window : 0;
    }
    return ATTN_OK;
}

static int read_model(json_t *root, const char *label, attn_model *m, attn_diag *diag)
{
    json_source src = {label, "", root, NULL, NULL, diag};
    json_t *text = json_object_get(root, "text_config");
    if (text && !json_is_object(text) && !json_is_null(text))
        return attn_fail(diag, ATTN_ERR_FIELD, "%s: field 'text_config' must be an object",
                         label);
    if (text && json_is_object(text)) {
        src.primary = text;
        src.fallback = root;
        src.prefix = "text_config.";
    }
    bool present;
    int rc = json_field_string(&src, "model_type", m->model_type, sizeof m->model_type,
                               &present);
    if (!rc)
        rc = json_field_string(&src, "source", m->source, sizeof m->source, &present);
    src.defaults = attn_class_defaults(m->model_type);
    if (!rc)
        rc = read_dtypes(&src, m);
    if (!rc)
        rc = read_attention(&src, m);
    if (!rc)
        rc = read_mlp_and_vocab(&src, m);
    if (!rc)
        rc = attn_rope_read(&src, m);
    if (!rc)
        read_architecture(&src, m);
    if (!rc)
        rc = read_windows(&src, m);
    json_decref(src.defaults);
    return rc;
}

/* Takes ownership of root. */
static int model_from_root(json_t *root, const char *name, const char *path, attn_model *model,
                           attn_diag *diag)
{
    snprintf(model->name, sizeof model->name, "%s", name);
    snprintf(model->path, sizeof model->path, "%s", path);
    int rc = read_model(root, path, model, diag);
    json_decref(root);
    if (rc)
        attn_model_free(model);
    return rc;
}

int attn_model_parse(const char *json_text, size_t len, const char *label, attn_model *model,
                     attn_diag *diag)
{
    memset(model, 0, sizeof *model);
    json_t *root = NULL;
    int rc = json_parse_text(json_text, len, label, &root, diag);
    return rc ? rc : model_from_root(root, label, label, model, diag);
}

int attn_model_read_file(const char *path, const char *name, attn_model *model, attn_diag *diag)
{
    memset(model, 0, sizeof *model);
    json_t *root = NULL;
    int rc = json_read_file(path, &root, diag);
    return rc ? rc : model_from_root(root, name, path, model, diag);
}

void attn_model_free(attn_model *model)
{
    if (!model)
        return;
    free(model->layer_window);
    model->layer_window = NULL;
}

int64_t attn_model_windowed_layers(const attn_model *model)
{
    int64_t count = 0;
    for (int64_t i = 0; i < model->layers; i++)
        count += model->layer_window[i] > 0;
    return count;
}
