/* cost_dram.c — cache-aware DRAM traffic: what reaches DRAM once the last-level cache (GPU L2,
 * CPU LLC) keeps what is re-read soon enough.
 *
 * The IO model (FlashAttention paper) charges every tile load to HBM. A tiled kernel re-reads
 * each head's K and V once per query block; whether a re-read reaches DRAM depends on what
 * else passed through the cache since the last read. Three facts decide it:
 *  - which K/V caches are in flight at once. Thread blocks (or CPU tasks) are issued in grid
 *    order, query block fastest (FlashAttention-2's grid is (m_block, batch, head):
 *    csrc/flash_attn/src/flash_fwd_launch_template.h, run_flash_fwd), so `parallel` resident
 *    blocks cover ceil(parallel / run) + 1 caches, run = the blocks that read one cache back
 *    to back (T_r per head, times the GQA group when the batch is 1, since a group's query
 *    heads are adjacent);
 *  - a sweep of one cache that is longer than its share of the cache is evicted by LRU before
 *    it comes round again, so the next sweep misses whole; a shorter one stays and hits;
 *  - blocks resident together sweep the same cache in near lock-step, so one DRAM read serves
 *    all of them (min(parallel, run) sweeps per read), provided the cache holds the K/V tile
 *    each cache in flight is at.
 * On a CPU the tiles themselves (Q^T, S^T, accumulators, the K/V block) take cache room too,
 * and a store miss fills its line first (write-allocate), so O and the workspace count twice.
 * Everything is elements per sequence; the plan multiplies by the element size and batch and
 * holds the result at or under the IO model.
 */
#include <math.h>

#include "cost.h"

static long double maxld(long double a, long double b)
{
    return a > b ? a : b;
}

static long double minld(long double a, long double b)
{
    return a < b ? a : b;
}

static int64_t resident(const attn_cost_point *p)
{
    return p->parallel > 0 ? p->parallel : 1;
}

/* Caches a batch-times-KV-head grid has in flight when `run` blocks read each back to back. */
static long double caches_in_flight(const attn_cost_point *p, long double run,
                                    long double caches)
{
    long double blocks = (long double)resident(p);
    return minld(caches, ceill(blocks / maxld(run, 1)) + (blocks > 1 ? 1 : 0));
}

/* Cache room left once the resident tiles are in it (CPU); never negative. */
static long double room(const attn_cost_point *p, long double tile_elems)
{
    long double used = p->tiles_in_llc ? (long double)resident(p) * tile_elems : 0;
    return maxld(0, p->llc - used);
}

/* A CPU tile workspace is first touched (filled) and written back at the end; outputs fill
 * their lines before they are written. */
static long double allocate_fills(const attn_cost_point *p, long double written,
                                  long double tile_elems)
{
    if (!p->write_allocate)
        return 0;
    long double tiles = p->tiles_in_llc ? 2 * (long double)resident(p) * tile_elems : 0;
    return written + tiles;
}

long double attn_flash2_dram(const attn_shape *s, const attn_cost_point *p,
                             const attn_layer_cost *io)
{
    if (p->llc <= 0 || p->phase != ATTN_PHASE_PREFILL)
        return io->read + io->write;
    /* a CPU's tiles share the LLC: walk its blocks (dram_steps.c). Causal blocks sweep keys
     * of every length, which the closed form below sums exactly (cost_tiles.c) and a walk of
     * blocks of one length would not. */
    if (p->tiles_in_llc && !p->causal)
        return attn_flash2_cpu_dram(s, p, io);
    int64_t bc, br;
    attn_point_tiles(p, s->d_qk > s->d_v ? s->d_qk : s->d_v, &bc, &br);
    long double n = (long double)p->n, h = (long double)s->heads;
    long double kvh = (long double)s->kv_heads, row = (long double)(s->d_qk + s->d_v);
    long double group = h / kvh, batch = p->batch > 0 ? (long double)p->batch : 1;
    long double t_r = ceill(n / (long double)br);
    long double run = t_r * (batch > 1 ? 1 : group);
    long double tile = (long double)br * (long double)(s->d_qk + bc + s->d_v + 3)
                       + (long double)bc * row;
    long double flight = caches_in_flight(p, run, kvh * batch);
    long double fit_keys = room(p, tile) / (flight * row);
    /* keys of one query head's sweeps that are too long to stay in the cache */
    long double missed = p->causal ? attn_causal_cols_beyond(p, bc, br, fit_keys)
                                   : (n > fit_keys ? t_r * n : 0);
    long double rereads = maxld(0, group * missed - (n > fit_keys ? n : 0));
    /* lock-step sharing needs the current K/V tile of every cache in flight to stay */
    bool tiles_stay = room(p, tile) >= flight * (long double)bc * row;
    long double share = tiles_stay ? minld((long double)resident(p), maxld(run, 1)) : 1;
    long double kv = kvh * (n + rereads / share) * row;
    long double q = n * h * (long double)s->d_qk, out = io->write;
    return minld(io->read + io->write, q + kv + out + allocate_fills(p, out, tile));
}

long double attn_flash1_dram(const attn_shape *s, const attn_cost_point *p,
                             const attn_layer_cost *io)
{
    if (p->llc <= 0 || p->phase != ATTN_PHASE_PREFILL)
        return io->read + io->write;
    long double n = (long double)p->n, h = (long double)s->heads;
    long double kv = n * h * (long double)(s->d_qk + s->d_v);
    long double rows = n * (long double)(s->d_qk + s->d_v + 2); /* one head's Q, O, l, m */
    long double flight = minld(h * (p->batch > 0 ? (long double)p->batch : 1),
                               (long double)resident(p));
    if (flight * rows > room(p, 0))
        return io->read + io->write;
    long double out = n * h * (long double)(s->d_v + 2);
    return minld(io->read + io->write,
                 kv + n * h * (long double)s->d_qk + out + allocate_fills(p, out, 0));
}
