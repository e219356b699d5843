/* performer.cl — Performer (FAVOR+) on a GPU: prefill, non-causal and causal, and the recurrent
 * decode step. phi(x) = exp(w·x' - |x'|²/2 - shift) with x' = x / D_QK^(1/4) and omega
 * [M][D_QK] (cpu/favor.c), S = phi(K)^T V and z = phi(K)^T 1 per KV head, O = phi(Q) S /
 * phi(Q)·z. The 1/sqrt(M) of phi is kept on the keys' side, so that a state is the CPU's,
 * and left out on the queries' side, where it cancels in the ratio.
 *
 * A state slot holds [S | z] in the CPU's layout (cpu/performer_decode.c: all slots' S
 * [M][D_V], then all slots' z [M]) and one shift per feature chunk of FC features
 * (shifts[slot·CHUNKS + chunk]): the exponents' max, subtracted so that nothing overflows.
 *
 * attn_favor_absorb: work-group (key block · CHUNKS + feature chunk, KV head, sequence) keeps
 * FC rows of omega in local memory, streams its SPAN keys in tiles of BK rows and accumulates
 * its FC·(D_V + 1) slice of [S | z] in registers (work-item t holds elements t, t + THREADS,
 * ...), relative to a running max that rescales the slice when it grows. Decode is
 * attn_favor_step, the same on the new token starting from the saved state (the CPU's, one
 * shift per KV head) and writing the new one apart from it, then attn_favor_readout.
 *
 * attn_favor_readout (non-causal, decode): work-group (block of BQ rows, KV head, sequence),
 * the rows being the group's heads' queries stacked, so [S | z] is read once per block for
 * the whole group. It walks the feature chunks like flash's key tiles: each row's exponents
 * keep a running max (the row's sums are rescaled when it grows), chunk c is weighed by
 * exp(shift_c - max shift) so that the chunks share one scale, and work-item t accumulates
 * columns t, t + THREADS, ... (CPER of them) of phi(Q) [S | z] for the block's rows.
 *
 * Causal prefill is chunked: token blocks of BQ positions. attn_favor_absorb sums each block
 * but the last (SPAN = BQ) into its own slot; attn_favor_prefix (work-group per feature chunk
 * and KV head) turns those sums in place into exclusive prefix states, slot b = keys before
 * block b, rescaling to the larger shift as it adds; attn_favor_causal (work-group per block
 * and head) reads its prefix slot as the readout does and adds the block's own keys j <= i
 * through W[i][j] = Σ_f phi(q_i)_f phi(k_j)_f, each key row scaled by its own max. Row i then
 * joins both parts on the scale of the largest exponent it sees (prefix or keys j <= i), as the
 * CPU's running shift does, so a later key cannot underflow an earlier row.
 *
 * Each work-group writes the floats it loaded into tally[group] (absorb),
 * tally[TALLY_PREFIX + group] or tally[TALLY_READOUT + group] (gpu_job.h). Defines: the dims
 * (N_KV the keys of the K buffer: 1 in decode), CACHES, CAUSAL, M, FC, BK, BQ, T_Q (row
 * blocks per KV head; causal: per head), THREADS (a power of two), SPER (state elements per
 * absorb work-item), CPER.
 */

#if defined(ATTN_PERFORMER)
#define FAVOR_GROUP (HEADS / KV_HEADS)
#define STATE_W (D_V + 1)
#define CHUNKS ((M + FC - 1) / FC)
#define SLOTS (CAUSAL ? T_Q : 1)          /* state slots per KV head */
#define ABSORBED (CAUSAL ? T_Q - 1 : 1)   /* slots attn_favor_absorb fills per KV head */
#define SPAN (CAUSAL ? BQ : N_KV)         /* keys per absorbed slot */
#define STATES ((idx_t)CACHES * SLOTS)
#define TALLY_PREFIX ((idx_t)CACHES * ABSORBED * CHUNKS)
#define TALLY_READOUT (TALLY_PREFIX + (CAUSAL ? (idx_t)CACHES * CHUNKS : 0))

/* Element (f, c) of slot `slot`: S below column D_V, z at it. */
FN idx_t favor_state_index(idx_t slot, int f, int c)
{
    return c < D_V ? (slot * M + f) * D_V + c : STATES * M * D_V + slot * M + f;
}

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

/* Copies `count` floats from global memory into a tile; returns the count. */
FN uint favor_load(LOCAL_PTR float *tile, GLOBAL const float *RESTRICT from, int count)
{
    for (int e = LOCAL_X; e < count; e += THREADS)
        tile[e] = from[e];
    return (uint)count;
}

