/* ops_gpu_exact.c — flash attention on the GPU backends: FlashAttention-2 prefill and
 * flash-decoding over an fp32/fp16/bf16 cache (kernels/gpu/attention.cl), on the inputs and
 * against the reference of the CPU ops (ops_exact.c).
 *
 * Counted traffic follows the CPU kernels' rules (kernels.h): bytes moved between the large
 * buffers and the local-memory tiles. Prefill: read 4·(n_q·d_qk + kv_rows·(d_qk + d_v)) per
 * query head, kv_rows as tallied by the work-groups (the CPU flash formula with the GPU tiles),
 * write 4·n_q·d_v. Decode: the cache once per KV head (tallied), q once per split (each split's
 * work-group loads its group's queries), o written once; the partial softmaxes are workspace.
 */
#include "gpu_job.h"
#include "int_math.h"
#include "ops_internal.h"

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Work-items of a prefill work-group (attention.cl): the largest multiple of d_v up to 256 (so
 * that each owns one output column), at least d_v; 0 when the device cannot run d_v. */
static int64_t prefill_threads(const attn_gpu_device *device, const attn_problem *p)
{
    const int64_t cap = attn_min64(256, (int64_t)device->max_group_size);
    return p->d_v > (int64_t)device->max_group_size ? 0 : max64(1, cap / p->d_v) * p->d_v;
}

/* The prefill kernel's local memory: Q, K (whose space the block's scores reuse) and V tiles,
 * Q and K rows padded by one float and score rows too, and a rescaling factor per row. */
static uint64_t prefill_local_bytes(const attn_problem *p, attn_flash_tiles t)
{
    const int64_t br = t.block_rows, bc = t.block_cols;
    return 4 * (uint64_t)(br * (p->d_qk + 1) + max64(bc * (p->d_qk + 1), br * (bc + 1)) +
                          bc * p->d_v + br);
}

int attn_gpu_flash_tiles(const attn_gpu_device *device, const attn_problem *p,
                         attn_flash_tiles *tiles)
{
    const int64_t d = p->d_qk > p->d_v ? p->d_qk : p->d_v;
    const uint64_t budget = attn_gpu_sram_bytes(device);
    if (p->sram_bytes > budget)
        return ATTN_ERR_UNSUPPORTED;
    attn_flash_tiles t = attn_flash_tiles_for(p->sram_bytes ? p->sram_bytes : budget, d);
    if (t.block_rows > prefill_threads(device, p) || prefill_local_bytes(p, t) > budget)
        return ATTN_ERR_UNSUPPORTED;
    *tiles = t;
    return ATTN_OK;
}

void attn_gpu_define_dims(attn_gpu_job *job, const attn_dims *d)
{
    ATTN_GPU_DEFINES(job, {"HEADS", d->heads}, {"KV_HEADS", d->kv_heads}, {"N_Q", d->n_q},
                     {"N_KV", d->n_kv}, {"D_QK", d->d_qk}, {"D_V", d->d_v});
}

/* Work of the tiles every query block processes (flops only: bytes come from the tallies). */
static void flash_flops(const attn_dims *d, attn_flash_tiles t, attn_kernel_stats *stats)
{
    const uint64_t heads = (uint64_t)(d->batch * d->heads);
    for (int64_t i0 = 0; i0 < d->n_q; i0 += t.block_rows) {
        const int64_t rows = attn_min64(t.block_rows, d->n_q - i0), last = i0 + rows - 1;
        int64_t visible = d->causal ? d->n_kv - d->n_q + last + 1 : d->n_kv;
        visible = visible < 0 ? 0 : attn_min64(visible, d->n_kv);
        const int64_t loaded = attn_ceil_div(visible, t.block_cols) * t.block_cols;
        const uint64_t pairs = (uint64_t)(rows * attn_min64(d->n_kv, loaded));
        stats->flops += heads * 2 * pairs * (uint64_t)(d->d_qk + d->d_v);
        stats->other_flops += heads * 5 * pairs;
    }
}

