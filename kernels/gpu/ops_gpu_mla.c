/* ops_gpu_mla.c — DeepSeek MLA on the GPU backends (kernels/gpu/mla.cl), on the inputs and
 * against the reference of the CPU ops (ops_mla.c): absorbed (attention over the latent
 * cache, prefill and decode) and naive (decompress every head's K and V, then the flash
 * kernels of ops_gpu_exact.c).
 *
 * Absorbed, counted (the kernels tally every float they load; R = batch·n_q·heads stacked rows,
 * C = ceil(n_q / PC) passes of absorb and unabsorb, S = splits, G = head groups, w = d_c + d_r):
 *   read  = 4·(R·(d_n + d_r) + batch·heads·C·d_c·(d_n + d_v)   (q_n, q_r; W_UK and W_UV per pass)
 *             + S·R·w + batch·G·Σ_{blocks, splits} kv_rows·w      (stacked queries; latent tiles)
 *             + S·R·(d_c + 2))                                  (partial softmaxes, merged)
 *   write = 4·(R·w + S·R·(d_c + 2) + R·d_v)
 * kv_rows of a (block, split) = the tokens of the split the block's last position sees, so a
 * decode step reads batch·G·t·w latent floats, once per group of HB heads (kernels.h's absorbed
 * count has the same terms with C = S = G = 1 and no max and sum per row). An attend
 * work-group has at most MLA_GROUP_ITEMS work-items, each holding at most MLA_PRIVATE_MAX
 * query and o_c floats, so that its registers hold them (CUDA caps registers by the job's
 * largest work-group); the heads of a position are cut into G groups when they do not fit.
 * flops = 2·R·d_n·d_c + Σ 2·rows·kv_rows·(2·d_c + d_r) + 2·R·d_c·d_v, other = 5 per score.
 *
 * Naive prefill, counted per (batch, head) for the decompression (JB tokens per work-group):
 *   read 4·(n_kv·(d_c + d_r) + ceil(n_kv / JB)·d_c·(d_n + d_v) + n_q·(d_n + d_r)),
 *   write 4·(n_kv·(d_n + d_r + d_v) + n_q·(d_n + d_r)), flops 2·n_kv·d_c·(d_n + d_v),
 * then the flash kernels' counts (ops_gpu_exact.c) with kv_heads = heads, d_qk = d_n + d_r.
 * Naive decode reads the decompressed cache the CPU ops built (ops_mla.c): flash-decoding's
 * counts alone.
 */
#include "gpu_job.h"
#include "int_math.h"
#include "ops_internal.h"

enum {
    MLA_STACKED_ROWS = 64, /* positions per attend block: max(1, 64 / heads), as the CPU, */
                           /* or fewer when the work-group would be too large */
    MLA_PASS = 8,          /* positions per absorb/unabsorb pass */
    MLA_BLOCK_MAX = 32,    /* latent rows per tile */
    MLA_SLICES_MAX = 16,
    MLA_GROUP_ITEMS = 256, /* attend work-items per work-group, at most */
    MLA_PRIVATE_MAX = 144, /* query and o_c floats per attend work-item, at most */
    MLA_SPLITS_MAX = 64,
    MLA_TOKEN_BLOCK = 16, /* naive: latent rows per decompress work-group */
};

static int64_t group_cap(const attn_gpu_device *device)
{
    return (int64_t)device->max_group_size < 1024 ? (int64_t)device->max_group_size : 1024;
}

