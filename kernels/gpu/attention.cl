/* attention.cl — exact attention on a GPU, one source for OpenCL and CUDA (see portable.h,
 * which the host prepends). Layouts, scaling and the causal rule are kernels.h's:
 *   Q [batch][HEADS][N_Q][D_QK], K [batch][KV_HEADS][N_KV][D_QK], V ... [D_V], O ... [N_Q][D_V];
 * query i sits at position N_KV - N_Q + i; a query that sees no key outputs zeros.
 *
 * Local-memory tiles are the "SRAM" of the IO model. Each work-group writes, through work-item
 * 0, how many K/V rows it loaded from global memory into `tally[group]`, so the host counts the
 * traffic the kernel really moved (gpu_job.h). The host builds one program per problem with the
 * dimensions as -D defines and ATTN_FLASH_PREFILL / ATTN_DECODE selecting the kernels; standard.cl
 * and mla.cl follow this file in the one embedded source (ATTN_STANDARD, ATTN_MLA_*).
 */

/* Keys that query i of n_q sees among n_kv: all, or (causal) those up to its position. */
FN int visible_keys_of(int i, int n_q, int n_kv, int causal)
{
    return causal ? imax(0, imin(n_kv, n_kv - n_q + i + 1)) : n_kv;
}

#if defined(ATTN_FLASH_PREFILL)
/* FlashAttention-2 loop order. Work-group (block, head, sequence): BR query rows, one per
 * work-item, stay in q_tile; key/value blocks of BC rows pass through k_tile and v_tile; each
 * work-item keeps its row's scores, running max and sum and unnormalised output privately.
 * Key blocks that every row of the block masks are not loaded. Local size: BR. */

KERNEL attn_flash_prefill(GLOBAL const float *RESTRICT q, GLOBAL const float *RESTRICT k,
                          GLOBAL const float *RESTRICT v, GLOBAL float *RESTRICT o,
                          GLOBAL uint *RESTRICT tally)
{
    LOCAL float q_tile[BR * D_QK];
    LOCAL float k_tile[BC * D_QK];
    LOCAL float v_tile[BC * D_V];
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, r = LOCAL_X;
    const int i0 = block * BR, rows = imin(BR, N_Q - i0);
    const idx_t q_row0 = ((idx_t)seq * HEADS + head) * N_Q + i0;
    const idx_t kv_row0 = ((idx_t)seq * KV_HEADS + head / (HEADS / KV_HEADS)) * N_KV;
    const float scale = 1.0f / SQRTF((float)D_QK);
    for (int e = r; e < rows * D_QK; e += BR)
        q_tile[e] = q[q_row0 * D_QK + e];
    const int limit = visible_keys_of(i0 + imin(r, rows - 1), N_Q, N_KV, CAUSAL);
    const int needed = visible_keys_of(i0 + rows - 1, N_Q, N_KV, CAUSAL);
    float s[BC], acc[D_V], m = NEG_INF, l = 0.0f;
    for (int e = 0; e < D_V; e++)
        acc[e] = 0.0f;
    uint loaded = 0;
    for (int j0 = 0; j0 < needed; j0 += BC) {
        const int cols = imin(BC, N_KV - j0);
        BARRIER();
        for (int e = r; e < cols * D_QK; e += BR)
            k_tile[e] = k[(kv_row0 + j0) * D_QK + e];
        for (int e = r; e < cols * D_V; e += BR)
            v_tile[e] = v[(kv_row0 + j0) * D_V + e];
        loaded += (uint)cols;
        BARRIER();
        float tile_max = NEG_INF;
        for (int c = 0; c < cols; c++) {
            float dot = 0.0f;
            for (int e = 0; e < D_QK; e++)
                dot += q_tile[r * D_QK + e] * k_tile[c * D_QK + e];
            s[c] = j0 + c < limit ? dot * scale : NEG_INF;
            tile_max = FMAXF(tile_max, s[c]);
        }
        if (r >= rows || tile_max == NEG_INF)
            continue;
        const float m_new = FMAXF(m, tile_max), correction = EXPF(m - m_new);
        l *= correction;
        for (int e = 0; e < D_V; e++)
            acc[e] *= correction;
        for (int c = 0; c < cols; c++) {
            const float p = j0 + c < limit ? EXPF(s[c] - m_new) : 0.0f;
            l += p;
            for (int e = 0; e < D_V; e++)
                acc[e] += p * v_tile[c * D_V + e];
        }
        m = m_new;
    }
    if (r < rows)
        for (int e = 0; e < D_V; e++)
            o[(q_row0 + r) * D_V + e] = l > 0.0f ? acc[e] / l : 0.0f;
    if (r == 0)
        tally[((idx_t)seq * HEADS + head) * T_R + block] = loaded;
}
#endif

#if defined(ATTN_DECODE)
/* Flash-decoding. attn_decode_split: work-group (split, KV head, sequence) converts its
 * SPLIT_LEN cached tokens, BLOCK at a time, from the store (STORE 0 fp32, 1 fp16, 2 bf16) into
 * fp32 tiles that serve the whole GROUP of query heads sharing the KV head, and leaves a
 * partial online softmax (max, sum, unnormalised output) in `partials`. attn_decode_merge:
 * work-group (head, sequence) combines the splits of one head. Partials are workspace. */
#define GROUP (HEADS / KV_HEADS)
#define PARTIAL (GROUP * (D_V + 2))

