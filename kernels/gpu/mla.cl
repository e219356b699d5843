/* mla.cl — DeepSeek MLA on a GPU (layouts and scale as kernels.h's attn_mla_*).
 *
 * ATTN_MLA_ABSORBED, three kernels: attn_mla_absorb folds W_UK into the queries
 * (q_ext [batch][N_Q][HEADS][D_C + D_R] = scale·[q_n W_UK | q_r], stacked position-major);
 * attn_mla_attend streams latent tiles [c | k_r] past the ROWS = PB·HB stacked rows of PB
 * positions × one group of HB heads (HEAD_GROUPS groups cover the heads), so one tile serves
 * HB heads and decode reads the latent cache HEAD_GROUPS times per sequence (all heads' o_c
 * would not fit one work-group's registers); the cache is cut into SPLITS ranges
 * (flash-decoding) whose partial softmaxes (max, sum, unnormalised o_c) go to `partials`;
 * attn_mla_unabsorb merges them and applies W_UV.
 * In attend, work-item t serves row t / SLICES (position row / HB, head group·HB + row % HB)
 * and every SLICES-th column from t % SLICES of it: its share of the query and of o_c stays in
 * registers, scores are summed over the slices through local memory. Absorb and unabsorb
 * take PC positions per pass.
 *
 * ATTN_MLA_NAIVE: attn_mla_decompress writes every head's K = [c W_UK^T | k_r] and
 * V = c W_UV^T to global memory (JB tokens per work-group), attn_mla_concat its
 * Q = [q_n | q_r]; attention.cl's flash kernels then run on them.
 *
 * Absorbed kernels tally every float they load (tally[TALLY_* + group]), gpu_job.h.
 */

#if defined(ATTN_MLA_ABSORBED)
#define WIDTH (D_C + D_R)
#define PARTIAL_MLA (D_C + 2)

/* Work-group (head, sequence): work-item t computes columns t, t + threads, ... of q_c. */
KERNEL attn_mla_absorb(GLOBAL const float *RESTRICT q_n, GLOBAL const float *RESTRICT q_r,
                       GLOBAL const float *RESTRICT w_uk, GLOBAL float *RESTRICT q_ext,
                       GLOBAL uint *RESTRICT tally)
{
    LOCAL float qn_tile[PC * D_N];
    const int head = GROUP_X, seq = GROUP_Y, t = LOCAL_X, threads = LOCAL_SIZE_X;
    const float scale = 1.0f / SQRTF((float)(D_N + D_R));
    const idx_t in_row0 = ((idx_t)seq * HEADS + head) * N_Q;
    uint loaded = 0;
    for (int p0 = 0; p0 < N_Q; p0 += PC) {
        const int count = imin(PC, N_Q - p0);
        BARRIER();
        for (int e = t; e < count * D_N; e += threads)
            qn_tile[e] = q_n[(in_row0 + p0) * D_N + e];
        BARRIER();
        for (int c = t; c < D_C; c += threads) {
            float acc[PC];
            for (int p = 0; p < PC; p++)
                acc[p] = 0.0f;
            for (int n = 0; n < D_N; n++) {
                const float w = w_uk[((idx_t)head * D_N + n) * D_C + c];
                for (int p = 0; p < count; p++)
                    acc[p] += qn_tile[p * D_N + n] * w;
            }
            for (int p = 0; p < count; p++)
                q_ext[(((idx_t)seq * N_Q + p0 + p) * HEADS + head) * WIDTH + c] = scale * acc[p];
        }
        for (int e = t; e < count * D_R; e += threads)
            q_ext[(((idx_t)seq * N_Q + p0 + e / D_R) * HEADS + head) * WIDTH + D_C + e % D_R] =
                scale * q_r[(in_row0 + p0) * D_R + e];
        loaded += (uint)(count * (D_N + D_R) + D_N * D_C);
    }
    if (t == 0)
        tally[(idx_t)seq * HEADS + head] = loaded;
}

/* Work-group (split·HEAD_GROUPS + head group, block of PB positions, sequence), ROWS·SLICES
 * work-items; the head groups of a split are neighbours, so they share its tiles in cache. */
