/* online_softmax.c — softmax of a whole row, and the running (online) softmax over key blocks.
 *
 * Standard attention normalises a materialised row; absorbed MLA sees keys a block at a time
 * and keeps a running max m, sum l and unnormalised output (Milakov & Gimelshein,
 * FlashAttention). Both subtract the max before exp, so scores of 1e6 do not overflow. A row
 * that sees no key keeps m = -inf, l = 0 and finishes as zeros rather than 0/0. Flash and
 * decode run the same recurrence lane-wise in their micro-kernels (tile_body.h).
 */
#include <math.h>
#include <string.h>

#include "cpu_internal.h"

void attn_softmax_row(float *row, int64_t visible, int64_t len)
{
    float max = -INFINITY;
    for (int64_t j = 0; j < visible; j++)
        max = fmaxf(max, row[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < visible; j++) {
        row[j] = expf(row[j] - max);
        sum += row[j];
    }
    float inverse = visible > 0 ? 1.0f / sum : 0.0f;
    for (int64_t j = 0; j < visible; j++)
        row[j] *= inverse;
    for (int64_t j = visible; j < len; j++)
        row[j] = 0.0f;
}

void attn_online_init(int64_t rows, int64_t d_v, float *m, float *l, float *acc)
{
    for (int64_t r = 0; r < rows; r++) {
        m[r] = -INFINITY;
        l[r] = 0.0f;
    }
    memset(acc, 0, (size_t)(rows * d_v) * sizeof *acc);
}

void attn_online_block(float *s, int64_t lds, int64_t rows, int64_t cols, int64_t key0,
                       const int64_t *limit, float *m, float *l, float *acc, int64_t d_v)
{
    for (int64_t r = 0; r < rows; r++) {
        float *row = s + r * lds;
        int64_t visible = limit[r] - key0;
        visible = visible < 0 ? 0 : attn_min64(visible, cols);
        if (visible == 0) {
            memset(row, 0, (size_t)cols * sizeof *row);
            continue;
        }
        float block_max = -INFINITY;
        for (int64_t c = 0; c < visible; c++)
            block_max = fmaxf(block_max, row[c]);
        float new_max = fmaxf(m[r], block_max);
        float sum = 0.0f;
        for (int64_t c = 0; c < visible; c++) {
            row[c] = expf(row[c] - new_max);
            sum += row[c];
        }
        for (int64_t c = visible; c < cols; c++)
            row[c] = 0.0f;
        float correction = expf(m[r] - new_max);
        l[r] = l[r] * correction + sum;
        m[r] = new_max;
        if (correction != 1.0f)
            for (int64_t e = 0; e < d_v; e++)
                acc[r * d_v + e] *= correction;
    }
}

void attn_online_finish(int64_t rows, int64_t d_v, const float *l, const float *acc, float *out,
                        int64_t ld_out)
{
    for (int64_t r = 0; r < rows; r++) {
        float inverse = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
        for (int64_t e = 0; e < d_v; e++)
            out[r * ld_out + e] = acc[r * d_v + e] * inverse;
    }
}
