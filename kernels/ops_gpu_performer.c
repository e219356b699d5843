/* ops_gpu_performer.c — Performer (FAVOR+) prefill on the GPU backends
 * (kernels/gpu/performer.cl), non-causal, on the inputs of the CPU ops (ops_performer.c) and
 * against their reference (exact softmax attention: the error is the approximation's).
 * Causal prefill and decode are not written for the GPU yet and say so.
 *
 * Counted traffic: the kernels tally every float they load; with m features in CH = ceil(m /
 * FC) chunks, T_q = ceil(n_q / BQ) query blocks, per sequence:
 *   read  = 4·(kv_heads·(m·d_qk + CH·n_kv·(d_qk + d_v))            (omega; K and V per chunk)
 *             + heads·(n_q·d_qk + T_q·(m·(d_qk + d_v + 1) + CH)))   (Q; per block omega,
 *                                                                   [S | z] and the shifts)
 *   write = 4·(kv_heads·(m·(d_v + 1) + CH) + heads·n_q·d_v)         ([S | z], shifts; O)
 * flops = 2m·(d_qk + d_v)·(K rows + Q rows) + 2m·Q rows, other_flops = 3m·(K rows + Q rows)
 * + d_v·Q rows (exponentials, maxima, the division): kernels.h's count for the same work.
 */
#include "gpu_job.h"
#include "ops_recurrent.h"

enum {
    FAVOR_KEYS = 16,      /* key rows per absorb tile */
    FAVOR_THREADS = 256,
    FAVOR_SPER_MAX = 128, /* state elements an absorb work-item holds */
    FAVOR_ACC_MAX = 64,   /* readout sums a work-item holds: query rows × its columns */
};

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Local floats of the absorb and readout work-groups. */
static int64_t absorb_floats(const attn_problem *p, const attn_gpu_performer_plan *s)
{
    return s->chunk * p->d_qk + s->keys * (p->d_qk + p->d_v + s->chunk + 1) + s->threads;
}

static int64_t readout_floats(const attn_problem *p, const attn_gpu_performer_plan *s)
{
    return s->chunk * p->d_qk + s->queries * (p->d_qk + s->chunk + 3) +
           ceil_div(p->features, s->chunk);
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
    s.columns = ceil_div(p->d_v + 1, s.threads);
    while (s.chunk > 1 && (absorb_floats(p, &s) > budget || readout_floats(p, &s) > budget))
        s.chunk = ceil_div(s.chunk, 2);
    for (attn_gpu_performer_plan more = s; (more.queries *= 2) * s.columns <= FAVOR_ACC_MAX &&
                                           readout_floats(p, &more) <= budget;)
        s.queries = more.queries;
    s.chunks = ceil_div(p->features, s.chunk);
    s.per = ceil_div(s.chunk * (p->d_v + 1), s.threads);
    if (s.per > FAVOR_SPER_MAX || s.columns > FAVOR_ACC_MAX ||
        absorb_floats(p, &s) > budget || readout_floats(p, &s) > budget)
        return ATTN_ERR_UNSUPPORTED;
    *plan = s;
    return ATTN_OK;
}

static int performer_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                         attn_gpu_job *job)
{
    attn_performer_work *w = work;
    const attn_qkv *x = &w->rec.qkv;
    const attn_dims *d = &x->dims;
    attn_gpu_performer_plan s;
    int rc = attn_dims_check(d);
    if (!rc)
        rc = attn_gpu_performer_plan_for(device, p, &s);
    if (rc)
        return rc;
    const int64_t m = p->features, t_q = ceil_div(d->n_q, s.queries);
    const int64_t caches = d->batch * d->kv_heads, heads = d->batch * d->heads;
    attn_gpu_define_dims(job, d);
    attn_gpu_define(job, "ATTN_PERFORMER", 1);
    attn_gpu_define(job, "M", m);
    attn_gpu_define(job, "FC", s.chunk);
    attn_gpu_define(job, "CHUNKS", s.chunks);
    attn_gpu_define(job, "BK", s.keys);
    attn_gpu_define(job, "BQ", s.queries);
    attn_gpu_define(job, "T_Q", t_q);
    attn_gpu_define(job, "THREADS", s.threads);
    attn_gpu_define(job, "SPER", s.per);
    attn_gpu_define(job, "CPER", s.columns);
    attn_gpu_define(job, "TALLY_READOUT", caches * s.chunks);
    const int omega = attn_gpu_buffer_add(job, w->omega, (size_t)(m * d->d_qk) * sizeof(float));
    const int q = attn_gpu_buffer_add(job, x->q, x->q_elems * sizeof(float));
    const int k = attn_gpu_buffer_add(job, x->k, x->k_elems * sizeof(float));
    const int v = attn_gpu_buffer_add(job, x->v, x->v_elems * sizeof(float));
    const int state = attn_gpu_buffer_add(job, NULL, (size_t)(caches * m * (d->d_v + 1)) * 4);
    const int shifts = attn_gpu_buffer_add(job, NULL, (size_t)(caches * s.chunks) * 4);
    job->output = attn_gpu_buffer_add(job, NULL, x->o_elems * sizeof(float));
    job->tally_count = (size_t)(caches * s.chunks + heads * t_q);
    job->tally = attn_gpu_buffer_add(job, NULL, job->tally_count * 4);
    job->bytes_per_row = 4;
    attn_gpu_launch_add(job, "attn_favor_absorb", (size_t)s.chunks, (size_t)d->kv_heads,
                        (size_t)d->batch, (size_t)s.threads, 6,
                        (const int[]){omega, k, v, state, shifts, job->tally});
    if (t_q > 0)
        attn_gpu_launch_add(job, "attn_favor_readout", (size_t)t_q, (size_t)d->heads,
                            (size_t)d->batch, (size_t)s.threads, 6,
                            (const int[]){omega, q, state, shifts, job->output, job->tally});
    job->base.bytes_written =
        4 * (uint64_t)(caches * (m * (d->d_v + 1) + s.chunks) + heads * d->n_q * d->d_v);
    const uint64_t rows = (uint64_t)(caches * d->n_kv + heads * d->n_q);
    job->base.flops = 2 * (uint64_t)(m * (d->d_qk + d->d_v)) * rows +
                      2 * (uint64_t)(m * heads * d->n_q);
    job->base.other_flops = 3 * (uint64_t)m * rows + (uint64_t)(d->d_v * heads * d->n_q);
    return ATTN_OK;
}

static int performer_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_performer.reference(p, work, out);
}

static const char *gpu_performer_unsupported(const attn_problem *p)
{
    if (p->phase == ATTN_PHASE_DECODE)
        return "Performer decode has no GPU kernel yet";
    if (p->causal)
        return "Performer causal prefill has no GPU kernel yet";
    return attn_cpu_ops_performer.unsupported(p);
}

const attn_kernel_ops attn_gpu_ops_performer = {attn_performer_setup, NULL, performer_reference,
                                                attn_performer_teardown,
                                                gpu_performer_unsupported, performer_job};