KERNEL attn_mla_attend(GLOBAL const float *RESTRICT q_ext, GLOBAL const float *RESTRICT c,
                       GLOBAL const float *RESTRICT k_r, GLOBAL float *RESTRICT partials,
                       GLOBAL uint *RESTRICT tally)
{
    LOCAL float latent[BLOCK * WIDTH];
    LOCAL float part[ROWS * SLICES * BLOCK];
    const int split = GROUP_X / HEAD_GROUPS, group = GROUP_X % HEAD_GROUPS;
    const int block = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int row = t / SLICES, slice = t % SLICES;
    const int i0 = block * PB, count = imin(PB, N_Q - i0);
    const int head0 = group * HB, group_heads = imin(HB, HEADS - head0);
    const int position = row / HB, head = head0 + row % HB;
    const bool live = position < count && head < HEADS;
    const int mine = imin(position, count - 1);
    const int limit = visible_keys_of(i0 + mine, N_Q, N_KV, CAUSAL);
    const int needed = visible_keys_of(i0 + count - 1, N_Q, N_KV, CAUSAL);
    const int first = split * SPLIT_LEN, end = imin(imin(first + SPLIT_LEN, N_KV), needed);
    const idx_t stacked = ((idx_t)seq * N_Q + i0 + mine) * HEADS + imin(head, HEADS - 1);
    float q[Q_PER], acc[ACC_PER], s[BLOCK], m = NEG_INF, l = 0.0f;
    for (int k = 0; k < Q_PER; k++)
        q[k] = slice + k * SLICES < WIDTH ? q_ext[stacked * WIDTH + slice + k * SLICES] : 0.0f;
    for (int k = 0; k < ACC_PER; k++)
        acc[k] = 0.0f;
    uint loaded = (uint)(count * group_heads * WIDTH);
    for (int j0 = first; j0 < end; j0 += BLOCK) {
        const int cols = imin(BLOCK, end - j0);
        BARRIER();
        for (int e = t; e < cols * WIDTH; e += ROWS * SLICES) {
            const idx_t j = (idx_t)seq * N_KV + j0 + e / WIDTH;
            const int x = e % WIDTH;
            latent[e] = x < D_C ? c[j * D_C + x] : k_r[j * D_R + x - D_C];
        }
        loaded += (uint)(cols * WIDTH);
        BARRIER();
        for (int jj = 0; jj < cols; jj++) {
            float dot = 0.0f;
            for (int k = 0; k < Q_PER; k++)
                if (slice + k * SLICES < WIDTH)
                    dot += q[k] * latent[jj * WIDTH + slice + k * SLICES];
            part[(row * SLICES + slice) * BLOCK + jj] = dot;
        }
        BARRIER();
        float tile_max = NEG_INF;
        for (int jj = 0; jj < cols; jj++) {
            float score = 0.0f;
            for (int sl = 0; sl < SLICES; sl++)
                score += part[(row * SLICES + sl) * BLOCK + jj];
            s[jj] = j0 + jj < limit ? score : NEG_INF;
            tile_max = FMAXF(tile_max, s[jj]);
        }
        if (!live || tile_max == NEG_INF)
            continue;
        const float m_new = FMAXF(m, tile_max), correction = EXPF(m - m_new);
        l *= correction;
        for (int k = 0; k < ACC_PER; k++)
            acc[k] *= correction;
        for (int jj = 0; jj < cols; jj++) {
            const float p = j0 + jj < limit ? EXPF(s[jj] - m_new) : 0.0f;
            l += p;
            for (int k = 0; k < ACC_PER; k++)
                if (slice + k * SLICES < D_C)
                    acc[k] += p * latent[jj * WIDTH + slice + k * SLICES];
        }
        m = m_new;
    }
    if (live) {
        GLOBAL float *out = partials + (stacked * SPLITS + split) * PARTIAL_MLA;
        if (slice == 0) {
            out[0] = m;
            out[1] = l;
        }
        for (int k = 0; k < ACC_PER; k++)
            if (slice + k * SLICES < D_C)
                out[2 + slice + k * SLICES] = acc[k];
    }
    if (t == 0)
        tally[TALLY_ATTEND + ((idx_t)seq * T_B + block) * SPLITS * HEAD_GROUPS + GROUP_X] =
            loaded;
}

/* Work-group (head, sequence): merge the splits of PC positions into oc_tile, then work-item
 * t computes output columns t, t + threads, ... of O = o_c W_UV^T. */