#if STORE == 0
typedef float cache_t;
#define LOAD_CACHE(p, i) ((p)[i])
#elif STORE == 1
typedef ushort cache_t;
#define LOAD_CACHE(p, i) LOAD_HALF(p, i)
#else
typedef ushort cache_t;
#define LOAD_CACHE(p, i) AS_FLOAT((uint)(p)[i] << 16)
#endif

KERNEL attn_decode_split(GLOBAL const float *RESTRICT q, GLOBAL const cache_t *RESTRICT k,
                         GLOBAL const cache_t *RESTRICT v, GLOBAL float *RESTRICT partials,
                         GLOBAL uint *RESTRICT tally)
{
    LOCAL float q_tile[GROUP * D_QK];
    LOCAL float k_tile[BLOCK * D_QK];
    LOCAL float v_tile[BLOCK * D_V];
    LOCAL float s_tile[GROUP * BLOCK];
    LOCAL float acc[GROUP * D_V];
    LOCAL float m[GROUP], l[GROUP], correction[GROUP];
    const int split = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int threads = LOCAL_SIZE_X;
    const int first = split * SPLIT_LEN, end = imin(first + SPLIT_LEN, N_KV);
    const idx_t cache_row0 = ((idx_t)seq * KV_HEADS + kv_head) * N_KV;
    const idx_t q0 = ((idx_t)seq * HEADS + (idx_t)kv_head * GROUP) * D_QK;
    const float scale = 1.0f / SQRTF((float)D_QK);
    for (int e = t; e < GROUP * D_QK; e += threads)
        q_tile[e] = q[q0 + e] * scale;
    for (int e = t; e < GROUP * D_V; e += threads)
        acc[e] = 0.0f;
    for (int g = t; g < GROUP; g += threads) {
        m[g] = NEG_INF;
        l[g] = 0.0f;
    }
    for (int j0 = first; j0 < end; j0 += BLOCK) {
        const int cols = imin(BLOCK, end - j0);
        BARRIER();
        for (int e = t; e < cols * D_QK; e += threads)
            k_tile[e] = LOAD_CACHE(k, (cache_row0 + j0) * D_QK + e);
        for (int e = t; e < cols * D_V; e += threads)
            v_tile[e] = LOAD_CACHE(v, (cache_row0 + j0) * D_V + e);
        BARRIER();
        for (int idx = t; idx < GROUP * cols; idx += threads) {
            const int g = idx / cols, c = idx % cols;
            float dot = 0.0f;
            for (int e = 0; e < D_QK; e++)
                dot += q_tile[g * D_QK + e] * k_tile[c * D_QK + e];
            s_tile[g * BLOCK + c] = dot;
        }
        BARRIER();
        for (int g = t; g < GROUP; g += threads) {
            float tile_max = NEG_INF, sum = 0.0f;
            for (int c = 0; c < cols; c++)
                tile_max = FMAXF(tile_max, s_tile[g * BLOCK + c]);
            const float m_new = FMAXF(m[g], tile_max);
            for (int c = 0; c < cols; c++) {
                s_tile[g * BLOCK + c] = EXPF(s_tile[g * BLOCK + c] - m_new);
                sum += s_tile[g * BLOCK + c];
            }
            correction[g] = EXPF(m[g] - m_new);
            l[g] = l[g] * correction[g] + sum;
            m[g] = m_new;
        }
        BARRIER();
        for (int idx = t; idx < GROUP * D_V; idx += threads) {
            const int g = idx / D_V, e = idx % D_V;
            float a = acc[idx] * correction[g];
            for (int c = 0; c < cols; c++)
                a += s_tile[g * BLOCK + c] * v_tile[c * D_V + e];
            acc[idx] = a;
        }
    }
    BARRIER();
    GLOBAL float *part = partials + (((idx_t)seq * KV_HEADS + kv_head) * SPLITS + split) * PARTIAL;
    for (int g = t; g < GROUP; g += threads) {
        part[g] = m[g];
        part[GROUP + g] = l[g];
    }
    for (int e = t; e < GROUP * D_V; e += threads)
        part[2 * GROUP + e] = acc[e];
    if (t == 0)
        tally[((idx_t)seq * KV_HEADS + kv_head) * SPLITS + split] = (uint)imax(0, end - first);
}

KERNEL attn_decode_merge(GLOBAL const float *RESTRICT partials, GLOBAL float *RESTRICT o)
{
    const int head = GROUP_X, seq = GROUP_Y, member = head % GROUP;
    GLOBAL const float *first =
        partials + ((idx_t)seq * KV_HEADS + head / GROUP) * SPLITS * PARTIAL;
    float max = NEG_INF;
    for (int s = 0; s < SPLITS; s++)
        max = FMAXF(max, first[s * PARTIAL + member]);
    for (int e = LOCAL_X; e < D_V; e += LOCAL_SIZE_X) {
        float sum = 0.0f, out = 0.0f;
        for (int s = 0; s < SPLITS && max != NEG_INF; s++) {
            GLOBAL const float *part = first + s * PARTIAL;
            const float weight = EXPF(part[member] - max);
            sum += part[GROUP + member] * weight;
            out += part[2 * GROUP + member * D_V + e] * weight;
        }
        o[((idx_t)seq * HEADS + head) * D_V + e] = sum > 0.0f ? out / sum : 0.0f;
    }
}
#endif
