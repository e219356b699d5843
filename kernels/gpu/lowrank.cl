/* lowrank.cl — low-rank (Linformer) on a GPU: K' = E K and V' = F V per KV head (E, F
 * [N_KV][N_SEQ]: here N_KV is the rank k and N_SEQ the sequence length), written to global
 * memory; standard.cl's kernels then attend Q over the k projected rows.
 *
 * attn_lowrank_project (prefill): work-group (block of PK projected rows, KV head, sequence),
 * E and F tiles of PK × BT in local memory; work-item t accumulates columns t, t + PT, ...
 * (XPER of them) of [K' | V'] for the block's rows, reading K and V (the tokens' rows) from
 * global memory once per block: a GEMM's tiling, the rows' accumulators being what a work-item
 * can hold. attn_lowrank_step (decode) adds the new token, N_SEQ - 1, to the CPU's saved
 * [K' | V'] (cpu/lowrank_decode.c: all K', then all V') and writes the sum elsewhere, so every
 * run starts from the same state; it reads the token, E's and F's columns and the state once.
 * Each writes the floats it loaded into tally[TALLY_PROJECT + group] (gpu_job.h). Defines: the
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

/* Prefill: projects all N_SEQ tokens of this work-group's KV head onto its block of rows. */
KERNEL attn_lowrank_project(GLOBAL const float *RESTRICT e, GLOBAL const float *RESTRICT f,
                            GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                            GLOBAL float *RESTRICT k_proj, GLOBAL float *RESTRICT v_proj,
                            GLOBAL uint *RESTRICT tally)
{
    LOCAL lowrank_tiles tiles;
    const int block = GROUP_X, kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int p0 = block * PK, rows = imin(PK, N_KV - p0);
    const idx_t cache = (idx_t)seq * KV_HEADS + kv_head, token0 = cache * N_SEQ;
    const idx_t row0 = cache * N_KV + p0;
    float acc[XPER * PK];
    for (int r = 0; r < XPER * PK; r++)
        acc[r] = 0.0f;
    uint loaded = 0;
    for (int j0 = 0; j0 < N_SEQ; j0 += BT) {
        const int cols = imin(BT, N_SEQ - j0);
        BARRIER();
        for (int x = t; x < rows * cols; x += PT) {
            const idx_t at = (idx_t)(p0 + x / cols) * N_SEQ + j0 + x % cols;
            tiles.e[x] = e[at];
            tiles.f[x] = f[at];
        }
        loaded += (uint)(2 * rows * cols + cols * (D_QK + D_V));
        BARRIER();
        for (int c = 0; c < XPER; c++) {
            const int x = t + c * PT;
            if (x >= D_QK + D_V)
                continue;
            LOCAL_PTR const float *tile = x < D_QK ? tiles.e : tiles.f;
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

/* Decode: k, v hold the new token of every KV head ([CACHES][D_QK], [CACHES][D_V]). Work-group
 * (KV head, sequence): the token's [k | v] row is loaded once, E's and F's column N_SEQ - 1 in
 * tiles of PT rows, and every element of the saved [K' | V'] is read once, takes the token's
 * term and is written to k_proj / v_proj, so nothing is re-read per block of rows. */
KERNEL attn_lowrank_step(GLOBAL const float *RESTRICT e, GLOBAL const float *RESTRICT f,
                         GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                         GLOBAL const float *RESTRICT saved, GLOBAL float *RESTRICT k_proj,
                         GLOBAL float *RESTRICT v_proj, GLOBAL uint *RESTRICT tally)
{
    LOCAL float token[D_QK + D_V];
    LOCAL float weights[2 * PT];
    const int kv_head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const idx_t cache = (idx_t)seq * KV_HEADS + kv_head, row0 = cache * N_KV;
    const idx_t saved_v = (idx_t)CACHES * N_KV * D_QK;
    for (int x = t; x < D_QK + D_V; x += PT)
        token[x] = x < D_QK ? k[cache * D_QK + x] : v[cache * D_V + x - D_QK];
    for (int r0 = 0; r0 < N_KV; r0 += PT) {
        const int rows = imin(PT, N_KV - r0);
        BARRIER();
        if (t < rows) {
            weights[t] = e[(idx_t)(r0 + t) * N_SEQ + N_SEQ - 1];
            weights[PT + t] = f[(idx_t)(r0 + t) * N_SEQ + N_SEQ - 1];
        }
        BARRIER();
        for (int x = t; x < rows * (D_QK + D_V); x += PT) {
            const int r = x / (D_QK + D_V), c = x % (D_QK + D_V);
            const float w = c < D_QK ? weights[r] : weights[PT + r];
            (c < D_QK ? k_proj : v_proj)[lowrank_at(row0 + r0 + r, c, 0)] =
                saved[lowrank_at(row0 + r0 + r, c, saved_v)] + w * token[c];
        }
    }
    if (t == 0)
        tally[TALLY_PROJECT + cache] = (uint)((N_KV + 1) * (D_QK + D_V) + 2 * N_KV);
}
#endif