int attn_gpu_mla_plan_for(const attn_gpu_device *device, const attn_problem *p,
                          attn_gpu_mla_plan *plan)
{
    const int64_t n_q = p->phase == ATTN_PHASE_DECODE ? 1 : p->n, t = p->n;
    const int64_t width = p->d_c + p->d_r, budget = (int64_t)attn_gpu_sram_bytes(device);
    attn_gpu_mla_plan x = {.chunk = MLA_PASS, .threads = attn_min64(256, group_cap(device))};
    const int64_t items = attn_min64(MLA_GROUP_ITEMS, group_cap(device));
    x.positions = attn_min64(MLA_STACKED_ROWS / p->heads > 1 ? MLA_STACKED_ROWS / p->heads : 1,
                        n_q > 1 ? n_q : 1);
    /* the fewest slices whose shares of the query and of o_c fit a work-item's registers */
    x.slices = 1;
    while (x.slices < MLA_SLICES_MAX && x.slices < p->d_c &&
           attn_ceil_div(width, x.slices) + attn_ceil_div(p->d_c, x.slices) > MLA_PRIVATE_MAX)
        x.slices *= 2;
    if (x.slices > items)
        return ATTN_ERR_UNSUPPORTED;
    /* fewer positions, then groups of heads, until the rows fit; then more slices */
    if (x.positions * p->heads * x.slices > items)
        x.positions = items / (x.slices * p->heads) > 1 ? items / (x.slices * p->heads) : 1;
    x.blocks = attn_ceil_div(n_q, x.positions);
    x.head_groups = attn_ceil_div(p->heads, items / (x.slices * x.positions));
    x.group_heads = attn_ceil_div(p->heads, x.head_groups);
    x.head_groups = attn_ceil_div(p->heads, x.group_heads);
    x.rows = x.positions * x.group_heads;
    while (x.slices * 2 <= MLA_SLICES_MAX && x.rows * x.slices * 2 <= items &&
           x.slices * 2 <= p->d_c)
        x.slices *= 2;
    x.block = MLA_BLOCK_MAX;
    while (x.block > 1 && 4 * x.block * (width + x.rows * x.slices) > budget)
        x.block /= 2;
    if (x.rows * x.slices > items || 4 * x.block * (width + x.rows * x.slices) > budget ||
        4 * x.chunk * (p->d_n + p->d_c + MLA_SPLITS_MAX + 1) > budget)
        return ATTN_ERR_UNSUPPORTED;
    const int64_t wanted =
        attn_ceil_div(4 * (int64_t)device->compute_units, p->batch * x.blocks * x.head_groups);
    x.splits = attn_min64(attn_min64(wanted, attn_ceil_div(t, x.block)), MLA_SPLITS_MAX);
    x.splits = x.splits < 1 ? 1 : x.splits;
    x.split_len = attn_ceil_div(t, x.splits);
    x.splits = x.split_len ? attn_ceil_div(t, x.split_len) : 1;
    *plan = x;
    return ATTN_OK;
}

static void define_mla(attn_gpu_job *job, const attn_mla_dims *d)
{
    ATTN_GPU_DEFINES(job, {"HEADS", d->heads}, {"N_Q", d->n_q}, {"N_KV", d->n_kv},
                     {"D_C", d->d_c}, {"D_R", d->d_r}, {"D_N", d->d_n}, {"D_V", d->d_v});
}

static int64_t split_rows(const attn_mla_dims *d, const attn_gpu_mla_plan *x, int64_t last,
                          int64_t split)
{
    int64_t needed = d->causal ? d->n_kv - d->n_q + last + 1 : d->n_kv;
    needed = needed < 0 ? 0 : attn_min64(needed, d->n_kv);
    const int64_t first = split * x->split_len;
    const int64_t end = attn_min64(attn_min64(first + x->split_len, d->n_kv), needed);
    return end > first ? end - first : 0;
}

static void absorbed_flops(const attn_mla_dims *d, const attn_gpu_mla_plan *x,
                           attn_kernel_stats *stats)
{
    const uint64_t stacked = (uint64_t)(d->batch * d->n_q * d->heads);
    uint64_t pairs = 0;
    for (int64_t block = 0; block < x->blocks; block++) {
        const int64_t positions = attn_min64(x->positions, d->n_q - block * x->positions);
        for (int64_t split = 0; split < x->splits; split++)
            pairs += (uint64_t)(positions * d->heads *
                                split_rows(d, x, block * x->positions + positions - 1, split));
    }
    pairs *= (uint64_t)d->batch;
    stats->flops = 2 * stacked * (uint64_t)(d->d_n * d->d_c) +
                   2 * pairs * (uint64_t)(2 * d->d_c + d->d_r) +
                   2 * stacked * (uint64_t)(d->d_c * d->d_v);
    stats->other_flops = 5 * pairs;
}

