/* lowrank.cl — low-rank (Linformer) prefill on a GPU: K' = E K and V' = F V per KV head
 * (E, F [N_KV][N_SEQ]: here N_KV is the rank k and N_SEQ the sequence length), written to
 * global memory; standard.cl's kernels then attend Q over the k projected rows.
 *
 * Work-group (block of PK projected rows, KV head, sequence): E and F tiles of PK × BT in
 * local memory; work-item t accumulates columns t, t + PT, ... (XPER of them) of [K' | V'] for
 * the block's rows, reading K and V from global memory once per block. It writes the floats it
 * loaded into tally[TALLY_PROJECT + group] (gpu_job.h). Defines: the dims, N_SEQ, PK, BT, PT,
 * XPER, T_P (blocks per KV head), TALLY_PROJECT.
 */

#if defined(ATTN_LOWRANK)
KERNEL attn_lowrank_project(GLOBAL const float *RESTRICT e, GLOBAL const float *RESTRICT f,
                            GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                            GLOBAL float *RESTRICT k_proj, GLOBAL float *RESTRICT v_proj,
                            GLOBAL uint *RESTRICT tally)
{
    LOCAL float e_tile[PK * BT];
    LOCAL float f_tile[PK * BT];
    const int block = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int p0 = block * PK, rows = imin(PK, N_KV - p0);
    const idx_t cache = (idx_t)seq * KV_HEADS + kv_head, token0 = cache * N_SEQ;
    float acc[XPER * PK];
    for (int a = 0; a < XPER * PK; a++)
        acc[a] = 0.0f;
    uint loaded = 0;
    for (int j0 = 0; j0 < N_SEQ; j0 += BT) {
        const int cols = imin(BT, N_SEQ - j0);
        BARRIER();
        for (int x = t; x < rows * cols; x += PT) {
            const idx_t at = (idx_t)(p0 + x / cols) * N_SEQ + j0 + x % cols;
            e_tile[x] = e[at];
            f_tile[x] = f[at];
        }
        loaded += (uint)(2 * rows * cols + cols * (D_QK + D_V));
        BARRIER();
        for (int c = 0; c < XPER; c++) {
            const int x = t + c * PT;
            if (x >= D_QK + D_V)
                continue;
            LOCAL_PTR const float *tile = x < D_QK ? e_tile : f_tile;
            for (int j = 0; j < cols; j++) {
                const idx_t token = token0 + j0 + j;
                const float value = x < D_QK ? k[token * D_QK + x] : v[token * D_V + x - D_QK];
                for (int r = 0; r < rows; r++)
                    acc[c * PK + r] += tile[r * cols + j] * value;
            }
        }
    }
    for (int c = 0; c < XPER; c++) {
        const int x = t + c * PT;
        for (int r = 0; r < rows && x < D_QK + D_V; r++) {
            const idx_t row = cache * N_KV + p0 + r;
            if (x < D_QK)
                k_proj[row * D_QK + x] = acc[c * PK + r];
            else
                v_proj[row * D_V + x - D_QK] = acc[c * PK + r];
        }
    }
    if (t == 0)
        tally[TALLY_PROJECT + cache * T_P + block] = loaded;
}
#endif
