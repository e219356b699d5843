/* lowrank.cl — low-rank (Linformer) on a GPU: K' = E K and V' = F V per KV head (E, F
 * [N_KV][N_SEQ]: here N_KV is the rank k and N_SEQ the sequence length), written to global
 * memory; standard.cl's kernels then attend Q over the k projected rows.
 *
 * attn_lowrank_project (prefill) projects all N_SEQ tokens; attn_lowrank_absorb (decode)
 * projects the new token, N_SEQ - 1, onto the CPU's saved [K' | V'] (cpu/lowrank_decode.c:
 * all K', then all V') and writes the sum elsewhere, so every run starts from the same state.
 * Work-group (block of PK projected rows, KV head, sequence): E and F tiles of PK × BT in
 * local memory; work-item t accumulates columns t, t + PT, ... (XPER of them) of [K' | V']
 * for the block's rows, reading K and V (the tokens' rows) from global memory once per block.
 * It writes the floats it loaded into tally[TALLY_PROJECT + group] (gpu_job.h). Defines: the
 * dims, CACHES, N_SEQ, PK, BT, PT, TALLY_PROJECT.
 */

#if defined(ATTN_LOWRANK)
#define XPER ((D_QK + D_V + PT - 1) / PT) /* columns per work-item */
#define T_P ((N_KV + PK - 1) / PK)         /* blocks per KV head */

typedef struct lowrank_tiles {
    float e[PK * BT], f[PK * BT];
} lowrank_tiles;

/* Where column x of projected row `row` lives: in K' below D_QK, else in V' (in a buffer that
 * holds both, `v_base` floats after K'). */
FN idx_t lowrank_at(idx_t row, int x, idx_t v_base)
{
    return x < D_QK ? row * D_QK + x : v_base + row * D_V + x - D_QK;
}

/* Projects tokens [first, N_SEQ) (rows of k and v from 0 for each KV head) of this
 * work-group's KV head onto its block of rows, adding to `saved` ([K' | V'] in one buffer)
 * unless it is 0. */
FN void lowrank_project(LOCAL_PTR lowrank_tiles *tl, GLOBAL const float *RESTRICT e,
                        GLOBAL const float *RESTRICT f, GLOBAL const float *RESTRICT k,
                        GLOBAL const float *RESTRICT v, GLOBAL const float *RESTRICT saved,
                        GLOBAL float *RESTRICT k_proj, GLOBAL float *RESTRICT v_proj,
                        GLOBAL uint *RESTRICT tally, int first)
{
    const int tokens = N_SEQ - first, block = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int p0 = block * PK, rows = imin(PK, N_KV - p0);
    const idx_t cache = (idx_t)seq * KV_HEADS + kv_head, token0 = cache * tokens;
    const idx_t row0 = cache * N_KV + p0, saved_v = (idx_t)CACHES * N_KV * D_QK;
    float acc[XPER * PK];
    for (int c = 0; c < XPER; c++) {
        const int x = t + c * PT;
        for (int r = 0; r < PK; r++)
            acc[c * PK + r] = saved && x < D_QK + D_V && r < rows
                                  ? saved[lowrank_at(row0 + r, x, saved_v)] : 0.0f;
    }
    uint loaded = saved ? (uint)(rows * (D_QK + D_V)) : 0u;
    for (int j0 = 0; j0 < tokens; j0 += BT) {
        const int cols = imin(BT, tokens - j0);
        BARRIER();
        for (int x = t; x < rows * cols; x += PT) {
            const idx_t at = (idx_t)(p0 + x / cols) * N_SEQ + first + j0 + x % cols;
            tl->e[x] = e[at];
            tl->f[x] = f[at];
        }
        loaded += (uint)(2 * rows * cols + cols * (D_QK + D_V));
        BARRIER();
        for (int c = 0; c < XPER; c++) {
            const int x = t + c * PT;
            if (x >= D_QK + D_V)
                continue;
            LOCAL_PTR const float *tile = x < D_QK ? tl->e : tl->f;
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
        for (int r = 0; r < rows && x < D_QK + D_V; r++)
            (x < D_QK ? k_proj : v_proj)[lowrank_at(row0 + r, x, 0)] = acc[c * PK + r];
    }
    if (t == 0)
        tally[TALLY_PROJECT + cache * T_P + block] = loaded;
}

KERNEL attn_lowrank_project(GLOBAL const float *RESTRICT e, GLOBAL const float *RESTRICT f,
                            GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                            GLOBAL float *RESTRICT k_proj, GLOBAL float *RESTRICT v_proj,
                            GLOBAL uint *RESTRICT tally)
{
    LOCAL lowrank_tiles tiles;
    lowrank_project(&tiles, e, f, k, v, 0, k_proj, v_proj, tally, 0);
}

/* Decode: k, v hold the new token of every KV head ([CACHES][D_QK], [CACHES][D_V]). */
KERNEL attn_lowrank_absorb(GLOBAL const float *RESTRICT e, GLOBAL const float *RESTRICT f,
                           GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                           GLOBAL const float *RESTRICT saved, GLOBAL float *RESTRICT k_proj,
                           GLOBAL float *RESTRICT v_proj, GLOBAL uint *RESTRICT tally)
{
    LOCAL lowrank_tiles tiles;
    lowrank_project(&tiles, e, f, k, v, saved, k_proj, v_proj, tally, N_SEQ - 1);
}
#endif