int attn_gpu_flash_prefill_add(attn_gpu_job *job, const attn_gpu_device *device,
                               const attn_problem *p, const attn_dims *d, const int qkv[3])
{
    attn_flash_tiles t;
    int rc = attn_gpu_flash_tiles(device, p, &t);
    if (rc)
        return rc;
    const int64_t t_r = attn_ceil_div(d->n_q, t.block_rows);
    attn_gpu_define_dims(job, d);
    ATTN_GPU_DEFINES(job, {"ATTN_FLASH_PREFILL", 1}, {"CAUSAL", d->causal},
                     {"BR", t.block_rows}, {"BC", t.block_cols}, {"T_R", t_r},
                     {"THREADS", prefill_threads(device, p)});
    job->tally_count = (size_t)(t_r * d->batch * d->heads);
    job->tally = attn_gpu_buffer_add(job, NULL, job->tally_count * 4);
    const int args[] = {qkv[0], qkv[1], qkv[2], job->output, job->tally};
    if (t_r > 0)
        attn_gpu_launch_add(job, "attn_flash_prefill", (size_t)t_r, (size_t)d->heads,
                            (size_t)d->batch, (size_t)prefill_threads(device, p), 5, args);
    const uint64_t rows = (uint64_t)(d->batch * d->heads * d->n_q);
    job->base.bytes_read += 4 * rows * (uint64_t)d->d_qk;
    job->base.bytes_written += 4 * rows * (uint64_t)d->d_v;
    job->bytes_per_row = 4 * (uint64_t)(d->d_qk + d->d_v);
    flash_flops(d, t, &job->base);
    return ATTN_OK;
}

/* The decode kernel's local memory: the group's queries, K (rows padded by one float) and V
 * tiles, the group's scores of a tile, and its accumulators, maxima, sums and rescalings. */
static uint64_t decode_local_bytes(const attn_problem *p, int64_t block)
{
    const int64_t group = p->heads / p->kv_heads;
    return 4 * (uint64_t)(group * p->d_qk + block * (p->d_qk + 1 + p->d_v) + group * block +
                          group * p->d_v + 3 * group);
}

int attn_gpu_decode_plan_for(const attn_gpu_device *device, const attn_problem *p,
                             attn_gpu_decode_plan *plan)
{
    int64_t block = 64;
    while (block > 1 && decode_local_bytes(p, block) > attn_gpu_sram_bytes(device))
        block /= 2;
    if (decode_local_bytes(p, block) > attn_gpu_sram_bytes(device))
        return ATTN_ERR_UNSUPPORTED;
    /* 256 work-items per work-group and about 16 work-groups per compute unit: with a few of
     * them resident per unit, several waves hide the last one's tail (on an H100, 16 gave
     * 1.5 ms where 8 gave 1.85 for Llama-3-8B's decode at 32768 tokens, batch 8). */
    const int64_t t = p->n, caches = p->batch * p->kv_heads;
    int64_t splits = attn_min64(attn_ceil_div(16 * (int64_t)device->compute_units, caches),
                           attn_ceil_div(t, block));
    splits = splits < 1 ? 1 : splits;
    const int64_t split_len = attn_ceil_div(t, splits);
    *plan = (attn_gpu_decode_plan){
        .block = block, .splits = split_len ? attn_ceil_div(t, split_len) : 1,
        .split_len = split_len, .threads = attn_min64(256, (int64_t)device->max_group_size)};
    return ATTN_OK;
}

