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

/* Local-memory rows that the work-items of a warp read at a varying row index have stride
 * D_QK + 1 rather than D_QK, so that 32 such rows fall in 32 different banks (D_QK is usually
 * a multiple of 32, which would put them all in one). */
#define K_STRIDE (D_QK + 1)

/* Keys that query i of n_q sees among n_kv: all, or (causal) those up to its position. */
FN int visible_keys_of(int i, int n_q, int n_kv, int causal)
{
    return causal ? imax(0, imin(n_kv, n_kv - n_q + i + 1)) : n_kv;
}

#if defined(ATTN_FLASH_PREFILL)
/* FlashAttention-2 loop order. Work-group (block, head, sequence) of THREADS work-items: BR
 * query rows stay in q_tile; key/value blocks of BC rows pass through k_tile and v_tile, and
 * after its load each block takes three steps, barrier to barrier:
 *   scores  work-items share the BR·BC dot products (pair idx: row idx / BC, key idx % BC),
 *           then write them, scaled, over k_tile (s_tile), which they no longer read;
 *   softmax work-item r < BR keeps row r's running max and sum, turns its scores into
 *           exp(score - max) and leaves the rescaling of its row's output in correction[r];
 *   P·V     work-item t owns output column t % D_V of rows t / D_V + k·ROW_STEP
 *           (THREADS = ROW_STEP·D_V), unnormalised in registers: it loads each v_tile value
 *           once for all its rows.
 * Rows of q_tile and k_tile (read at a varying row by the scores) and of s_tile (by the
 * softmax) are padded by one float, like K_STRIDE. Key blocks that every row of the block
 * masks are not loaded. Local size: THREADS, which the host keeps >= BR. */
#define Q_STRIDE (D_QK + 1)
#define S_STRIDE (BC + 1)
#define KS_SIZE (BC * K_STRIDE > BR * S_STRIDE ? BC * K_STRIDE : BR * S_STRIDE)
#define PAIRS ((BR * BC + THREADS - 1) / THREADS) /* dot products per work-item */
#define ROW_STEP (THREADS / D_V)
#define ROWS ((BR + ROW_STEP - 1) / ROW_STEP) /* output rows per work-item */

KERNEL attn_flash_prefill(GLOBAL const float *RESTRICT q, GLOBAL const float *RESTRICT k,
                          GLOBAL const float *RESTRICT v, GLOBAL float *RESTRICT o,
                          GLOBAL uint *RESTRICT tally)
{
    LOCAL float q_tile[BR * Q_STRIDE];
    LOCAL float k_tile[KS_SIZE]; /* the keys, then the scores of the block */
    LOCAL float v_tile[BC * D_V];
    LOCAL float correction[BR];
    LOCAL_PTR float *const s_tile = k_tile;
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int i0 = block * BR, rows = imin(BR, N_Q - i0);
    const idx_t q_row0 = ((idx_t)seq * HEADS + head) * N_Q + i0;
    const idx_t kv_row0 = ((idx_t)seq * KV_HEADS + head / (HEADS / KV_HEADS)) * N_KV;
    const float scale = 1.0f / SQRTF((float)D_QK);
    for (int x = t; x < rows * D_QK; x += THREADS)
        q_tile[x / D_QK * Q_STRIDE + x % D_QK] = q[q_row0 * D_QK + x];
    /* the softmax's row (work-items r < BR): keys it sees, running max and sum */
    const int limit = t < rows ? visible_keys_of(i0 + t, N_Q, N_KV, CAUSAL) : 0;
    float m = NEG_INF, l = 0.0f;
    /* the P·V step's column and rows */
    const int e = t % D_V, r0 = t / D_V;
    float acc[ROWS];
    for (int i = 0; i < ROWS; i++)
        acc[i] = 0.0f;
    const int needed = visible_keys_of(i0 + rows - 1, N_Q, N_KV, CAUSAL);
    uint loaded = 0;
    for (int j0 = 0; j0 < needed; j0 += BC) {
        const int cols = imin(BC, N_KV - j0);
        BARRIER();
        for (int x = t; x < cols * D_QK; x += THREADS)
            k_tile[x / D_QK * K_STRIDE + x % D_QK] = k[(kv_row0 + j0) * D_QK + x];
        for (int x = t; x < cols * D_V; x += THREADS)
            v_tile[x] = v[(kv_row0 + j0) * D_V + x];
        loaded += (uint)cols;
        BARRIER();
        float dots[PAIRS];
        for (int i = 0; i < PAIRS; i++) {
            const int pair = t + i * THREADS, r = pair / BC, c = pair % BC;
            float dot = 0.0f;
            if (r < rows && c < cols)
                for (int x = 0; x < D_QK; x++)
                    dot += q_tile[r * Q_STRIDE + x] * k_tile[c * K_STRIDE + x];
            dots[i] = dot * scale;
        }
        BARRIER();
        for (int i = 0; i < PAIRS; i++) {
            const int pair = t + i * THREADS;
            if (pair < BR * BC)
                s_tile[pair / BC * S_STRIDE + pair % BC] = dots[i];
        }
        BARRIER();
        if (t < BR) {
            float tile_max = NEG_INF, sum = 0.0f;
            for (int c = 0; c < cols; c++)
                tile_max = j0 + c < limit ? FMAXF(tile_max, s_tile[t * S_STRIDE + c]) : tile_max;
            const float m_new = FMAXF(m, tile_max);
            for (int c = 0; c < cols; c++) {
                const float p = j0 + c < limit ? EXPF(s_tile[t * S_STRIDE + c] - m_new) : 0.0f;
                s_tile[t * S_STRIDE + c] = p;
                sum += p;
            }
            correction[t] = tile_max == NEG_INF ? 1.0f : EXPF(m - m_new);
            l = l * correction[t] + sum;
            m = m_new;
        }
        BARRIER();
        for (int i = 0; i < ROWS; i++)
            if (r0 + i * ROW_STEP < BR)
                acc[i] *= correction[r0 + i * ROW_STEP];
        for (int c = 0; c < cols; c++) {
            const float value = v_tile[c * D_V + e];
            for (int i = 0; i < ROWS; i++)
                if (r0 + i * ROW_STEP < BR)
                    acc[i] += s_tile[(r0 + i * ROW_STEP) * S_STRIDE + c] * value;
        }
    }
    BARRIER();
    if (t < BR)
        correction[t] = l; /* the row sums, for the P·V work-items */
    BARRIER();
    for (int i = 0; i < ROWS; i++) {
        const int r = r0 + i * ROW_STEP;
        if (r < rows)
            o[(q_row0 + r) * D_V + e] = correction[r] > 0.0f ? acc[i] / correction[r] : 0.0f;
    }
    if (t == 0)
        tally[((idx_t)seq * HEADS + head) * T_R + block] = loaded;
}
#endif