typedef struct favor_absorb_tiles {
    float w[FC * D_QK], k[BK * D_QK], v[BK * D_V], u[BK * FC], half_norm[BK], reduce[THREADS];
} favor_absorb_tiles;

/* Sums phi(k) [v | 1] over `keys` rows of k and v into feature chunk `chunk` of slot `slot`,
 * with its shift; starts from slot `slot` of `saved` (the CPU's state: [S | z] as `state`,
 * then one shift per slot) or, when it is 0, from nothing. Returns the floats loaded. */
FN uint favor_absorb(LOCAL_PTR favor_absorb_tiles *tl, GLOBAL const float *RESTRICT omega,
                     GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v, int keys,
                     GLOBAL const float *RESTRICT saved, GLOBAL float *RESTRICT state,
                     GLOBAL float *RESTRICT shifts, idx_t slot, int chunk)
{
    const int t = LOCAL_X, f0 = chunk * FC, features = imin(FC, M - f0);
    const float norm = 1.0f / SQRTF((float)M);
    uint loaded = favor_load(tl->w, omega + (idx_t)f0 * D_QK, features * D_QK);
    float acc[SPER], shift = saved ? saved[STATES * M * STATE_W + slot] : NEG_INF;
    for (int x = 0; x < SPER; x++) {
        const int element = t + x * THREADS, f = f0 + element / STATE_W, c = element % STATE_W;
        acc[x] = saved && element < features * STATE_W
                     ? saved[favor_state_index(slot, f, c)] : 0.0f;
    }
    if (saved)
        loaded += (uint)(features * STATE_W + 1);
    for (int j0 = 0; j0 < keys; j0 += BK) {
        const int rows = imin(BK, keys - j0);
        BARRIER();
        loaded += favor_load(tl->k, k + (idx_t)j0 * D_QK, rows * D_QK);
        loaded += favor_load(tl->v, v + (idx_t)j0 * D_V, rows * D_V);
        BARRIER();
        favor_exponents(tl->w, features, tl->k, rows, tl->half_norm, tl->u, FC);
        float mine = NEG_INF;
        for (int e = t; e < rows * features; e += THREADS)
            mine = FMAXF(mine, tl->u[(e / features) * FC + e % features]);
        const float tile_max = group_max(tl->reduce, mine);
        if (tile_max > shift) {
            const float rescale = EXPF(shift - tile_max);
            for (int x = 0; x < SPER; x++)
                acc[x] *= rescale;
            shift = tile_max;
        }
        for (int e = t; e < rows * features; e += THREADS) {
            const int at = (e / features) * FC + e % features;
            tl->u[at] = EXPF(tl->u[at] - shift) * norm;
        }
        BARRIER();
        for (int x = 0; x < SPER; x++) {
            const int element = t + x * THREADS, f = element / STATE_W, c = element % STATE_W;
            if (f >= features)
                continue;
            float sum = 0.0f;
            for (int r = 0; r < rows; r++)
                sum += tl->u[r * FC + f] * (c < D_V ? tl->v[r * D_V + c] : 1.0f);
            acc[x] += sum;
        }
    }
    for (int x = 0; x < SPER; x++) {
        const int element = t + x * THREADS;
        if (element < features * STATE_W)
            state[favor_state_index(slot, f0 + element / STATE_W, element % STATE_W)] = acc[x];
    }
    if (t == 0)
        shifts[slot * CHUNKS + chunk] = shift;
    return loaded;
}

KERNEL attn_favor_absorb(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT k,
                         GLOBAL const float *RESTRICT v, GLOBAL float *RESTRICT state,
                         GLOBAL float *RESTRICT shifts, GLOBAL uint *RESTRICT tally)
{
    LOCAL favor_absorb_tiles tiles;
    const int block = GROUP_X / CHUNKS, chunk = GROUP_X % CHUNKS, j0 = block * SPAN;
    const idx_t cache = (idx_t)GROUP_Z * KV_HEADS + GROUP_Y, key0 = cache * N_KV + j0;
    const uint loaded = favor_absorb(&tiles, omega, k + key0 * D_QK, v + key0 * D_V,
                                     imin(SPAN, N_KV - j0), 0, state, shifts,
                                     cache * SLOTS + block, chunk);
    if (LOCAL_X == 0)
        tally[(cache * ABSORBED + block) * CHUNKS + chunk] = loaded;
}

