/* ops_gpu_performer.c — Performer (FAVOR+) on the GPU backends (kernels/gpu/performer.cl):
 * prefill, non-causal and causal (chunked prefix sums), and the recurrent decode step, on the
 * inputs of the CPU ops (ops_performer.c) and against their reference (exact softmax
 * attention: the error is the approximation's). Decode starts each run from the CPU's saved
 * state after t - 1 tokens (ops_recurrent.h) and absorbs token t, so every run does the same
 * work; the state it writes has one shift per feature chunk instead of one per KV head.
 *
 * Counted traffic: the kernels tally every float they load. With m features in CH = ceil(m /
 * FC) chunks, caches = batch·kv_heads and heads = batch·heads:
 *   absorb  read  caches·(A·m·d_qk + CH·J·(d_qk + d_v))  (omega per slot; K and V per chunk)
 *           write caches·A·(m·(d_v + 1) + CH)            ([S | z] and the shifts per slot)
 *   readout read  R·(m·(d_qk + d_v + 1) + CH) + heads·n_q·d_qk   (per block omega, [S | z],
 *                                                                  shifts; Q)
 *           write heads·n_q·d_v
 * all × 4 bytes, where
 *   non-causal: A = 1, J = n, R = caches·ceil(g·n / BQ) (g = heads / kv_heads: the group's
 *               queries stacked, so a block reads [S | z] once for every head of the group);
 *   decode:     A = 1, J = 1 (the new token), R = caches·ceil(g / BQ), and the absorb also
 *               reads the saved state, caches·(m·(d_v + 1) + CH)
 *               (each chunk's work-group loads the one saved shift);
 *   causal:     T = ceil(n / BQ) token blocks, A = T - 1 (the last block's sums serve no
 *               later block), J = A·BQ, R = heads·T; the prefix pass reads
 *               caches·A·(m·(d_v + 1) + CH) and writes caches·T·(m·(d_v + 1) + CH), and the
 *               readout also reads each block's own K and V, heads·n·(d_qk + d_v).
 * flops = 2m·(d_qk + d_v + 1)·(K rows + Q rows) (z costs 2m per K row; K rows = caches·J,
 * Q rows = heads·n_q: kernels.h's count for the same work), causal adds per head 2m·d_qk·n (each
 * block's key features again) and 2·(m + d_v + 1)·P for P = Σ_blocks r(r + 1)/2 pairs within
 * a block of r rows. other_flops = 3m per feature row (exponential, max, rescale) + d_v per
 * query row, causal adds 3m·(d_v + 1) per absorbed slot (the prefix rescale).
 */
#include "gpu_job.h"
#include "int_math.h"
#include "ops_recurrent.h"

enum {
    FAVOR_KEYS = 16,      /* key rows per absorb tile */
    FAVOR_THREADS = 256,
    FAVOR_SPER_MAX = 128, /* state elements an absorb work-item holds */
    FAVOR_ACC_MAX = 64,   /* readout sums a work-item holds: query rows × its columns */
    FAVOR_CAUSAL_ROWS = 32, /* causal: block rows worth halving the feature chunk for */
    FAVOR_CHUNK_MIN = 16,
};

static bool chunked(const attn_problem *p)
{
    return p->phase == ATTN_PHASE_PREFILL && p->causal;
}

/* Local floats of the absorb and readout work-groups (performer.cl's tiles). */
static int64_t absorb_floats(const attn_problem *p, const attn_gpu_performer_plan *s)
{
    return s->chunk * p->d_qk + s->keys * (p->d_qk + p->d_v + s->chunk + 1) + s->threads;
}

static int64_t readout_floats(const attn_problem *p, const attn_gpu_performer_plan *s)
{
    const int64_t block_keys = chunked(p) ? p->d_qk + s->chunk + 2 + s->queries : 0;
    return s->chunk * p->d_qk + s->queries * (p->d_qk + s->chunk + 3 + block_keys) +
           attn_ceil_div(p->features, s->chunk);
}

/* Rows a readout work-group's blocks are cut from: the group's queries stacked (non-causal,
 * decode) or one head's positions (causal). */
static int64_t readout_rows(const attn_problem *p)
{
    const int64_t n_q = p->phase == ATTN_PHASE_DECODE ? 1 : p->n;
    return chunked(p) ? n_q : n_q * (p->heads / p->kv_heads);
}

/* The most query rows per readout block (BQ) for the plan's chunk, within the accumulators
 * and the local memory, and no more than a power of two covering the rows. */
static int64_t most_queries(const attn_problem *p, attn_gpu_performer_plan s, int64_t budget)
{
    for (attn_gpu_performer_plan more = s; s.queries < readout_rows(p) &&
                                           (more.queries *= 2) * s.columns <= FAVOR_ACC_MAX &&
                                           readout_floats(p, &more) <= budget;)
        s.queries = more.queries;
    return s.queries;
}

