/* dram_steps.c — the cache-aware traffic of the variants whose kernels are whole-buffer passes
 * (standard, MLA, MLA-naive, Performer, low-rank): each describes its step once, in kernel
 * order, and dram_walk.c decides what the last-level cache keeps.
 *
 * The description follows the kernel a device runs. On a CPU (tiles in the LLC) that is
 * kernels/cpu: one head (or KV group) after another, GEMMs through OpenBLAS, which clears C
 * (beta = 0) in a pass of its own before accumulating into it (driver/level3/level3.c,
 * BETA_OPERATION ahead of the GEMM_KERNEL loop), a softmax in place over S, and the kernels'
 * workspace touched by every step. On a GPU it is the IO model's kernels (Algorithm 0: S and P
 * separate, written once, read back), as many heads at once as blocks are resident, tiles in
 * on-chip memory. Flash keeps its closed form (cost_dram.c) on a GPU and for causal blocks;
 * on a CPU its non-causal blocks are walked here, tile by tile.
 */
#include <math.h>

#include "cost.h"
#include "dram_walk.h"

typedef struct step {
    attn_walk w;
    bool cpu; /* kernels/cpu's passes; else the IO model's kernels on a GPU */
} step;

static int buf(step *s, long double elems, long double period)
{
    return attn_walk_buffer_add(&s->w, elems, period, false);
}

static void pass(step *s, int b, attn_pass_kind kind)
{
    attn_walk_pass_add(&s->w, b, kind, 1, 1);
}

static void part(step *s, int b, attn_pass_kind kind, long double fraction)
{
    attn_walk_pass_add(&s->w, b, kind, fraction, 1);
}

/* C = A B through BLAS on a CPU: clear C, then accumulate into it; one store on a GPU. */
static void gemm_out(step *s, int c, long double fraction)
{
    part(s, c, ATTN_PASS_WRITE, fraction);
    if (s->cpu)
        part(s, c, ATTN_PASS_UPDATE, fraction);
}

/* S = Q K^T, P = softmax(S), then P is read by P V: in place on a CPU, P its own buffer in
 * Algorithm 0. `blas`: S comes from a BLAS GEMM (cleared first on a CPU), not from products
 * storing each score once (matrix-vector, per key tile). */
static void scores(step *s, int q, int k, int sc, int p, bool blas)
{
    pass(s, q, ATTN_PASS_READ);
    pass(s, k, ATTN_PASS_READ);
    if (blas)
        gemm_out(s, sc, 1);
    else
        pass(s, sc, ATTN_PASS_WRITE);
    if (s->cpu) {
        pass(s, sc, ATTN_PASS_UPDATE);
        pass(s, sc, ATTN_PASS_READ);
        return;
    }
    pass(s, sc, ATTN_PASS_READ);
    pass(s, p, ATTN_PASS_WRITE);
    pass(s, p, ATTN_PASS_READ);
}

/* The CPU kernels' workspace: allocated by the step, so its first store misses. */
static void workspace(step *s, long double elems)
{
    if (!s->cpu)
        return;
    int ws = attn_walk_buffer_add(&s->w, elems, 0, true);
    pass(s, ws, ATTN_PASS_UPDATE);
}

static long double walked(const step *s, const attn_cost_point *p, const attn_layer_cost *io)
{
    long double d = attn_walk_dram(&s->w, p->llc, p->write_allocate);
    long double all = io->read + io->write;
    return d < 0 || (!p->write_allocate && d > all) ? all : d;
}

static bool no_cache(const attn_cost_point *p)
{
    return p->llc <= 0;
}

static long double heads_at_once(const attn_cost_point *p, long double heads)
{
    return p->tiles_in_llc ? 1 : fminl(heads, (long double)(p->parallel > 0 ? p->parallel : 1));
}