/* Decode: k, v hold the new token of every KV head ([CACHES][D_QK], [CACHES][D_V]). */
KERNEL attn_favor_step(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT k,
                       GLOBAL const float *RESTRICT v, GLOBAL const float *RESTRICT saved,
                       GLOBAL float *RESTRICT state, GLOBAL float *RESTRICT shifts,
                       GLOBAL uint *RESTRICT tally)
{
    LOCAL favor_absorb_tiles tiles;
    const int chunk = GROUP_X;
    const idx_t cache = (idx_t)GROUP_Z * KV_HEADS + GROUP_Y;
    const uint loaded = favor_absorb(&tiles, omega, k + cache * D_QK, v + cache * D_V, 1,
                                     saved, state, shifts, cache, chunk);
    if (LOCAL_X == 0)
        tally[cache * CHUNKS + chunk] = loaded;
}

/* Causal: slot b of each KV head holds the sums of key block b (b < ABSORBED); rewrites slot
 * b as the sums of the blocks before it, chunk by chunk. */
KERNEL attn_favor_prefix(GLOBAL float *RESTRICT state, GLOBAL float *RESTRICT shifts,
                         GLOBAL uint *RESTRICT tally)
{
    const int chunk = GROUP_X, t = LOCAL_X, f0 = chunk * FC, features = imin(FC, M - f0);
    const idx_t cache = (idx_t)GROUP_Z * KV_HEADS + GROUP_Y;
    float run[SPER], shift = NEG_INF;
    for (int x = 0; x < SPER; x++)
        run[x] = 0.0f;
    uint loaded = 0;
    for (int block = 0; block < SLOTS; block++) {
        const idx_t slot = cache * SLOTS + block;
        const bool summed = block < ABSORBED;
        const float own = summed ? shifts[slot * CHUNKS + chunk] : NEG_INF;
        const float next = FMAXF(shift, own);
        BARRIER(); /* every work-item has read the slot's shift before it is rewritten */
        for (int x = 0; x < SPER; x++) {
            const int element = t + x * THREADS;
            if (element >= features * STATE_W)
                continue;
            const idx_t at = favor_state_index(slot, f0 + element / STATE_W, element % STATE_W);
            const float sum = summed ? state[at] : 0.0f;
            state[at] = run[x];
            if (summed)
                run[x] = run[x] * EXPF(shift - next) + sum * EXPF(own - next);
        }
        if (t == 0)
            shifts[slot * CHUNKS + chunk] = shift;
        shift = next;
        loaded += summed ? (uint)(features * STATE_W + 1) : 0u;
    }
    if (t == 0)
        tally[TALLY_PREFIX + cache * CHUNKS + chunk] = loaded;
}

typedef struct favor_readout_tiles {
    float w[FC * D_QK], q[BQ * D_QK], u[BQ * FC], chunk_shift[CHUNKS];
    float half_norm[BQ], row_max[BQ], rescale[BQ];
#if CAUSAL
    float k[BQ * D_QK], u_k[BQ * FC], key_max[BQ], key_rescale[BQ], weights[BQ * BQ];
#endif
} favor_readout_tiles;

/* Loads `rows` query rows and the shifts of `slot`, zeroes the sums and starts the rows'
 * running maxima; adds the floats loaded to *loaded and returns the largest chunk shift: the
 * scale the state's chunks are read at. */
FN float favor_readout_begin(LOCAL_PTR favor_readout_tiles *tl, GLOBAL const float *RESTRICT q,
                             int rows, GLOBAL const float *RESTRICT shifts, idx_t slot,
                             float *acc, uint *loaded)
{
    for (int r = LOCAL_X; r < BQ; r += THREADS)
        tl->row_max[r] = NEG_INF;
    for (int a = 0; a < CPER * BQ; a++)
        acc[a] = 0.0f;
    *loaded += favor_load(tl->q, q, rows * D_QK) +
               favor_load(tl->chunk_shift, shifts + slot * CHUNKS, CHUNKS);
    BARRIER();
    float max = NEG_INF;
    for (int c = 0; c < CHUNKS; c++)
        max = FMAXF(max, tl->chunk_shift[c]);
    return max;
}

/* Online max over the feature chunks, per row: u[r][f] becomes exp(u[r][f] - max_r) and
 * rescale[r] the factor that the row's earlier sums take (0 on the first chunk). */
