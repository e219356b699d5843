/* performer.cl — Performer (FAVOR+) prefill on a GPU, non-causal: phi(x) = exp(w·x' - |x'|²/2
 * - shift) with x' = x / D_QK^(1/4) and omega [M][D_QK] (cpu/favor.c), S = phi(K)^T V and
 * z = phi(K)^T 1 per KV head, O = phi(Q) S / phi(Q)·z. The 1/sqrt(M) of phi cancels in the
 * ratio and is left out.
 *
 * attn_favor_absorb: work-group (feature chunk, KV head, sequence) keeps FC rows of omega in
 * local memory, streams the keys in tiles of BK rows and accumulates its FC·(D_V + 1) slice of
 * [S | z] in registers (work-item t holds elements t, t + THREADS, ...), relative to a running
 * max over the chunk's exponents: the slice is rescaled when it grows. It writes the slice and
 * its shift. attn_favor_readout: work-group (block of BQ queries, head, sequence) walks the
 * feature chunks like flash's key tiles: each row's exponents keep a running max (the row's
 * sums are rescaled when it grows), chunk c is weighed by exp(shift_c - max shift) so that the
 * chunks share one scale, and work-item t accumulates columns t, t + THREADS, ... (CPER of
 * them) of phi(Q) [S | z] for the block's rows, reading [S | z] once per block.
 *
 * Each work-group writes the floats it loaded into tally[group] (absorb) or
 * tally[TALLY_READOUT + group] (readout), gpu_job.h. Defines: the dims, M, FC, CHUNKS, BK, BQ,
 * T_Q, THREADS (a power of two), SPER (state elements per absorb work-item), CPER,
 * TALLY_READOUT.
 */

#if defined(ATTN_PERFORMER)
#define FAVOR_GROUP (HEADS / KV_HEADS)
#define STATE_W (D_V + 1)

/* u[r·stride + f] = w_f·x_r' - |x_r'|²/2 for `rows` rows of x and `features` rows of w, all
 * in local memory; every work-item calls it (it has barriers). */
FN void favor_exponents(LOCAL_PTR const float *w, int features, LOCAL_PTR const float *x,
                        int rows, LOCAL_PTR float *half_norm, LOCAL_PTR float *u, int stride)
{
    const int t = LOCAL_X;
    const float scale = 1.0f / SQRTF(SQRTF((float)D_QK));
    for (int r = t; r < rows; r += THREADS) {
        float norm2 = 0.0f;
        for (int e = 0; e < D_QK; e++)
            norm2 += x[r * D_QK + e] * x[r * D_QK + e];
        half_norm[r] = 0.5f * norm2 * scale * scale;
    }
    BARRIER();
    for (int e = t; e < rows * features; e += THREADS) {
        const int r = e / features, f = e % features;
        float dot = 0.0f;
        for (int y = 0; y < D_QK; y++)
            dot += w[f * D_QK + y] * x[r * D_QK + y];
        u[r * stride + f] = scale * dot - half_norm[r];
    }
    BARRIER();
}

/* The largest `value` of the work-group (barriers inside). */
FN float group_max(LOCAL_PTR float *reduce, float value)
{
    const int t = LOCAL_X;
    reduce[t] = value;
    BARRIER();
    for (int width = THREADS / 2; width > 0; width /= 2) {
        if (t < width)
            reduce[t] = FMAXF(reduce[t], reduce[t + width]);
        BARRIER();
    }
    const float max = reduce[0];
    BARRIER();
    return max;
}

KERNEL attn_favor_absorb(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT k,
                         GLOBAL const float *RESTRICT v, GLOBAL float *RESTRICT state,
                         GLOBAL float *RESTRICT shifts, GLOBAL uint *RESTRICT tally)
{
    LOCAL float w_tile[FC * D_QK];
    LOCAL float k_tile[BK * D_QK];
    LOCAL float v_tile[BK * D_V];
    LOCAL float u_tile[BK * FC];
    LOCAL float half_norm[BK];
    LOCAL float reduce[THREADS];
    const int chunk = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int f0 = chunk * FC, features = imin(FC, M - f0);
    const idx_t cache = (idx_t)seq * KV_HEADS + kv_head, kv_row0 = cache * N_KV;
    for (int e = t; e < features * D_QK; e += THREADS)
        w_tile[e] = omega[(idx_t)f0 * D_QK + e];
    uint loaded = (uint)(features * D_QK);
    float acc[SPER], shift = NEG_INF;
    for (int x = 0; x < SPER; x++)
        acc[x] = 0.0f;
    for (int j0 = 0; j0 < N_KV; j0 += BK) {
        const int rows = imin(BK, N_KV - j0);
        BARRIER();
        for (int e = t; e < rows * D_QK; e += THREADS)
            k_tile[e] = k[(kv_row0 + j0) * D_QK + e];
        for (int e = t; e < rows * D_V; e += THREADS)
            v_tile[e] = v[(kv_row0 + j0) * D_V + e];
        loaded += (uint)(rows * (D_QK + D_V));
        BARRIER();
        favor_exponents(w_tile, features, k_tile, rows, half_norm, u_tile, FC);
        float mine = NEG_INF;
        for (int e = t; e < rows * features; e += THREADS)
            mine = FMAXF(mine, u_tile[(e / features) * FC + e % features]);
        const float tile_max = group_max(reduce, mine);
        if (tile_max > shift) {
            const float rescale = EXPF(shift - tile_max);
            for (int x = 0; x < SPER; x++)
                acc[x] *= rescale;
            shift = tile_max;
        }
        for (int e = t; e < rows * features; e += THREADS) {
            const int at = (e / features) * FC + e % features;
            u_tile[at] = EXPF(u_tile[at] - shift);
        }
        BARRIER();
        for (int x = 0; x < SPER; x++) {
            const int element = t + x * THREADS, f = element / STATE_W, c = element % STATE_W;
            if (f >= features)
                continue;
            float sum = 0.0f;
            for (int r = 0; r < rows; r++)
                sum += u_tile[r * FC + f] * (c < D_V ? v_tile[r * D_V + c] : 1.0f);
            acc[x] += sum;
        }
    }
    for (int x = 0; x < SPER; x++) {
        const int element = t + x * THREADS;
        if (element < features * STATE_W)
            state[(cache * M + f0) * STATE_W + element] = acc[x];
    }
    if (t == 0) {
        shifts[cache * CHUNKS + chunk] = shift;
        tally[cache * CHUNKS + chunk] = loaded;
    }
}

