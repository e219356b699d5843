/* store.c — reading and writing arrays kept in a storage format (fp32, fp16, bf16).
 *
 * Decode converts each cache block to fp32 as it loads it into a tile; tests build caches with
 * attn_store_from_f32. Both go through here so the formats are handled in one place.
 */
#include <string.h>

#include "../kernels.h"

size_t attn_store_size(attn_store store)
{
    switch (store) {
    case ATTN_STORE_FP32:
        return 4;
    case ATTN_STORE_FP16:
    case ATTN_STORE_BF16:
        return 2;
    }
    return 0;
}

void attn_store_from_f32(attn_store store, const float *src, size_t count, void *dst)
{
    uint16_t *halves = dst;
    switch (store) {
    case ATTN_STORE_FP32:
        memcpy(dst, src, count * sizeof *src);
        break;
    case ATTN_STORE_FP16:
        for (size_t i = 0; i < count; i++)
            halves[i] = attn_f32_to_f16(src[i]);
        break;
    case ATTN_STORE_BF16:
        for (size_t i = 0; i < count; i++)
            halves[i] = attn_f32_to_bf16(src[i]);
        break;
    }
}

void attn_store_to_f32(attn_store store, const void *src, size_t first, size_t count,
                       float *dst)
{
    const uint16_t *halves = (const uint16_t *)src + first;
    switch (store) {
    case ATTN_STORE_FP32:
        memcpy(dst, (const float *)src + first, count * sizeof *dst);
        break;
    case ATTN_STORE_FP16:
        for (size_t i = 0; i < count; i++)
            dst[i] = attn_f16_to_f32(halves[i]);
        break;
    case ATTN_STORE_BF16:
        for (size_t i = 0; i < count; i++)
            dst[i] = attn_bf16_to_f32(halves[i]);
        break;
    }
}