FN void favor_online(LOCAL_PTR float *u, int rows, int features, LOCAL_PTR float *row_max,
                     LOCAL_PTR float *rescale)
{
    for (int r = LOCAL_X; r < rows; r += THREADS) {
        LOCAL_PTR float *x = u + r * FC;
        float m_new = row_max[r];
        for (int f = 0; f < features; f++)
            m_new = FMAXF(m_new, x[f]);
        for (int f = 0; f < features; f++)
            x[f] = EXPF(x[f] - m_new);
        rescale[r] = EXPF(row_max[r] - m_new);
        row_max[r] = m_new;
    }
    BARRIER();
}

/* Loads omega's chunk at f0 and turns the rows' exponents into phi (favor_online); returns the
 * floats loaded. */
FN uint favor_query_chunk(LOCAL_PTR favor_readout_tiles *tl, GLOBAL const float *RESTRICT omega,
                          int f0, int features, int rows)
{
    BARRIER();
    const uint loaded = favor_load(tl->w, omega + (idx_t)f0 * D_QK, features * D_QK);
    BARRIER();
    favor_exponents(tl->w, features, tl->q, rows, tl->half_norm, tl->u, FC);
    favor_online(tl->u, rows, features, tl->row_max, tl->rescale);
    return loaded;
}

/* acc[x·BQ + r] (column t + x·THREADS of row r) takes the row's rescale and adds
 * exp(shift - max_shift) · Σ_f phi[r][f] [S | z][f0 + f] of `slot`, the chunk's shift and
 * max_shift being that slot's; returns the floats loaded. */
FN uint favor_read_state(LOCAL_PTR const favor_readout_tiles *tl, float *acc, int rows,
                         GLOBAL const float *RESTRICT state, idx_t slot, int f0, int features,
                         float max_shift)
{
    const float shift = tl->chunk_shift[f0 / FC];
    const float weight = shift > NEG_INF ? EXPF(shift - max_shift) : 0.0f; /* empty: 0 */
    for (int x = 0; x < CPER; x++) {
        const int c = LOCAL_X + x * THREADS;
        if (c >= STATE_W)
            continue;
        for (int r = 0; r < rows; r++)
            acc[x * BQ + r] *= tl->rescale[r];
        for (int f = 0; f < features; f++) {
            const float s = weight * state[favor_state_index(slot, f0 + f, c)];
            for (int r = 0; r < rows; r++)
                acc[x * BQ + r] += tl->u[r * FC + f] * s;
        }
    }
    return (uint)(features * STATE_W);
}

/* Divides each row of acc by its z column (0 where that is 0) into o; `inverse` is scratch. */
FN void favor_write(const float *acc, int rows, LOCAL_PTR float *inverse, GLOBAL float *RESTRICT o)
{
    const int t = LOCAL_X;
    BARRIER();
    for (int x = 0; x < CPER; x++)
        if (t + x * THREADS == D_V)
            for (int r = 0; r < rows; r++)
                inverse[r] = acc[x * BQ + r] > 0.0f ? 1.0f / acc[x * BQ + r] : 0.0f;
    BARRIER();
    for (int x = 0; x < CPER; x++) {
        const int c = t + x * THREADS;
        for (int r = 0; r < rows && c < D_V; r++)
            o[(idx_t)r * D_V + c] = acc[x * BQ + r] * inverse[r];
    }
}

KERNEL attn_favor_readout(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT q,
                          GLOBAL const float *RESTRICT state, GLOBAL const float *RESTRICT shifts,
                          GLOBAL float *RESTRICT o, GLOBAL uint *RESTRICT tally)
{
    LOCAL favor_readout_tiles tiles;
    const int block = GROUP_X, i0 = block * BQ, rows = imin(BQ, FAVOR_GROUP * N_Q - i0);
    const idx_t cache = (idx_t)GROUP_Z * KV_HEADS + GROUP_Y;
    const idx_t row0 = cache * FAVOR_GROUP * N_Q + i0; /* the group's rows are contiguous */
    uint loaded = 0;
    float acc[CPER * BQ];
    const float max_shift =
        favor_readout_begin(&tiles, q + row0 * D_QK, rows, shifts, cache, acc, &loaded);
    for (int f0 = 0; f0 < M; f0 += FC) {
        const int features = imin(FC, M - f0);
        loaded += favor_query_chunk(&tiles, omega, f0, features, rows);
        loaded += favor_read_state(&tiles, acc, rows, state, cache, f0, features, max_shift);
    }
    favor_write(acc, rows, tiles.rescale, o + row0 * D_V);
    if (LOCAL_X == 0)
        tally[TALLY_READOUT + cache * T_Q + block] = loaded;
}