long double attn_standard_dram(const attn_shape *sh, const attn_cost_point *p,
                               const attn_layer_cost *io)
{
    if (no_cache(p))
        return io->read + io->write;
    step s = {.cpu = p->tiles_in_llc};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double h = (long double)sh->heads, group = h / (long double)sh->kv_heads;
    long double f = heads_at_once(p, h), rows = decode ? 1 : (long double)p->n;
    long double keys = decode ? (long double)attn_tokens_held(p) : (long double)p->n;
    long double kv_period = fmaxl(1, floorl(group / f)); /* a GQA group shares its K and V */
    int q = buf(&s, f * rows * (long double)sh->d_qk, 1);
    int k = buf(&s, f * keys * (long double)sh->d_qk, kv_period);
    int v = buf(&s, f * keys * (long double)sh->d_v, kv_period);
    int o = buf(&s, f * rows * (long double)sh->d_v, 1);
    int sc = buf(&s, f * rows * keys, 0); /* one S for every head (kernels/cpu/standard.c) */
    int pr = buf(&s, f * rows * keys, 0);
    attn_walk_loop(&s.w, ceill(h / f));
    scores(&s, q, k, sc, pr, true);
    pass(&s, v, ATTN_PASS_READ);
    gemm_out(&s, o, 1);
    return walked(&s, p, io);
}

long double attn_performer_dram(const attn_shape *sh, const attn_cost_point *p,
                                const attn_layer_cost *io)
{
    if (no_cache(p))
        return io->read + io->write;
    step s = {.cpu = p->tiles_in_llc};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n, m = (long double)sh->features;
    long double group = (long double)sh->heads / (long double)sh->kv_heads;
    long double dv = (long double)sh->d_v, state = m * (dv + 1) + 1;
    int k = buf(&s, n * (long double)sh->d_qk, 1), v = buf(&s, n * dv, 1);
    int q = buf(&s, group * n * (long double)sh->d_qk, 1), o = buf(&s, group * n * dv, 1);
    /* a decode step updates the sequence's state in memory; prefill keeps it in workspace
     * (kernels/cpu/performer.c: m (64 + d_v + 1) + 1 floats, 64 rows of exponents) */
    int st = decode ? buf(&s, state, 1) : -1;
    attn_walk_loop(&s.w, (long double)sh->kv_heads);
    workspace(&s, decode ? group * m : m * (64 + dv + 1) + 1);
    pass(&s, k, ATTN_PASS_READ);
    pass(&s, v, ATTN_PASS_READ);
    if (decode)
        pass(&s, st, ATTN_PASS_UPDATE);
    pass(&s, q, ATTN_PASS_READ);
    pass(&s, o, ATTN_PASS_WRITE);
    return walked(&s, p, io);
}

long double attn_lowrank_dram(const attn_shape *sh, const attn_cost_point *p,
                              const attn_layer_cost *io)
{
    if (no_cache(p))
        return io->read + io->write;
    step s = {.cpu = p->tiles_in_llc};
    bool decode = p->phase == ATTN_PHASE_DECODE;
    long double n = decode ? 1 : (long double)p->n;
    long double k = (long double)(p->n > 0 && p->n < sh->rank ? p->n : sh->rank);
    long double group = (long double)sh->heads / (long double)sh->kv_heads;
    long double dqk = (long double)sh->d_qk, dv = (long double)sh->d_v;
    /* E and F: their n columns in prefill, column t of each in decode (kernels/cpu/lowrank*.c) */
    int e = buf(&s, k * n, 0), f = buf(&s, k * n, 0);
    int kr = buf(&s, n * dqk, 1), vr = buf(&s, n * dv, 1);
    /* prefill projects into one scratch K', V' for every head; decode updates each KV head's */
    int kp = buf(&s, k * dqk, decode ? 1 : 0), vp = buf(&s, k * dv, decode ? 1 : 0);
    int q = buf(&s, group * n * dqk, 1), o = buf(&s, group * n * dv, 1);
    int sc = buf(&s, group * n * k, 0), pr = buf(&s, group * n * k, 0);
    attn_walk_loop(&s.w, (long double)sh->kv_heads);
    const int proj[2][3] = {{e, kr, kp}, {f, vr, vp}};
    for (int i = 0; i < 2; i++) {
        pass(&s, proj[i][0], ATTN_PASS_READ);
        pass(&s, proj[i][1], ATTN_PASS_READ);
        if (decode) /* a rank-one update of the state (cblas_sger) */
            pass(&s, proj[i][2], ATTN_PASS_UPDATE);
        else
            gemm_out(&s, proj[i][2], 1);
    }
    /* decode's few query rows meet the state in key tiles (kernels/cpu/lowrank_decode.c) */
    scores(&s, q, kp, sc, pr, !decode);
    pass(&s, vp, ATTN_PASS_READ);
    gemm_out(&s, o, 1);
    return walked(&s, p, io);
}