int attn_gpu_performer_plan_for(const attn_gpu_device *device, const attn_problem *p,
                                attn_gpu_performer_plan *plan)
{
    const int64_t budget = (int64_t)attn_gpu_sram_bytes(device) / 4;
    if (p->features < 1)
        return ATTN_ERR_UNSUPPORTED;
    attn_gpu_performer_plan s = {.chunk = p->features, .keys = FAVOR_KEYS, .queries = 1,
                                 .threads = 1};
    while (s.threads * 2 <= FAVOR_THREADS && s.threads * 2 <= (int64_t)device->max_group_size)
        s.threads *= 2;
    s.columns = attn_ceil_div(p->d_v + 1, s.threads);
    while (s.chunk > 1 && (absorb_floats(p, &s) > budget || readout_floats(p, &s) > budget))
        s.chunk = attn_ceil_div(s.chunk, 2);
    s.queries = most_queries(p, s, budget);
    /* causal: every block carries a prefix state, so trade feature chunk for longer blocks */
    while (chunked(p) && s.chunk > FAVOR_CHUNK_MIN && s.queries < FAVOR_CAUSAL_ROWS &&
           s.queries < readout_rows(p)) {
        s.chunk = attn_ceil_div(s.chunk, 2);
        s.queries = 1;
        s.queries = most_queries(p, s, budget);
    }
    s.chunks = attn_ceil_div(p->features, s.chunk);
    s.per = attn_ceil_div(s.chunk * (p->d_v + 1), s.threads);
    if (s.per > FAVOR_SPER_MAX || s.columns > FAVOR_ACC_MAX ||
        absorb_floats(p, &s) > budget || readout_floats(p, &s) > budget)
        return ATTN_ERR_UNSUPPORTED;
    *plan = s;
    return ATTN_OK;
}

/* Σ over blocks of BQ positions of r(r + 1)/2: the causal pairs within blocks. */
static uint64_t block_pairs(int64_t n, int64_t block)
{
    uint64_t pairs = 0;
    for (int64_t i0 = 0; i0 < n; i0 += block) {
        const uint64_t r = (uint64_t)(n - i0 < block ? n - i0 : block);
        pairs += r * (r + 1) / 2;
    }
    return pairs;
}

/* How a run is cut: T_Q readout blocks per KV head (causal: per head), state slots and slots
 * absorbed per KV head, keys per absorbed slot. */
typedef struct favor_grid {
    int64_t t_q, slots, absorbed, span;
} favor_grid;

static favor_grid grid_of(const attn_problem *p, const attn_dims *d,
                          const attn_gpu_performer_plan *s)
{
    const int64_t t_q = attn_ceil_div(readout_rows(p), s->queries);
    return chunked(p) ? (favor_grid){t_q, t_q, t_q - 1, s->queries}
                      : (favor_grid){t_q, 1, 1, d->n_kv};
}

/* The counts of the header that do not come from the tallies. */
static void count_performer(const attn_dims *d, int64_t m, const attn_gpu_performer_plan *s,
                            favor_grid g, bool causal, attn_kernel_stats *base)
{
    const uint64_t caches = (uint64_t)(d->batch * d->kv_heads);
    const uint64_t heads = (uint64_t)(d->batch * d->heads), state_w = (uint64_t)(m * (d->d_v + 1));
    const uint64_t slot_floats = state_w + (uint64_t)s->chunks;
    const uint64_t k_rows = caches * (uint64_t)(g.absorbed * g.span);
    const uint64_t q_rows = heads * (uint64_t)d->n_q, mm = (uint64_t)m;
    base->bytes_written = 4 * (caches * (uint64_t)(g.absorbed + (causal ? g.slots : 0)) *
                                   slot_floats + q_rows * (uint64_t)d->d_v);
    base->flops = 2 * mm * (uint64_t)(d->d_qk + d->d_v + 1) * (k_rows + q_rows); /* z: 2m */
    base->other_flops = 3 * mm * (k_rows + q_rows) + (uint64_t)d->d_v * q_rows;
    if (causal) {
        base->flops += 2 * mm * (uint64_t)d->d_qk * q_rows +
                       2 * heads * (mm + (uint64_t)d->d_v + 1) * block_pairs(d->n_q, g.span);
        base->other_flops += 3 * mm * q_rows + 3 * caches * (uint64_t)g.absorbed * state_w;
    }
}

