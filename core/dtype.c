/* dtype.c — storage precisions and the exact bytes of a packed row.
 *
 * fp32 4 B, fp16/bf16 2 B, fp8 (e4m3 or e5m2)/int8 1 B, int4 half a byte plus one fp16 scale per group of
 * 32 values (DESIGN.md). Row bytes are computed in bits and rounded up once per row, which is
 * how a packed cache line for one token of one layer is laid out.
 */
#include <string.h>
#include <strings.h>

#include "attnscope.h"
#include "checked.h"

enum { ATTN_INT4_DEFAULT_GROUP = 32, ATTN_SCALE_BITS = 16 };

static const struct {
    const char *name;
    unsigned bits;
    const char *aliases[5];
} dtype_table[ATTN_DTYPE_COUNT] = {
    [ATTN_DTYPE_FP32] = {"fp32", 32, {"float32", "float", "f32", NULL}},
    [ATTN_DTYPE_FP16] = {"fp16", 16, {"float16", "half", "f16", NULL}},
    [ATTN_DTYPE_BF16] = {"bf16", 16, {"bfloat16", NULL}},
    [ATTN_DTYPE_FP8] = {"fp8", 8, {"float8_e4m3fn", "e4m3", "fp8-e4m3", "fp8_e4m3", NULL}},
    [ATTN_DTYPE_INT8] = {"int8", 8, {"i8", NULL}},
    [ATTN_DTYPE_INT4] = {"int4", 4, {"i4", NULL}},
    [ATTN_DTYPE_FP8_E5M2] = {"fp8-e5m2", 8, {"float8_e5m2", "e5m2", "fp8_e5m2", NULL}},
};

int attn_dtype_parse(const char *text, attn_dtype *out)
{
    if (!text)
        return ATTN_ERR_UNKNOWN;
    if (strncmp(text, "torch.", 6) == 0)
        text += 6;
    for (int d = 0; d < ATTN_DTYPE_COUNT; d++) {
        if (strcasecmp(text, dtype_table[d].name) == 0) {
            *out = (attn_dtype)d;
            return ATTN_OK;
        }
        for (int a = 0; dtype_table[d].aliases[a]; a++) {
            if (strcasecmp(text, dtype_table[d].aliases[a]) == 0) {
                *out = (attn_dtype)d;
                return ATTN_OK;
            }
        }
    }
    return ATTN_ERR_UNKNOWN;
}

const char *attn_dtype_name(attn_dtype dtype)
{
    return dtype < ATTN_DTYPE_COUNT ? dtype_table[dtype].name : "?";
}

unsigned attn_dtype_bits(attn_dtype dtype)
{
    return dtype < ATTN_DTYPE_COUNT ? dtype_table[dtype].bits : 0;
}

attn_precision attn_precision_default(attn_dtype dtype)
{
    attn_precision p = {dtype, dtype == ATTN_DTYPE_INT4 ? ATTN_INT4_DEFAULT_GROUP : 0};
    return p;
}

int attn_precision_row_bytes(attn_precision precision, uint64_t elems, uint64_t *bytes)
{
    uint64_t bits = 0;
    int rc = attn_mul_u64(elems, attn_dtype_bits(precision.dtype), &bits);
    if (rc)
        return rc;
    if (precision.group)
        rc = attn_fma_u64(&bits, attn_ceil_div_u64(elems, precision.group), ATTN_SCALE_BITS);
    if (rc)
        return rc;
    *bytes = attn_ceil_div_u64(bits, 8);
    return ATTN_OK;
}