static int absorbed_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                        attn_gpu_job *job)
{
    attn_mla_work *w = work;
    const attn_mla_dims *d = &w->dims;
    attn_gpu_mla_plan x;
    int rc = attn_mla_dims_check(d);
    if (!rc)
        rc = attn_gpu_mla_plan_for(device, p, &x);
    if (rc)
        return rc;
    const int64_t width = d->d_c + d->d_r, heads = d->batch * d->heads;
    const int64_t stacked = heads * d->n_q;
    const int64_t attends = d->batch * x.blocks * x.splits * x.head_groups;
    define_mla(job, d);
    ATTN_GPU_DEFINES(job, {"ATTN_MLA_ABSORBED", 1}, {"CAUSAL", d->causal}, {"PC", x.chunk},
                     {"PB", x.positions}, {"T_B", x.blocks}, {"ROWS", x.rows},
                     {"HB", x.group_heads}, {"HEAD_GROUPS", x.head_groups},
                     {"SLICES", x.slices}, {"Q_PER", attn_ceil_div(width, x.slices)},
                     {"ACC_PER", attn_ceil_div(d->d_c, x.slices)}, {"BLOCK", x.block},
                     {"SPLITS", x.splits}, {"SPLIT_LEN", x.split_len}, {"TALLY_ATTEND", heads},
                     {"TALLY_UNABSORB", heads + attends});
    const int q_n = attn_gpu_buffer_add(job, w->q_n, (size_t)(stacked * d->d_n) * 4);
    const int q_r = attn_gpu_buffer_add(job, w->q_r, (size_t)(stacked * d->d_r) * 4);
    const int w_uk = attn_gpu_buffer_add(job, w->w_uk, (size_t)(d->heads * d->d_n * d->d_c) * 4);
    const int w_uv = attn_gpu_buffer_add(job, w->w_uv, (size_t)(d->heads * d->d_v * d->d_c) * 4);
    const int c = attn_gpu_buffer_add(job, w->c, (size_t)(d->batch * d->n_kv * d->d_c) * 4);
    const int k_r = attn_gpu_buffer_add(job, w->k_r, (size_t)(d->batch * d->n_kv * d->d_r) * 4);
    const int q_ext = attn_gpu_buffer_add(job, NULL, (size_t)(stacked * width) * 4);
    const int partials =
        attn_gpu_buffer_add(job, NULL, (size_t)(stacked * x.splits * (d->d_c + 2)) * 4);
    attn_gpu_job_tallied(job, (size_t)(stacked * d->d_v) * 4, (size_t)(2 * heads + attends));
    if (stacked > 0) {
        attn_gpu_launch_add(job, "attn_mla_absorb", (size_t)d->heads, (size_t)d->batch, 1,
                            (size_t)x.threads, 5, (const int[]){q_n, q_r, w_uk, q_ext, job->tally});
        attn_gpu_launch_add(job, "attn_mla_attend", (size_t)(x.splits * x.head_groups),
                            (size_t)x.blocks,
                            (size_t)d->batch, (size_t)(x.rows * x.slices), 5,
                            (const int[]){q_ext, c, k_r, partials, job->tally});
        attn_gpu_launch_add(job, "attn_mla_unabsorb", (size_t)d->heads, (size_t)d->batch, 1,
                            (size_t)x.threads, 4,
                            (const int[]){partials, w_uv, job->output, job->tally});
    }
    job->base.bytes_written = 4 * (uint64_t)stacked *
                              (uint64_t)(width + x.splits * (d->d_c + 2) + d->d_v);
    absorbed_flops(d, &x, &job->base);
    return ATTN_OK;
}

/* The header's counts as the model's tiling: PB positions per block, keys loaded exactly, G
 * head groups, S splits, absorb and unabsorb passes of PC positions. */