KERNEL attn_favor_readout(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT q,
                          GLOBAL const float *RESTRICT state, GLOBAL const float *RESTRICT shifts,
                          GLOBAL float *RESTRICT o, GLOBAL uint *RESTRICT tally)
{
    LOCAL float w_tile[FC * D_QK];
    LOCAL float q_tile[BQ * D_QK];
    LOCAL float u_tile[BQ * FC];
    LOCAL float chunk_shift[CHUNKS];
    LOCAL float half_norm[BQ];
    LOCAL float row_max[BQ];
    LOCAL float rescale[BQ];
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int i0 = block * BQ, rows = imin(BQ, N_Q - i0);
    const idx_t q_row0 = ((idx_t)seq * HEADS + head) * N_Q + i0;
    const idx_t cache = (idx_t)seq * KV_HEADS + head / FAVOR_GROUP;
    for (int e = t; e < rows * D_QK; e += THREADS)
        q_tile[e] = q[q_row0 * D_QK + e];
    for (int c = t; c < CHUNKS; c += THREADS)
        chunk_shift[c] = shifts[cache * CHUNKS + c];
    for (int r = t; r < BQ; r += THREADS)
        row_max[r] = NEG_INF;
    uint loaded = (uint)(rows * D_QK + CHUNKS);
    float acc[CPER * BQ];
    for (int a = 0; a < CPER * BQ; a++)
        acc[a] = 0.0f;
    for (int f0 = 0; f0 < M; f0 += FC) {
        const int features = imin(FC, M - f0);
        BARRIER();
        for (int e = t; e < features * D_QK; e += THREADS)
            w_tile[e] = omega[(idx_t)f0 * D_QK + e];
        loaded += (uint)(features * (D_QK + STATE_W));
        BARRIER();
        favor_exponents(w_tile, features, q_tile, rows, half_norm, u_tile, FC);
        float max_shift = NEG_INF;
        for (int c = 0; c < CHUNKS; c++)
            max_shift = FMAXF(max_shift, chunk_shift[c]);
        const float weight = chunk_shift[f0 / FC] - max_shift;
        for (int r = t; r < rows; r += THREADS) { /* online over the feature chunks, per row */
            LOCAL_PTR float *u = u_tile + r * FC;
            float m_new = row_max[r];
            for (int f = 0; f < features; f++)
                m_new = FMAXF(m_new, u[f]);
            for (int f = 0; f < features; f++)
                u[f] = EXPF(u[f] - m_new + weight);
            rescale[r] = EXPF(row_max[r] - m_new);
            row_max[r] = m_new;
        }
        BARRIER();
        for (int x = 0; x < CPER; x++) {
            const int c = t + x * THREADS;
            if (c >= STATE_W)
                continue;
            for (int r = 0; r < rows; r++)
                acc[x * BQ + r] *= rescale[r];
            for (int f = 0; f < features; f++) {
                const float s = state[(cache * M + f0 + f) * STATE_W + c];
                for (int r = 0; r < rows; r++)
                    acc[x * BQ + r] += u_tile[r * FC + f] * s;
            }
        }
    }
    BARRIER();
    for (int x = 0; x < CPER; x++) /* the z column: the denominators */
        if (t + x * THREADS == D_V)
            for (int r = 0; r < rows; r++)
                rescale[r] = acc[x * BQ + r] > 0.0f ? 1.0f / acc[x * BQ + r] : 0.0f;
    BARRIER();
    for (int x = 0; x < CPER; x++) {
        const int c = t + x * THREADS;
        for (int r = 0; r < rows && c < D_V; r++)
            o[(q_row0 + r) * D_V + c] = acc[x * BQ + r] * rescale[r];
    }
    if (t == 0)
        tally[TALLY_READOUT + ((idx_t)seq * HEADS + head) * T_Q + block] = loaded;
}
#endif
