/* quant_config.c — how a quantised checkpoint's weights are stored once an engine loads them.
 *
 * The KV budget is what the weights leave, so "int4" is not enough: scales, zero points,
 * GPTQ's row index and the modules kept in 16 bits all count. Each method below follows the
 * parameters vLLM creates for it (vllm/model_executor/layers/quantization/):
 *  - fp8 (fp8.py, Fp8LinearMethod.create_weights): one fp8 byte per weight and fp32 scales,
 *    one per tensor, or one per weight_block_size block (DeepSeek-V3: 128 x 128);
 *  - fbgemm_fp8 (fbgemm_fp8.py): fp8 with one fp32 scale per output channel;
 *  - compressed-tensors (compressed_tensors/schemes/): config_groups.*.weights gives num_bits,
 *    type int/float and strategy tensor/channel/group/block; 4-bit groups carry 16-bit scales;
 *  - gptq / gptq_marlin (gptq_marlin.py, GPTQMarlinLinearMethod): bits/8 bytes per weight,
 *    fp16 scales per group, packed zeros only when not symmetric, an int32 g_idx per input row
 *    only with desc_act (Marlin drops it otherwise);
 *  - awq / awq_marlin (awq.py, AWQLinearMethod): packed 4-bit weights, fp16 scales and packed
 *    zeros per group;
 *  - bitsandbytes (bitsandbytes.py): nf4/fp4 with an fp32 absmax per 64 values (an 8-bit one
 *    plus an fp32 per 256 of those with bnb_4bit_use_double_quant), or LLM.int8 with an fp32
 *    scale per row;
 *  - mxfp4 (mxfp4.py): 4 bits and one 8-bit exponent per 32 values.
 * Modules named in ignored_layers / modules_to_not_convert / ignore / llm_int8_skip_modules
 * stay in 16 bits; lm_head always does (vLLM's ParallelLMHead is unquantised unless a method
 * opts in).
 */
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "json_fields.h"
#include "quant_config.h"

static const char *const METHOD_NAMES[ATTN_QUANT_COUNT] = {
    "none", "fp8", "int8", "int4-gptq", "int4-awq", "bnb-4bit", "bnb-8bit", "mxfp4"};

const char *attn_quant_method_name(attn_quant_method method)
{
    return method < ATTN_QUANT_COUNT ? METHOD_NAMES[method] : "?";
}

static void set(attn_quant *q, attn_quant_method method, unsigned bits, int64_t group,
                unsigned scale_bytes)
{
    q->method = method;
    q->bits = bits;
    q->group = group;
    q->scale_bytes = scale_bytes;
}

int attn_quant_from_name(const char *text, attn_quant *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return ATTN_ERR_UNKNOWN;
    snprintf(out->name, sizeof out->name, "%s", text);
    if (strcmp(text, "none") == 0) {
        set(out, ATTN_QUANT_NONE, 16, 0, 0);
    } else if (strcmp(text, "fp8") == 0 || strcmp(text, "modelopt") == 0) {
        set(out, ATTN_QUANT_FP8, 8, -1, 4); /* per-tensor scales: vLLM's online fp8 */
    } else if (strcmp(text, "fbgemm_fp8") == 0) {
        set(out, ATTN_QUANT_FP8, 8, 0, 4);
    } else if (strcmp(text, "int8") == 0 || strcmp(text, "w8a8") == 0) {
        set(out, ATTN_QUANT_INT8, 8, 0, 4);
    } else if (strcmp(text, "int4-gptq") == 0 || strcmp(text, "gptq") == 0 ||
               strcmp(text, "gptq_marlin") == 0) {
        set(out, ATTN_QUANT_GPTQ, 4, 128, 2);
    } else if (strcmp(text, "int4-awq") == 0 || strcmp(text, "awq") == 0 ||
               strcmp(text, "awq_marlin") == 0) {
        set(out, ATTN_QUANT_AWQ, 4, 128, 2);
        out->zero_points = true;
    } else if (strcmp(text, "bnb-4bit") == 0) {
        set(out, ATTN_QUANT_BNB4, 4, 64, 4);
    } else if (strcmp(text, "bnb-8bit") == 0) {
        set(out, ATTN_QUANT_BNB8, 8, 0, 4);
    } else if (strcmp(text, "mxfp4") == 0) {
        set(out, ATTN_QUANT_MXFP4, 4, 32, 1);
    } else {
        return ATTN_ERR_UNKNOWN;
    }
    return ATTN_OK;
}

static void add_skips(attn_quant *q, const json_t *list)
{
    size_t i;
    const json_t *item;
    if (!json_is_array(list))
        return;
    json_array_foreach(list, i, item) {
        if (json_is_string(item) && q->nskip < ATTN_QUANT_MAX_SKIP)
            snprintf(q->skip[q->nskip++], sizeof q->skip[0], "%s", json_string_value(item));
    }
}

static int64_t int_or(const json_t *obj, const char *key, int64_t fallback)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

static bool bool_or(const json_t *obj, const char *key, bool fallback)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

static void read_block(const json_t *list, attn_quant *q)
{
    if (json_is_array(list) && json_array_size(list) == 2) {
        q->block_out = (int64_t)json_integer_value(json_array_get(list, 0));
        q->block_in = (int64_t)json_integer_value(json_array_get(list, 1));
    }
}