#if defined(ATTN_DECODE)
/* Flash-decoding. attn_decode_split: work-group (split, KV head, sequence) converts its
 * SPLIT_LEN cached tokens, BLOCK at a time, from the store (STORE 0 fp32, 1 fp16, 2 bf16) into
 * fp32 tiles that serve the whole GROUP of query heads sharing the KV head, and leaves a
 * partial online softmax (max, sum, unnormalised output) in `partials`. attn_decode_merge:
 * work-group (head, sequence) combines the splits of one head. Partials are workspace.
 *
 * Each block of tokens takes four steps, barrier to barrier, every one spread over all the
 * work-items: load (consecutive work-items read consecutive cache elements); scores (one
 * (head, token) dot product each, k_tile rows padded to K_STRIDE so that a warp's 32 tokens
 * lie in 32 banks); the new running max of each head (work-item g < GROUP), then each score
 * turned into exp(score - max); P·V into the accumulators, where the work-item of column 0
 * adds its head's row of P to the running sum on the way. */
#define GROUP (HEADS / KV_HEADS)
#define PARTIAL (GROUP * (D_V + 2))
/* rows from one (sequence, KV head)'s first token to the next's: N_KV and the padding a CPU
 * serving cache leaves (kernels.h, attn_kv_cache.head_rows) */
#ifndef HEAD_ROWS
#define HEAD_ROWS N_KV
#endif

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
    LOCAL float k_tile[BLOCK * K_STRIDE];
    LOCAL float v_tile[BLOCK * D_V];
    LOCAL float s_tile[GROUP * BLOCK];
    LOCAL float acc[GROUP * D_V];
    LOCAL float m[GROUP], l[GROUP], correction[GROUP];
    const int split = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int threads = LOCAL_SIZE_X;
    const int first = split * SPLIT_LEN, end = imin(first + SPLIT_LEN, N_KV);
    const idx_t cache_row0 = ((idx_t)seq * KV_HEADS + kv_head) * HEAD_ROWS;
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
            k_tile[e / D_QK * K_STRIDE + e % D_QK] = LOAD_CACHE(k, (cache_row0 + j0) * D_QK + e);
        for (int e = t; e < cols * D_V; e += threads)
            v_tile[e] = LOAD_CACHE(v, (cache_row0 + j0) * D_V + e);
        BARRIER();
        for (int idx = t; idx < GROUP * cols; idx += threads) {
            const int g = idx / cols, c = idx % cols;
            float dot = 0.0f;
            for (int e = 0; e < D_QK; e++)
                dot += q_tile[g * D_QK + e] * k_tile[c * K_STRIDE + e];
            s_tile[g * BLOCK + c] = dot;
        }
        BARRIER();
        for (int g = t; g < GROUP; g += threads) {
            float tile_max = NEG_INF;
            for (int c = 0; c < cols; c++)
                tile_max = FMAXF(tile_max, s_tile[g * BLOCK + c]);
            const float m_new = FMAXF(m[g], tile_max);
            correction[g] = EXPF(m[g] - m_new);
            m[g] = m_new;
        }
        BARRIER();
        for (int idx = t; idx < GROUP * cols; idx += threads) {
            const int g = idx / cols, c = idx % cols;
            s_tile[g * BLOCK + c] = EXPF(s_tile[g * BLOCK + c] - m[g]);
        }
        BARRIER();
        for (int idx = t; idx < GROUP * D_V; idx += threads) {
            const int g = idx / D_V, e = idx % D_V;
            float a = acc[idx] * correction[g], sum = 0.0f;
            for (int c = 0; c < cols; c++) {
                a += s_tile[g * BLOCK + c] * v_tile[c * D_V + e];
                sum += s_tile[g * BLOCK + c];
            }
            acc[idx] = a;
            if (e == 0)
                l[g] = l[g] * correction[g] + sum;
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