KERNEL attn_mla_unabsorb(GLOBAL const float *RESTRICT partials, GLOBAL const float *RESTRICT w_uv,
                         GLOBAL float *RESTRICT o, GLOBAL uint *RESTRICT tally)
{
    LOCAL float oc_tile[PC * D_C];
    LOCAL float weight[PC * SPLITS];
    LOCAL float inverse[PC];
    const int head = GROUP_X, seq = GROUP_Y, t = LOCAL_X, threads = LOCAL_SIZE_X;
    uint loaded = 0;
    for (int p0 = 0; p0 < N_Q; p0 += PC) {
        const int count = imin(PC, N_Q - p0);
        BARRIER();
        for (int p = t; p < count; p += threads) {
            GLOBAL const float *first =
                partials + (((idx_t)seq * N_Q + p0 + p) * HEADS + head) * SPLITS * PARTIAL_MLA;
            float max = NEG_INF, sum = 0.0f;
            for (int sp = 0; sp < SPLITS; sp++) {
                weight[p * SPLITS + sp] = first[sp * PARTIAL_MLA];
                max = FMAXF(max, weight[p * SPLITS + sp]);
            }
            for (int sp = 0; sp < SPLITS; sp++) {
                const float w = max == NEG_INF ? 0.0f : EXPF(weight[p * SPLITS + sp] - max);
                weight[p * SPLITS + sp] = w;
                sum += first[sp * PARTIAL_MLA + 1] * w;
            }
            inverse[p] = sum > 0.0f ? 1.0f / sum : 0.0f;
        }
        BARRIER();
        for (int e = t; e < count * D_C; e += threads) {
            const int p = e / D_C, x = e % D_C;
            GLOBAL const float *first =
                partials + (((idx_t)seq * N_Q + p0 + p) * HEADS + head) * SPLITS * PARTIAL_MLA;
            float value = 0.0f;
            for (int sp = 0; sp < SPLITS; sp++)
                value += first[sp * PARTIAL_MLA + 2 + x] * weight[p * SPLITS + sp];
            oc_tile[e] = value * inverse[p];
        }
        BARRIER();
        for (int e = t; e < D_V; e += threads) {
            float acc[PC];
            for (int p = 0; p < PC; p++)
                acc[p] = 0.0f;
            for (int x = 0; x < D_C; x++) {
                const float w = w_uv[((idx_t)head * D_V + e) * D_C + x];
                for (int p = 0; p < count; p++)
                    acc[p] += oc_tile[p * D_C + x] * w;
            }
            for (int p = 0; p < count; p++)
                o[(((idx_t)seq * HEADS + head) * N_Q + p0 + p) * D_V + e] = acc[p];
        }
        loaded += (uint)(count * SPLITS * PARTIAL_MLA + D_V * D_C);
    }
    if (t == 0)
        tally[TALLY_UNABSORB + (idx_t)seq * HEADS + head] = loaded;
}
#endif

#if defined(ATTN_MLA_NAIVE)
/* Work-group (token block, head, sequence): JB latent rows in c_tile; work-item t computes
 * columns t, t + threads, ... of [K_nope | V] for them and copies the rope part of K. */
KERNEL attn_mla_decompress(GLOBAL const float *RESTRICT c, GLOBAL const float *RESTRICT k_r,
                           GLOBAL const float *RESTRICT w_uk, GLOBAL const float *RESTRICT w_uv,
                           GLOBAL float *RESTRICT k, GLOBAL float *RESTRICT v)
{
    LOCAL float c_tile[JB * D_C];
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int threads = LOCAL_SIZE_X;
    const int j0 = block * JB, count = imin(JB, N_KV - j0);
    const idx_t latent0 = (idx_t)seq * N_KV + j0;
    const idx_t out0 = ((idx_t)seq * HEADS + head) * N_KV + j0;
    for (int e = t; e < count * D_C; e += threads)
        c_tile[e] = c[latent0 * D_C + e];
    for (int e = t; e < count * D_R; e += threads)
        k[(out0 + e / D_R) * D_QK + D_N + e % D_R] = k_r[latent0 * D_R + e];
    BARRIER();
    for (int x = t; x < D_N + D_V; x += threads) {
        GLOBAL const float *w = x < D_N ? w_uk + ((idx_t)head * D_N + x) * D_C
                                        : w_uv + ((idx_t)head * D_V + x - D_N) * D_C;
        float acc[JB];
        for (int j = 0; j < JB; j++)
            acc[j] = 0.0f;
        for (int y = 0; y < D_C; y++) {
            const float weight = w[y];
            for (int j = 0; j < count; j++)
                acc[j] += c_tile[j * D_C + y] * weight;
        }
        for (int j = 0; j < count; j++)
            if (x < D_N)
                k[(out0 + j) * D_QK + x] = acc[j];
            else
                v[(out0 + j) * D_V + x - D_N] = acc[j];
    }
}

/* Work-group (head, sequence): Q = [q_n | q_r], row by row. */
KERNEL attn_mla_concat(GLOBAL const float *RESTRICT q_n, GLOBAL const float *RESTRICT q_r,
                       GLOBAL float *RESTRICT q)
{
    const idx_t row0 = ((idx_t)GROUP_Y * HEADS + GROUP_X) * N_Q;
    for (int e = LOCAL_X; e < N_Q * D_QK; e += LOCAL_SIZE_X) {
        const int i = e / D_QK, x = e % D_QK;
        q[row0 * D_QK + e] = x < D_N ? q_n[(row0 + i) * D_N + x] : q_r[(row0 + i) * D_R + x - D_N];
    }
}
#endif