/* A value no reader knows, named with the value quoted and escaped (so the message stays one
 * line; "?" when it is not a string): "LABEL: field 'quantization_config.FIELD' = BEFORE
 * VALUE AFTER". */
static int unknown_value(const char *label, const char *field, const char *before,
                         const json_t *value, const char *after, attn_diag *diag)
{
    char shown[96] = "?";
    if (value)
        json_value_text(value, shown, sizeof shown);
    return attn_fail(diag, ATTN_ERR_UNKNOWN, "%s: field 'quantization_config.%s' = %s%s%s", label,
                     field, before, shown, after);
}

/* The first config group's weight scheme decides: checkpoints with several groups use the
 * same weight format for every Linear they target. */
static int read_compressed_tensors(const json_t *qc, const char *label, attn_quant *q,
                                   attn_diag *diag)
{
    const json_t *groups = json_object_get(qc, "config_groups"), *group, *w = NULL;
    const char *key;
    json_object_foreach((json_t *)groups, key, group) {
        w = json_object_get(group, "weights");
        break;
    }
    if (!json_is_object(w))
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "%s: field 'quantization_config.config_groups' has no weights scheme",
                         label);
    int64_t bits = int_or(w, "num_bits", 0);
    const char *type = json_string_value(json_object_get(w, "type"));
    const char *strategy = json_string_value(json_object_get(w, "strategy"));
    bool is_float = type && strcmp(type, "float") == 0;
    int64_t group_size = int_or(w, "group_size", 0);
    if (bits == 8 && is_float)
        set(q, ATTN_QUANT_FP8, 8, 0, 4);
    else if (bits == 8)
        set(q, ATTN_QUANT_INT8, 8, 0, 4);
    else if (bits == 4 && !is_float) {
        set(q, ATTN_QUANT_GPTQ, 4, group_size ? group_size : -1, 2);
        q->zero_points = !bool_or(w, "symmetric", true);
    } else {
        char width[32];
        snprintf(width, sizeof width, "%lld-bit ", (long long)bits);
        return unknown_value(label, "config_groups", width, type ? json_object_get(w, "type") : NULL,
                             " weights: unknown quantization scheme", diag);
    }
    if (strategy && strcmp(strategy, "tensor") == 0)
        q->group = -1;
    else if (strategy && strcmp(strategy, "block") == 0)
        read_block(json_object_get(w, "block_structure"), q);
    add_skips(q, json_object_get(qc, "ignore"));
    return ATTN_OK;
}

static int read_bitsandbytes(const json_t *qc, attn_quant *q)
{
    if (bool_or(qc, "load_in_8bit", false))
        set(q, ATTN_QUANT_BNB8, 8, 0, 4);
    else {
        set(q, ATTN_QUANT_BNB4, 4, 64, 4);
        q->double_quant = bool_or(qc, "bnb_4bit_use_double_quant", false);
    }
    add_skips(q, json_object_get(qc, "llm_int8_skip_modules"));
    return ATTN_OK;
}

int attn_quant_read(const json_t *qc, const char *label, attn_quant *out, attn_diag *diag)
{
    memset(out, 0, sizeof *out);
    set(out, ATTN_QUANT_NONE, 16, 0, 0);
    if (!qc || !json_is_object(qc))
        return ATTN_OK;
    const char *method = json_string_value(json_object_get(qc, "quant_method"));
    if (!method)
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "%s: field 'quantization_config.quant_method' is missing", label);
    int rc = ATTN_OK;
    if (strcmp(method, "compressed-tensors") == 0)
        rc = read_compressed_tensors(qc, label, out, diag);
    else if (strcmp(method, "bitsandbytes") == 0)
        rc = read_bitsandbytes(qc, out);
    else if (attn_quant_from_name(method, out) != ATTN_OK || strncmp(method, "int4-", 5) == 0 ||
             strncmp(method, "bnb-", 4) == 0 || strcmp(method, "none") == 0) {
        return unknown_value(label, "quant_method", "", json_object_get(qc, "quant_method"),
                             ": unknown quantization method (known: fp8 fbgemm_fp8 modelopt "
                             "compressed-tensors gptq awq bitsandbytes mxfp4)", diag);
    }
    if (rc)
        return rc;
    snprintf(out->name, sizeof out->name, "%s", method);
    if (out->method == ATTN_QUANT_GPTQ || out->method == ATTN_QUANT_AWQ) {
        int64_t bits = int_or(qc, "bits", out->bits);
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
            return attn_fail(diag, ATTN_ERR_FIELD,
                             "%s: field 'quantization_config.bits' = %lld: expected 2, 3, 4 or 8",
                             label, (long long)bits);
        out->bits = (unsigned)bits;
        int64_t g = int_or(qc, "group_size", out->group);
        out->group = g > 0 ? g : -1;
    }
    if (out->method == ATTN_QUANT_GPTQ && strcmp(method, "compressed-tensors") != 0) {
        out->zero_points = !bool_or(qc, "sym", true);
        out->row_index = bool_or(qc, "desc_act", false);
    }
    if (out->method == ATTN_QUANT_AWQ)
        out->zero_points = bool_or(qc, "zero_point", true);
    if (out->method == ATTN_QUANT_FP8 && strcmp(method, "compressed-tensors") != 0)
        read_block(json_object_get(qc, "weight_block_size"), out);
    add_skips(out, json_object_get(qc, "ignored_layers"));
    add_skips(out, json_object_get(qc, "modules_to_not_convert"));
    return ATTN_OK;
}