/* Decompress every head (K_h = [c W_UK_h^T | k_r], V_h = c W_UV_h^T, Q_h = [q_n | q_r]) into
 * one buffer, then FlashAttention-2 over the heads (kernels/cpu/mla_naive.c): each head's K
 * and V are swept together once per query block, and come from the cache when both stay. */
long double attn_mla_naive_dram(const attn_shape *sh, const attn_cost_point *p,
                                const attn_layer_cost *io)
{
    if (no_cache(p) || p->phase == ATTN_PHASE_DECODE) /* decode reads the cache once */
        return io->read + io->write;
    step s = {.cpu = p->tiles_in_llc};
    long double n = (long double)p->n, h = (long double)sh->heads, per = 1 / h;
    long double dc = (long double)sh->d_c, dr = (long double)sh->d_r, dn = (long double)sh->d_n;
    long double dv = (long double)sh->d_v, dqk = dn + dr;
    int c = buf(&s, n * dc, 0), kr = buf(&s, n * dr, 0);
    int wk = buf(&s, dc * dn, 1), wv = buf(&s, dc * dv, 1);
    int qn = buf(&s, n * dn, 1), qr = buf(&s, n * dr, 1);
    int q = buf(&s, h * n * dqk, 0), kv = buf(&s, h * n * (dqk + dv), 0);
    int o = buf(&s, n * dv, 1);
    attn_walk_loop(&s.w, h);
    pass(&s, c, ATTN_PASS_READ);
    pass(&s, wk, ATTN_PASS_READ);
    gemm_out(&s, kv, per * dn / (dqk + dv));
    pass(&s, c, ATTN_PASS_READ);
    pass(&s, wv, ATTN_PASS_READ);
    gemm_out(&s, kv, per * dv / (dqk + dv));
    pass(&s, kr, ATTN_PASS_READ);
    part(&s, kv, ATTN_PASS_WRITE, per * dr / (dqk + dv));
    pass(&s, qn, ATTN_PASS_READ);
    pass(&s, qr, ATTN_PASS_READ);
    part(&s, q, ATTN_PASS_WRITE, per);
    int64_t bc, br;
    attn_tile_sizes(p->sram, (int64_t)(dqk > dv ? dqk : dv), &bc, &br);
    attn_tiled_visit visit = attn_tiled_visit_count(p, br, bc);
    long double sweeps = fmaxl(1, visit.key_rows / n);
    attn_walk_loop(&s.w, h);
    workspace(&s, (long double)br * (dqk + (long double)bc + dv + 3) +
                      (long double)bc * (dqk + dv));
    part(&s, q, ATTN_PASS_READ, per);
    attn_walk_pass_add(&s.w, kv, ATTN_PASS_READ, per, sweeps);
    pass(&s, o, ATTN_PASS_WRITE);
    return walked(&s, p, io);
}

/* One block of stacked query rows sweeping its latent key tiles on a CPU
 * (kernels/cpu/mla_absorbed.c, mla_attend_block), tile by tile: each key tile copies its
 * latent rows into the tile, scores the block's q_ext rows against them, rescales and
 * accumulates. The block's q_ext rows, its scores and its accumulators are touched on every
 * key tile, between them the next latent rows stream by: when all that outgrows the LLC (64
 * stacked rows x 288 wide, 64-key tiles: ~300 KiB) they miss on every key tile. A causal
 * block's key tiles are the average over the blocks, rounded up. */
