/* store.c — reading and writing arrays kept in a storage format (fp32, fp16, bf16, fp8, int8).
 *
 * Decode converts each cache chunk to fp32 as it loads it into a tile; tests and the bench
 * build caches with attn_dtype_from_f32 / attn_dtype_rows. Both go through here so the formats
 * are handled in one place.
 */
#include <math.h>
#include <string.h>

#include "../kernels.h"

size_t attn_dtype_size(attn_dtype store)
{
    switch (store) {
    case ATTN_DTYPE_FP32:
        return 4;
    case ATTN_DTYPE_FP16:
    case ATTN_DTYPE_BF16:
        return 2;
    case ATTN_DTYPE_FP8:
    case ATTN_DTYPE_FP8_E5M2:
    case ATTN_DTYPE_INT8:
        return 1;
    case ATTN_DTYPE_INT4: /* not held by the kernels */
    case ATTN_DTYPE_COUNT:
        break;
    }
    return 0;
}

static int8_t int8_of(float value)
{
    float r = rintf(value);
    return (int8_t)(r > 127.0f ? 127 : (r < -127.0f ? -127 : (isnan(r) ? 0 : r)));
}

void attn_dtype_from_f32(attn_dtype store, const float *src, size_t count, void *dst)
{
    uint16_t *halves = dst;
    uint8_t *bytes = dst;
    for (size_t i = 0; i < count && store != ATTN_DTYPE_FP32; i++)
        switch (store) {
        case ATTN_DTYPE_FP16:
            halves[i] = attn_f32_to_f16(src[i]);
            break;
        case ATTN_DTYPE_BF16:
            halves[i] = attn_f32_to_bf16(src[i]);
            break;
        case ATTN_DTYPE_FP8:
            bytes[i] = attn_f32_to_e4m3(src[i]);
            break;
        case ATTN_DTYPE_FP8_E5M2:
            bytes[i] = attn_f32_to_e5m2(src[i]);
            break;
        case ATTN_DTYPE_INT8:
            bytes[i] = (uint8_t)int8_of(src[i]);
            break;
        default:
            break;
        }
    if (store == ATTN_DTYPE_FP32)
        memcpy(dst, src, count * sizeof *src);
}

void attn_dtype_to_f32(attn_dtype store, const void *src, size_t first, size_t count,
                       float *dst)
{
    const uint16_t *halves = (const uint16_t *)src + first;
    const uint8_t *bytes = (const uint8_t *)src + first;
    if (store == ATTN_DTYPE_FP32) {
        memcpy(dst, (const float *)src + first, count * sizeof *dst);
        return;
    }
    for (size_t i = 0; i < count; i++)
        switch (store) {
        case ATTN_DTYPE_FP16:
            dst[i] = attn_f16_to_f32(halves[i]);
            break;
        case ATTN_DTYPE_BF16:
            dst[i] = attn_bf16_to_f32(halves[i]);
            break;
        case ATTN_DTYPE_FP8:
            dst[i] = attn_e4m3_to_f32(bytes[i]);
            break;
        case ATTN_DTYPE_FP8_E5M2:
            dst[i] = attn_e5m2_to_f32(bytes[i]);
            break;
        case ATTN_DTYPE_INT8:
            dst[i] = (float)(int8_t)bytes[i];
            break;
        default:
            dst[i] = 0.0f;
            break;
        }
}

void attn_dtype_rows(attn_dtype store, const float *src, size_t rows, size_t d, void *dst,
                     float *scales)
{
    if (store != ATTN_DTYPE_INT8) {
        attn_dtype_from_f32(store, src, rows * d, dst);
        return;
    }
    int8_t *out = dst;
    for (size_t r = 0; r < rows; r++) {
        float max = 0.0f;
        for (size_t e = 0; e < d; e++)
            max = fmaxf(max, fabsf(src[r * d + e]));
        scales[r] = max > 0.0f ? max / 127.0f : 1.0f;
        for (size_t e = 0; e < d; e++)
            out[r * d + e] = int8_of(src[r * d + e] / scales[r]);
    }
}
