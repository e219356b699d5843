/* standard.cl — standard attention on a GPU (FlashAttention's Algorithm 0): S = scale·QK^T is
 * written to global memory, read back for the row softmax that writes P, and P is read back
 * for O = PV. The baseline whose n_q·n_kv traffic and workspace flash removes; prefill and
 * decode (n_q = 1) are the same three kernels. Layouts as attention.cl; S and P share one
 * buffer [batch][HEADS][N_Q][N_KV] (the softmax rewrites S as P in place).
 *
 * Each work-group writes the number of floats it loaded from global memory into
 * tally[TALLY_* + group], so the host counts what the kernels really read (gpu_job.h).
 * Defines: the dims, CAUSAL, BR (query rows per block), BC (key rows per tile), T_R, THREADS
 * and PER (the softmax's work-items and row elements per work-item), TALLY_SOFTMAX, TALLY_PV.
 */

#if defined(ATTN_STANDARD)
#define STD_GROUP (HEADS / KV_HEADS)

/* Work-group (block, head, sequence), BC work-items: work-item c scores key c of each tile
 * against the block's BR query rows, which stay in q_tile. k_tile rows have stride
 * K_STRIDE = D_QK + 1 (attention.cl) so that the keys a warp reads lie in different banks. */
KERNEL attn_std_scores(GLOBAL const float *RESTRICT q, GLOBAL const float *RESTRICT k,
                       GLOBAL float *RESTRICT s, GLOBAL uint *RESTRICT tally)
{
    LOCAL float q_tile[BR * D_QK];
    LOCAL float k_tile[BC * K_STRIDE];
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, c = LOCAL_X;
    const int i0 = block * BR, rows = imin(BR, N_Q - i0);
    const idx_t q_row0 = ((idx_t)seq * HEADS + head) * N_Q + i0;
    const idx_t kv_row0 = ((idx_t)seq * KV_HEADS + head / STD_GROUP) * N_KV;
    const float scale = 1.0f / SQRTF((float)D_QK);
    for (int e = c; e < rows * D_QK; e += BC)
        q_tile[e] = q[q_row0 * D_QK + e];
    uint loaded = (uint)(rows * D_QK);
    for (int j0 = 0; j0 < N_KV; j0 += BC) {
        const int cols = imin(BC, N_KV - j0);
        BARRIER();
        for (int e = c; e < cols * D_QK; e += BC)
            k_tile[e / D_QK * K_STRIDE + e % D_QK] = k[(kv_row0 + j0) * D_QK + e];
        loaded += (uint)(cols * D_QK);
        BARRIER();
        for (int r = 0; r < rows && c < cols; r++) {
            float dot = 0.0f;
            for (int e = 0; e < D_QK; e++)
                dot += q_tile[r * D_QK + e] * k_tile[c * K_STRIDE + e];
            s[(q_row0 + r) * N_KV + j0 + c] = dot * scale;
        }
    }
    if (c == 0)
        tally[((idx_t)seq * HEADS + head) * T_R + block] = loaded;
}

/* Work-group (row, head, sequence), THREADS work-items: work-item t holds elements t,
 * t + THREADS, ... of the row privately, so S is read once and P written once. */
KERNEL attn_std_softmax(GLOBAL float *RESTRICT s, GLOBAL uint *RESTRICT tally)
{
    LOCAL float reduce[THREADS];
    const int row = GROUP_X, head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const idx_t line = ((idx_t)seq * HEADS + head) * N_Q + row;
    GLOBAL float *x = s + line * N_KV;
    const int visible = visible_keys_of(row, N_Q, N_KV, CAUSAL);
    float mine[PER], max = NEG_INF, sum = 0.0f;
    for (int e = 0; e < PER; e++) {
        const int j = t + e * THREADS;
        mine[e] = j < N_KV ? x[j] : 0.0f;
        max = j < visible ? FMAXF(max, mine[e]) : max;
    }
    reduce[t] = max;
    BARRIER();
    for (int width = THREADS / 2; width > 0; width /= 2) {
        if (t < width)
            reduce[t] = FMAXF(reduce[t], reduce[t + width]);
        BARRIER();
    }
    max = reduce[0];
    BARRIER();
    for (int e = 0; e < PER; e++) {
        const int j = t + e * THREADS;
        mine[e] = j < visible ? EXPF(mine[e] - max) : 0.0f;
        sum += mine[e];
    }
    reduce[t] = sum;
    BARRIER();
    for (int width = THREADS / 2; width > 0; width /= 2) {
        if (t < width)
            reduce[t] += reduce[t + width];
        BARRIER();
    }
    const float inverse = visible > 0 ? 1.0f / reduce[0] : 0.0f;
    for (int e = 0; e < PER; e++) {
        const int j = t + e * THREADS;
        if (j < N_KV)
            x[j] = mine[e] * inverse;
    }
    if (t == 0)
        tally[TALLY_SOFTMAX + line] = (uint)N_KV;
}

/* Work-group (block, head, sequence), D_V work-items: work-item e accumulates output column e
 * of the block's rows from P tiles and V tiles. */
KERNEL attn_std_pv(GLOBAL const float *RESTRICT p, GLOBAL const float *RESTRICT v,
                   GLOBAL float *RESTRICT o, GLOBAL uint *RESTRICT tally)
{
    LOCAL float p_tile[BR * BC];
    LOCAL float v_tile[BC * D_V];
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, e = LOCAL_X;
    const int i0 = block * BR, rows = imin(BR, N_Q - i0);
    const idx_t q_row0 = ((idx_t)seq * HEADS + head) * N_Q + i0;
    const idx_t kv_row0 = ((idx_t)seq * KV_HEADS + head / STD_GROUP) * N_KV;
    float acc[BR];
    for (int r = 0; r < BR; r++)
        acc[r] = 0.0f;
    uint loaded = 0;
    for (int j0 = 0; j0 < N_KV; j0 += BC) {
        const int cols = imin(BC, N_KV - j0);
        BARRIER();
        for (int x = e; x < rows * cols; x += D_V)
            p_tile[x] = p[(q_row0 + x / cols) * N_KV + j0 + x % cols];
        for (int x = e; x < cols * D_V; x += D_V)
            v_tile[x] = v[(kv_row0 + j0) * D_V + x];
        loaded += (uint)(rows * cols + cols * D_V);
        BARRIER();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                acc[r] += p_tile[r * cols + c] * v_tile[c * D_V + e];
    }
    for (int r = 0; r < rows; r++)
        o[(q_row0 + r) * D_V + e] = acc[r];
    if (e == 0)
        tally[TALLY_PV + ((idx_t)seq * HEADS + head) * T_R + block] = loaded;
}
#endif