static int performer_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                         attn_gpu_job *job)
{
    attn_performer_work *w = work;
    const attn_qkv *x = &w->rec.qkv;
    const bool decode = p->phase == ATTN_PHASE_DECODE, causal = chunked(p);
    attn_dims d = x->dims;
    attn_gpu_performer_plan s;
    int rc = attn_dims_check(&d);
    if (!rc)
        rc = attn_gpu_performer_plan_for(device, p, &s);
    if (rc)
        return rc;
    if (decode) { /* K and V: token t of every KV head */
        d.n_kv = 1;
        attn_qkv_token(x, x->dims.n_kv - 1, w->rec.k_tok, w->rec.v_tok);
    }
    const favor_grid g = grid_of(p, &d, &s);
    const int64_t m = p->features, caches = d.batch * d.kv_heads;
    const int64_t readers = causal ? d.batch * d.heads : caches; /* readout work-groups / T_Q */
    attn_gpu_define_dims(job, &d);
    ATTN_GPU_DEFINES(job, {"ATTN_PERFORMER", 1}, {"CACHES", caches}, {"CAUSAL", causal},
                     {"M", m}, {"FC", s.chunk}, {"BK", s.keys}, {"BQ", s.queries},
                     {"T_Q", g.t_q}, {"THREADS", s.threads}, {"SPER", s.per},
                     {"CPER", s.columns});
    const size_t slots = (size_t)(caches * g.slots);
    const int omega = attn_gpu_buffer_add(job, w->omega, (size_t)(m * d.d_qk) * sizeof(float));
    const int q = attn_gpu_buffer_add(job, x->q, x->q_elems * sizeof(float));
    const int k = attn_gpu_buffer_add(job, decode ? w->rec.k_tok : x->k,
                                      (size_t)(caches * d.n_kv * d.d_qk) * sizeof(float));
    const int v = attn_gpu_buffer_add(job, decode ? w->rec.v_tok : x->v,
                                      (size_t)(caches * d.n_kv * d.d_v) * sizeof(float));
    const int state = attn_gpu_buffer_add(job, NULL, slots * (size_t)(m * (d.d_v + 1)) * 4);
    const int shifts = attn_gpu_buffer_add(job, NULL, slots * (size_t)s.chunks * 4);
    attn_gpu_job_tallied(job, x->o_elems * sizeof(float),
                         (size_t)(caches * (g.absorbed + causal) * s.chunks + readers * g.t_q));
    const size_t chunks = (size_t)s.chunks, threads = (size_t)s.threads;
    const size_t kv_heads = (size_t)d.kv_heads, batch = (size_t)d.batch;
    if (decode) {
        const int saved = attn_gpu_buffer_add(
            job, w->rec.saved, (w->s_floats + w->z_floats + w->shift_floats) * sizeof(float));
        attn_gpu_launch_add(job, "attn_favor_step", chunks, kv_heads, batch, threads, 7,
                            (const int[]){omega, k, v, saved, state, shifts, job->tally});
    } else if (g.absorbed > 0) {
        attn_gpu_launch_add(job, "attn_favor_absorb", (size_t)g.absorbed * chunks, kv_heads,
                            batch, threads, 6,
                            (const int[]){omega, k, v, state, shifts, job->tally});
    }
    if (causal) {
        attn_gpu_launch_add(job, "attn_favor_prefix", chunks, kv_heads, batch, threads, 3,
                            (const int[]){state, shifts, job->tally});
        attn_gpu_launch_add(job, "attn_favor_causal", (size_t)g.t_q, (size_t)d.heads, batch,
                            threads, 8,
                            (const int[]){omega, q, k, v, state, shifts, job->output,
                                          job->tally});
    } else if (g.t_q > 0) {
        attn_gpu_launch_add(job, "attn_favor_readout", (size_t)g.t_q, kv_heads, batch, threads,
                            6, (const int[]){omega, q, state, shifts, job->output, job->tally});
    }
    count_performer(&d, m, &s, g, causal, &job->base);
    return ATTN_OK;
}

/* FC features per sums work-group, BQ rows per readout block (stacked queries; causal: one
 * head's positions, the token blocks): the header's counts. */
static int performer_tiling(const attn_problem *p, const attn_gpu_device *device,
                            attn_kernel_tiling *out)
{
    attn_gpu_performer_plan s;
    int rc = attn_gpu_performer_plan_for(device, p, &s);
    if (!rc) {
        out->query_rows = s.queries;
        out->feature_chunk = s.chunk;
    }
    return rc;
}

static int performer_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_performer.reference(p, work, out);
}

static const char *gpu_performer_unsupported(const attn_problem *p)
{
    return attn_cpu_ops_performer.unsupported(p);
}

const attn_kernel_ops attn_gpu_ops_performer = {attn_performer_setup, NULL, performer_reference,
                                                attn_performer_teardown,
                                                gpu_performer_unsupported, performer_job,
                                                attn_qkv_baseline, false, performer_tiling, NULL,
                                                false};