static void mla_cpu_block(step *s, const attn_shape *sh, const attn_cost_point *p, int latent,
                          const int q[2], int oc)
{
    int64_t positions = attn_mla_block_positions(sh->heads);
    long double n = (long double)p->n, dc = (long double)sh->d_c;
    long double width = dc + (long double)sh->d_r, key = ATTN_MLA_KEY_TILE;
    long double rows = (long double)(positions * sh->heads), blocks = ceill(n / positions);
    long double per_block = 1 / blocks;
    long double keys = attn_tiled_visit_count(p, positions, ATTN_MLA_KEY_TILE).key_rows / blocks;
    long double tiles = fmaxl(1, ceill(keys / key));
    int tile = attn_walk_buffer_add(&s->w, key * width, 0, true);
    int sc = attn_walk_buffer_add(&s->w, rows * key, 0, true);
    int acc = attn_walk_buffer_add(&s->w, rows * (dc + 2), 0, true); /* with m and l */
    pass(s, acc, ATTN_PASS_WRITE);
    for (int i = 0; i < 2; i++)
        part(s, q[i], ATTN_PASS_READ, per_block);
    attn_walk_inner(&s->w, tiles);
    attn_walk_prefix_add(&s->w, latent, fminl(1, keys / n) / tiles);
    pass(s, tile, ATTN_PASS_WRITE);
    for (int i = 0; i < 2; i++)
        attn_walk_again_add(&s->w, q[i], ATTN_PASS_READ, per_block);
    pass(s, tile, ATTN_PASS_READ);
    pass(s, sc, ATTN_PASS_WRITE);
    pass(s, sc, ATTN_PASS_UPDATE);
    pass(s, acc, ATTN_PASS_UPDATE);
    pass(s, tile, ATTN_PASS_READ);
    pass(s, acc, ATTN_PASS_UPDATE);
    attn_walk_inner_end(&s->w);
    pass(s, acc, ATTN_PASS_READ);
    part(s, oc, ATTN_PASS_WRITE, per_block);
}

/* Absorbed MLA (kernels/cpu/mla_absorbed.c): absorb every head's queries into the stacked
 * q_ext (BLAS, then the rope part copied), stream blocks of stacked rows past the latent
 * (each block sweeps the latent tiles it sees, all heads at once), write o_c, then un-absorb
 * every head's outputs (BLAS). A step of one block (decode) keeps q_ext and o_c in its tile:
 * the IO model's count. On a GPU a block's tiles are on chip, so only its latent sweep and
 * its rows in and out reach L2; on a CPU they share the LLC (mla_cpu_block). */
long double attn_mla_dram(const attn_shape *sh, const attn_cost_point *p,
                          const attn_layer_cost *io)
{
    int64_t positions = attn_mla_block_positions(sh->heads);
    if (no_cache(p) || p->phase == ATTN_PHASE_DECODE || p->n <= positions)
        return io->read + io->write;
    step s = {.cpu = p->tiles_in_llc};
    long double n = (long double)p->n, h = (long double)sh->heads;
    long double dc = (long double)sh->d_c, dr = (long double)sh->d_r, dn = (long double)sh->d_n;
    long double dv = (long double)sh->d_v, width = dc + dr;
    long double blocks = ceill(n / (long double)positions), per_block = 1 / blocks;
    attn_tiled_visit visit = attn_tiled_visit_count(p, positions, ATTN_MLA_KEY_TILE);
    int qn = buf(&s, h * n * dn, 0), qr = buf(&s, h * n * dr, 0);
    int wk = buf(&s, h * dn * dc, 0), wv = buf(&s, h * dv * dc, 0);
    int qc = buf(&s, h * n * dc, 0), qe = buf(&s, h * n * dr, 0);
    int latent = buf(&s, n * width, 0), oc = buf(&s, h * n * dc, 0);
    int o = buf(&s, h * n * dv, 0);
    attn_walk_loop(&s.w, 1);
    pass(&s, qn, ATTN_PASS_READ);
    pass(&s, wk, ATTN_PASS_READ);
    gemm_out(&s, qc, 1);
    pass(&s, qr, ATTN_PASS_READ);
    pass(&s, qe, ATTN_PASS_WRITE);
    attn_walk_loop(&s.w, blocks);
    if (s.cpu) {
        mla_cpu_block(&s, sh, p, latent, (const int[2]){qc, qe}, oc);
    } else {
        part(&s, qc, ATTN_PASS_READ, per_block);
        part(&s, qe, ATTN_PASS_READ, per_block);
        attn_walk_prefix_add(&s.w, latent, fminl(1, visit.key_rows / blocks / n));
        part(&s, oc, ATTN_PASS_WRITE, per_block);
    }
    attn_walk_loop(&s.w, 1);
    pass(&s, oc, ATTN_PASS_READ);
    pass(&s, wv, ATTN_PASS_READ);
    gemm_out(&s, o, 1);
    return walked(&s, p, io);
}