#if CAUSAL
/* W[i][j] for keys j <= i of the block: rescaled by row i's and key j's max growth, plus this
 * chunk's Σ_f phi(q_i)_f phi(k_j)_f. */
FN void favor_block_weights(LOCAL_PTR favor_readout_tiles *tl, int rows, int features)
{
    for (int e = LOCAL_X; e < rows * rows; e += THREADS) {
        const int i = e / rows, j = e % rows;
        if (j > i)
            continue;
        float dot = 0.0f;
        for (int f = 0; f < features; f++)
            dot += tl->u[i * FC + f] * tl->u_k[j * FC + f];
        tl->weights[i * BQ + j] = tl->weights[i * BQ + j] * tl->rescale[i] * tl->key_rescale[j]
                                  + dot;
    }
}

/* Row i's scale: the largest exponent it sees, prefix (max_shift) or keys j <= i; W[i][j] and
 * the prefix sums (through rescale[i]) are brought to it, W with the keys' 1/sqrt(M). */
FN void favor_block_scale(LOCAL_PTR favor_readout_tiles *tl, int rows, float max_shift)
{
    const float norm = 1.0f / SQRTF((float)M);
    BARRIER();
    for (int i = LOCAL_X; i < rows; i += THREADS) {
        float top = max_shift;
        for (int j = 0; j <= i; j++)
            top = FMAXF(top, tl->key_max[j]);
        for (int j = 0; j <= i; j++)
            tl->weights[i * BQ + j] *= EXPF(tl->key_max[j] - top) * norm;
        tl->rescale[i] = EXPF(max_shift - top);
    }
    BARRIER();
}

KERNEL attn_favor_causal(GLOBAL const float *RESTRICT omega, GLOBAL const float *RESTRICT q,
                         GLOBAL const float *RESTRICT k, GLOBAL const float *RESTRICT v,
                         GLOBAL const float *RESTRICT state, GLOBAL const float *RESTRICT shifts,
                         GLOBAL float *RESTRICT o, GLOBAL uint *RESTRICT tally)
{
    LOCAL favor_readout_tiles tiles;
    const int block = GROUP_X, head = GROUP_Y, seq = GROUP_Z, t = LOCAL_X;
    const int i0 = block * BQ, rows = imin(BQ, N_Q - i0);
    const idx_t cache = (idx_t)seq * KV_HEADS + head / FAVOR_GROUP, slot = cache * SLOTS + block;
    const idx_t row0 = ((idx_t)seq * HEADS + head) * N_Q + i0, key0 = cache * N_KV + i0;
    uint loaded = favor_load(tiles.k, k + key0 * D_QK, rows * D_QK);
    for (int r = t; r < BQ; r += THREADS)
        tiles.key_max[r] = NEG_INF;
    for (int e = t; e < BQ * BQ; e += THREADS)
        tiles.weights[e] = 0.0f;
    float acc[CPER * BQ];
    const float max_shift =
        favor_readout_begin(&tiles, q + row0 * D_QK, rows, shifts, slot, acc, &loaded);
    for (int f0 = 0; f0 < M; f0 += FC) {
        const int features = imin(FC, M - f0);
        loaded += favor_query_chunk(&tiles, omega, f0, features, rows);
        favor_exponents(tiles.w, features, tiles.k, rows, tiles.half_norm, tiles.u_k, FC);
        favor_online(tiles.u_k, rows, features, tiles.key_max, tiles.key_rescale);
        favor_block_weights(&tiles, rows, features);
        loaded += favor_read_state(&tiles, acc, rows, state, slot, f0, features, max_shift);
    }
    favor_block_scale(&tiles, rows, max_shift);
    for (int x = 0; x < CPER; x++) { /* acc = prefix · rescale + Σ_{j <= r} W[r][j] [v_j | 1] */
        const int c = t + x * THREADS;
        if (c >= STATE_W)
            continue;
        for (int r = 0; r < rows; r++)
            acc[x * BQ + r] *= tiles.rescale[r];
        for (int j = 0; j < rows; j++) {
            const float value = c < D_V ? v[(key0 + j) * D_V + c] : 1.0f;
            for (int r = j; r < rows; r++)
                acc[x * BQ + r] += tiles.weights[r * BQ + j] * value;
        }
    }
    loaded += (uint)(rows * D_V);
    favor_write(acc, rows, tiles.rescale, o + row0 * D_V);
    if (t == 0)
        tally[TALLY_READOUT + ((idx_t)seq * HEADS + head) * T_Q + block] = loaded;
}
#endif
#endif