static int absorbed_tiling(const attn_problem *p, const attn_gpu_device *device,
                           attn_kernel_tiling *out)
{
    attn_gpu_mla_plan x;
    int rc = attn_gpu_mla_plan_for(device, p, &x);
    if (rc)
        return rc;
    *out = (attn_kernel_tiling){.query_rows = x.positions, .kv_splits = x.splits,
                                .project_rows = x.chunk, .key_cols = 1,
                                .head_groups = x.head_groups};
    return ATTN_OK;
}

int64_t attn_gpu_mla_token_block(const attn_gpu_device *device, const attn_problem *p)
{
    int64_t jb = MLA_TOKEN_BLOCK;
    while (jb > 1 && 4 * jb * p->d_c > (int64_t)attn_gpu_sram_bytes(device))
        jb /= 2;
    return 4 * jb * p->d_c > (int64_t)attn_gpu_sram_bytes(device) ? 0 : jb;
}

/* MLA naive's decompressed heads as an exact problem: every head its own K and V (fp32). */
static attn_problem decompressed(const attn_problem *p)
{
    attn_problem heads_p = *p;
    heads_p.kv_heads = p->heads;
    heads_p.d_qk = p->d_n + p->d_r;
    heads_p.store = ATTN_DTYPE_FP32;
    return heads_p;
}

/* Decode runs flash-decoding over the decompressed heads: the queries once per split. Prefill's
 * decompress work-groups take JB latent rows and all of a head's columns: the latents once,
 * the head's W_UK and W_UV once per block. */
static int naive_tiling(const attn_problem *p, const attn_gpu_device *device,
                        attn_kernel_tiling *out)
{
    const attn_problem heads_p = decompressed(p);
    if (p->phase == ATTN_PHASE_DECODE)
        return attn_gpu_decode_tiling(&heads_p, device, out);
    out->project_rows = attn_gpu_mla_token_block(device, p);
    out->project_cols = p->d_n + p->d_v;
    return out->project_rows ? ATTN_OK : ATTN_ERR_UNSUPPORTED;
}