/* FlashAttention-2 on a CPU, non-causal (kernels/cpu/flash.c, flash_query_block): per query
 * block, Q loaded into its tile (transposed), the accumulators set, then per key block
 * S^T = K_blk Q^T into the S tile, the online softmax rescaling the accumulators, P V_blk
 * added; K and V are read where they lie, from their start in each block. The threads take
 * adjacent query blocks, a wave of `parallel` blocks sweeping the same key blocks together
 * (one read serves the wave, as in the closed form). The tiles share the LLC with K and V, so
 * a wave whose tiles and key blocks outgrow the cache refetches them on every key block (the
 * issue's 1024-token case with L2-sized tiles, sim 3.3 x the IO count at a 256 KiB LLC).
 * `heads` KV heads in turn, each its group of query heads (rows adjacent, the same K and V);
 * the tiles are one workspace for all. */
static long double flash_cpu_walk(const attn_shape *sh, const attn_cost_point *p,
                                  const attn_layer_cost *io, int heads)
{
    step s = {.cpu = true};
    int64_t bc, br;
    attn_point_tiles(p, sh->d_qk > sh->d_v ? sh->d_qk : sh->d_v, &bc, &br);
    long double n = (long double)p->n, dqk = (long double)sh->d_qk, dv = (long double)sh->d_v;
    long double kvh = (long double)sh->kv_heads, group = (long double)sh->heads / kvh;
    long double t_r = ceill(n / (long double)br), blocks = group * t_r;
    long double wave = fminl(blocks, (long double)(p->parallel > 1 ? p->parallel : 1));
    long double waves = ceill(blocks / wave), rows = wave * (long double)br;
    long double cols = (long double)bc;
    long double keys = attn_tiled_visit_count(p, br, bc).key_rows / t_r;
    long double tiles = fmaxl(1, ceill(keys / cols)), stream = fminl(1, keys / n) / tiles;
    int qt = attn_walk_buffer_add(&s.w, rows * dqk, 0, true);
    int st = attn_walk_buffer_add(&s.w, rows * cols, 0, true);
    int acc = attn_walk_buffer_add(&s.w, rows * (dv + 3), 0, true); /* with m, l, corr */
    for (int h = 0; h < heads; h++) {
        /* O with the logsumexp the IO model writes, one KV head's share */
        int q = buf(&s, group * n * dqk, 0), o = buf(&s, io->write / kvh, 0);
        int k = buf(&s, n * dqk, 0), v = buf(&s, n * dv, 0);
        attn_walk_loop(&s.w, waves);
        part(&s, q, ATTN_PASS_READ, 1 / waves);
        pass(&s, qt, ATTN_PASS_WRITE);
        pass(&s, acc, ATTN_PASS_WRITE);
        attn_walk_inner(&s.w, tiles);
        attn_walk_prefix_add(&s.w, k, stream);
        pass(&s, qt, ATTN_PASS_READ);
        pass(&s, st, ATTN_PASS_WRITE);
        pass(&s, st, ATTN_PASS_UPDATE);
        pass(&s, acc, ATTN_PASS_UPDATE);
        attn_walk_prefix_add(&s.w, v, stream);
        pass(&s, st, ATTN_PASS_READ);
        pass(&s, acc, ATTN_PASS_UPDATE);
        attn_walk_inner_end(&s.w);
        pass(&s, acc, ATTN_PASS_READ);
        part(&s, o, ATTN_PASS_WRITE, 1 / waves);
    }
    return attn_walk_dram(&s.w, p->llc, p->write_allocate);
}

/* The first KV head, then every later one as the second (the tiles warm from the one before):
 * the walk of two heads minus the walk of one. */
long double attn_flash2_cpu_dram(const attn_shape *sh, const attn_cost_point *p,
                                 const attn_layer_cost *io)
{
    long double one = flash_cpu_walk(sh, p, io, 1), two = flash_cpu_walk(sh, p, io, 2);
    if (one < 0 || two < 0)
        return io->read + io->write;
    return one + ((long double)sh->kv_heads - 1) * (two - one);
}