int attn_gpu_decode_add(attn_gpu_job *job, const attn_gpu_device *device, const attn_problem *p,
                        const attn_dims *d, const int qkv[3])
{
    attn_gpu_decode_plan plan;
    int rc = attn_gpu_decode_plan_for(device, p, &plan);
    if (rc)
        return rc;
    const size_t size = attn_dtype_size(p->store);
    const int64_t group = d->heads / d->kv_heads;
    const size_t parts = (size_t)(d->batch * d->kv_heads * plan.splits);
    attn_gpu_define_dims(job, d);
    ATTN_GPU_DEFINES(job, {"ATTN_DECODE", 1}, {"STORE", (long long)p->store},
                     {"BLOCK", plan.block}, {"SPLITS", plan.splits},
                     {"SPLIT_LEN", plan.split_len});
    const int partials =
        attn_gpu_buffer_add(job, NULL, parts * (size_t)(group * (d->d_v + 2)) * sizeof(float));
    job->tally = attn_gpu_buffer_add(job, NULL, parts * 4);
    job->tally_count = parts;
    const int split_args[] = {qkv[0], qkv[1], qkv[2], partials, job->tally};
    const int merge_args[] = {partials, job->output};
    attn_gpu_launch_add(job, "attn_decode_split", (size_t)plan.splits, (size_t)d->kv_heads,
                        (size_t)d->batch, (size_t)plan.threads, 5, split_args);
    attn_gpu_launch_add(job, "attn_decode_merge", (size_t)d->heads, (size_t)d->batch, 1,
                        (size_t)attn_min64(plan.threads, d->d_v), 2, merge_args);
    const uint64_t heads = (uint64_t)(d->batch * d->heads), t = (uint64_t)d->n_kv;
    job->base.bytes_read += 4 * (uint64_t)plan.splits * heads * (uint64_t)d->d_qk;
    job->base.bytes_written += 4 * heads * (uint64_t)d->d_v;
    job->base.flops += 2 * heads * t * (uint64_t)(d->d_qk + d->d_v);
    job->base.other_flops += 5 * heads * t + heads * (uint64_t)d->d_v;
    job->bytes_per_row = (uint64_t)(d->d_qk + d->d_v) * size;
    return ATTN_OK;
}

static int flash_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                     attn_gpu_job *job)
{
    attn_exact_work *w = work;
    int rc = attn_dims_check(&w->qkv.dims);
    if (rc)
        return rc;
    const bool decode = p->phase == ATTN_PHASE_DECODE;
    const size_t size = decode ? attn_dtype_size(p->store) : sizeof(float);
    /* a decode cache may hold padding rows after each KV head's n_kv (attn_kv_cache_build) */
    const int64_t head_rows = decode ? attn_exact_head_rows(w) : w->qkv.dims.n_kv;
    const size_t rows = (size_t)(w->qkv.dims.batch * w->qkv.dims.kv_heads * head_rows);
    const int qkv[] = {
        attn_gpu_buffer_add(job, w->qkv.q, w->qkv.q_elems * sizeof(float)),
        attn_gpu_buffer_add(job, decode ? attn_exact_cache_k(w) : w->qkv.k,
                            rows * (size_t)w->qkv.dims.d_qk * size),
        attn_gpu_buffer_add(job, decode ? attn_exact_cache_v(w) : w->qkv.v,
                            rows * (size_t)w->qkv.dims.d_v * size),
    };
    job->output = attn_gpu_buffer_add(job, NULL, w->qkv.o_elems * sizeof(float));
    if (!decode)
        return attn_gpu_flash_prefill_add(job, device, p, &w->qkv.dims, qkv);
    ATTN_GPU_DEFINES(job, {"HEAD_ROWS", head_rows});
    return attn_gpu_decode_add(job, device, p, &w->qkv.dims, qkv);
}

int attn_gpu_decode_tiling(const attn_problem *p, const attn_gpu_device *device,
                           attn_kernel_tiling *out)
{
    attn_gpu_decode_plan plan;
    int rc = attn_gpu_decode_plan_for(device, p, &plan);
    if (!rc)
        out->kv_splits = plan.splits;
    return rc;
}

/* Prefill re-reads K and V as FlashAttention-2's model does (its tiles from M); decode loads
 * the queries once per split. */
static int flash_tiling(const attn_problem *p, const attn_gpu_device *device,
                        attn_kernel_tiling *out)
{
    return p->phase == ATTN_PHASE_DECODE ? attn_gpu_decode_tiling(p, device, out) : ATTN_OK;
}

static const char *gpu_flash_unsupported(const attn_problem *p)
{
    if (p->phase == ATTN_PHASE_DECODE && p->kv_layout != ATTN_KV_CONTIGUOUS)
        return "the GPU decode kernel reads a contiguous cache (paged: CPU only)";
    if (p->phase == ATTN_PHASE_DECODE && p->store > ATTN_DTYPE_BF16)
        return "the GPU decode kernel reads fp32, fp16 or bf16 caches (fp8/int8: CPU only)";
    return NULL;
}

const attn_kernel_ops attn_gpu_ops_flash = {attn_exact_setup, NULL, attn_exact_reference,
                                            attn_exact_teardown, gpu_flash_unsupported,
                                            flash_job, attn_qkv_baseline, true, flash_tiling, NULL,
                                            false};