static int naive_job(const attn_problem *p, void *work, const attn_gpu_device *device,
                     attn_gpu_job *job)
{
    attn_mla_work *w = work;
    const attn_mla_dims *d = &w->dims;
    const int64_t jb = attn_gpu_mla_token_block(device, p), d_qk = d->d_n + d->d_r;
    int rc = attn_mla_dims_check(d);
    if (rc || !jb)
        return rc ? rc : ATTN_ERR_UNSUPPORTED;
    /* the decompressed heads as an exact problem: every head its own K and V */
    const attn_problem heads_p = decompressed(p);
    const attn_dims dims = {d->batch, d->heads, d->heads, d->n_q, d->n_kv, d_qk, d->d_v,
                            d->causal};
    const int64_t heads = d->batch * d->heads, stacked = heads * d->n_q;
    if (w->cache) { /* decode: the decompressed per-head cache mla-naive's KV size describes */
        const size_t q_bytes = (size_t)(stacked * d_qk) * 4;
        const size_t k_bytes = (size_t)(heads * d->n_kv * d_qk) * 4;
        const int qkv[] = {
            attn_gpu_buffer_add(job, w->cache, q_bytes),
            attn_gpu_buffer_add(job, w->cache + stacked * d_qk, k_bytes),
            attn_gpu_buffer_add(job, w->cache + stacked * d_qk + heads * d->n_kv * d_qk,
                                (size_t)(heads * d->n_kv * d->d_v) * 4),
        };
        job->output = attn_gpu_buffer_add(job, NULL, (size_t)(stacked * d->d_v) * 4);
        return attn_gpu_decode_add(job, device, &heads_p, &dims, qkv);
    }
    define_mla(job, d);
    ATTN_GPU_DEFINES(job, {"ATTN_MLA_NAIVE", 1}, {"JB", jb});
    const int c = attn_gpu_buffer_add(job, w->c, (size_t)(d->batch * d->n_kv * d->d_c) * 4);
    const int k_r = attn_gpu_buffer_add(job, w->k_r, (size_t)(d->batch * d->n_kv * d->d_r) * 4);
    const int w_uk = attn_gpu_buffer_add(job, w->w_uk, (size_t)(d->heads * d->d_n * d->d_c) * 4);
    const int w_uv = attn_gpu_buffer_add(job, w->w_uv, (size_t)(d->heads * d->d_v * d->d_c) * 4);
    const int q_n = attn_gpu_buffer_add(job, w->q_n, (size_t)(stacked * d->d_n) * 4);
    const int q_r = attn_gpu_buffer_add(job, w->q_r, (size_t)(stacked * d->d_r) * 4);
    const int qkv[] = {
        attn_gpu_buffer_add(job, NULL, (size_t)(stacked * d_qk) * 4),
        attn_gpu_buffer_add(job, NULL, (size_t)(heads * d->n_kv * d_qk) * 4),
        attn_gpu_buffer_add(job, NULL, (size_t)(heads * d->n_kv * d->d_v) * 4),
    };
    job->output = attn_gpu_buffer_add(job, NULL, (size_t)(stacked * d->d_v) * 4);
    const size_t threads = (size_t)attn_min64(256, group_cap(device));
    if (d->n_kv > 0)
        attn_gpu_launch_add(job, "attn_mla_decompress", (size_t)attn_ceil_div(d->n_kv, jb),
                            (size_t)d->heads, (size_t)d->batch, threads, 6,
                            (const int[]){c, k_r, w_uk, w_uv, qkv[1], qkv[2]});
    attn_gpu_launch_add(job, "attn_mla_concat", (size_t)d->heads, (size_t)d->batch, 1, threads, 3,
                        (const int[]){q_n, q_r, qkv[0]});
    const uint64_t n_kv = (uint64_t)d->n_kv, n_q = (uint64_t)d->n_q, h = (uint64_t)heads;
    const uint64_t d_c = (uint64_t)d->d_c, d_r = (uint64_t)d->d_r, d_n = (uint64_t)d->d_n;
    const uint64_t d_v = (uint64_t)d->d_v, blocks = (uint64_t)attn_ceil_div(d->n_kv, jb);
    job->base.bytes_read = 4 * h * (n_kv * (d_c + d_r) + blocks * d_c * (d_n + d_v) +
                                    n_q * (d_n + d_r));
    job->base.bytes_written = 4 * h * (n_kv * (d_n + d_r + d_v) + n_q * (d_n + d_r));
    job->base.flops = 2 * h * n_kv * d_c * (d_n + d_v);
    return p->phase == ATTN_PHASE_DECODE ? attn_gpu_decode_add(job, device, &heads_p, &dims, qkv)
                                         : attn_gpu_flash_prefill_add(job, device, &heads_p,
                                                                      &dims, qkv);
}

static int gpu_mla_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    return attn_cpu_ops_mla.setup(p, work, out_elems);
}

static int gpu_mla_naive_setup(const attn_problem *p, void **work, size_t *out_elems)
{
    return attn_cpu_ops_mla_naive.setup(p, work, out_elems);
}

static int gpu_mla_reference(const attn_problem *p, void *work, double *out)
{
    return attn_cpu_ops_mla.reference(p, work, out);
}

static void gpu_mla_teardown(void *work)
{
    attn_cpu_ops_mla.teardown(work);
}

static const char *gpu_mla_unsupported(const attn_problem *p)
{
    return attn_cpu_ops_mla.unsupported(p);
}

const attn_kernel_ops attn_gpu_ops_mla = {gpu_mla_setup, NULL, gpu_mla_reference,
                                          gpu_mla_teardown, gpu_mla_unsupported, absorbed_job,
                                          attn_mla_baseline, false, absorbed_tiling, NULL,
                                          false};
const attn_kernel_ops attn_gpu_ops_mla_naive = {gpu_mla_naive_setup, NULL, gpu_mla_reference,
                                                gpu_mla_teardown, gpu_mla_unsupported,
                                                naive_job, attn_mla_baseline, false,
                                                naive_tiling, NULL, false};
