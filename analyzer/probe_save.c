/* probe_save.c — the probe as the `local` device preset: the fields every preset has (read
 * by models/device_read.c), each with its source like the shipped presets, and the whole
 * probe with its spreads under "probe", so the file shows how its numbers were got.
 *
 * For a CPU the roofline's compute roof is the SGEMM median (what a tuned GEMM reaches; the
 * FMA loop is kept as the instruction ceiling), fp16 is the same (the kernels compute in
 * fp32), bandwidth is the triad median (STREAM's headline), "shared memory per SM" is the
 * per-core L2 that flash sizes its tiles for, and l2_bytes holds the last-level cache.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "diag.h"
#include "probe.h"

static json_t *spread_json(attn_spread s)
{
    return json_pack("{s:f, s:f, s:f, s:i}", "min", s.min, "median", s.median, "max", s.max,
                     "repeats", s.repeats);
}

static json_t *caches_json(const attn_probe *p)
{
    json_t *list = json_array();
    for (size_t i = 0; i < p->ncaches && list; i++) {
        const attn_cpu_cache *c = &p->caches[i];
        const char type[2] = {c->type, '\0'};
        json_t *entry = json_pack("{s:i, s:s, s:I, s:i, s:i}", "level", c->level, "type", type,
                                  "bytes", (json_int_t)c->bytes, "ways", (int)c->ways,
                                  "line_bytes", (int)c->line_bytes);
        if (entry && i < 16 && p->level_bytes[i]) {
            json_object_set_new(entry, "read_bytes_per_s", spread_json(p->level_read[i]));
            json_object_set_new(entry, "read_array_bytes", json_integer((json_int_t)p->level_bytes[i]));
        }
        json_array_append_new(list, entry);
    }
    return list;
}

static json_t *probe_json(const attn_probe *p)
{
    const attn_cpu_cache *l2 = attn_cpu_cache_find(p->caches, p->ncaches, 2, false);
    const attn_cpu_cache *last = attn_cpu_cache_find(p->caches, p->ncaches, 0, false);
    char description[128];
    snprintf(description, sizeof description, "probed: %.80s, %d threads", p->cpu_model,
             p->threads);
    json_t *detail = json_pack(
        "{s:s, s:i, s:f, s:f, s:f, s:s, s:s, s:i, s:f, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:o}",
        "cpu", p->cpu_model, "threads", p->threads, "clock_hz", p->clock_hz,
        "reported_clock_hz", p->reported_clock_hz, "measured_clock_hz", p->measured_clock_hz,
        "clock_source", p->clock_source, "fma_isa", p->isa, "fma_lanes", p->lanes,
        "flops_bound", p->flops_bound, "fma_flops", spread_json(p->fma), "sgemm_flops",
        spread_json(p->sgemm), "sgemm_n", (json_int_t)p->sgemm_n, "read_bytes_per_s",
        spread_json(p->read), "copy_bytes_per_s", spread_json(p->copy), "triad_bytes_per_s",
        spread_json(p->triad), "stream_array_bytes", (json_int_t)p->stream_bytes, "caches",
        caches_json(p));
    json_t *sources = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s}", "memory_bytes", "sysconf(_SC_PHYS_PAGES) x page size",
        "bandwidth_bytes_per_s", "attnscope devices --probe: STREAM triad median",
        "peak_flops_fp32", "attnscope devices --probe: OpenBLAS SGEMM median",
        "peak_flops_fp16", "the fp32 SGEMM median: the CPU kernels compute in fp32",
        "shared_mem_per_sm_bytes", "sysfs: per-core L2, the flash tile budget on a CPU",
        "l2_bytes", "sysfs: the last-level cache");
    json_object_set_new(sources, "l2_bandwidth_bytes_per_s",
                        json_string("attnscope devices --probe: read with the data in the "
                                    "last-level cache, median"));
    return json_pack("{s:s, s:s, s:I, s:f, s:f, s:f, s:I, s:i, s:I, s:b, s:o, s:o}", "name",
                     "local",
                     "description", description, "memory_bytes", (json_int_t)p->memory_bytes,
                     "bandwidth_bytes_per_s", p->triad.median, "peak_flops_fp32",
                     p->sgemm.median, "peak_flops_fp16", p->sgemm.median,
                     "shared_mem_per_sm_bytes", (json_int_t)(l2 ? l2->bytes : 0), "sm_count",
                     p->threads, "l2_bytes", (json_int_t)(last ? last->bytes : 0),
                     "cpu_caches", 1, "probe", detail, "sources", sources);
}

/* The last level's read rate, the L2 ceiling of the local hierarchical roofline. */
static double last_level_read(const attn_probe *p)
{
    const attn_cpu_cache *last = attn_cpu_cache_find(p->caches, p->ncaches, 0, false);
    size_t i = last ? (size_t)(last - p->caches) : 0;
    return last && i < 16 && p->level_bytes[i] ? p->level_read[i].median : 0;
}

/* mkdir -p of the directories above path. */
static int make_parents(const char *path, attn_diag *diag)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(dir, 0755) && errno != EEXIST)
            return attn_fail(diag, ATTN_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
        *slash = '/';
    }
    return ATTN_OK;
}

int attn_probe_save(const attn_probe *p, const char *path, attn_diag *diag)
{
    json_t *root = probe_json(p);
    if (!root)
        return attn_fail(diag, ATTN_ERR_NOMEM, "%s: cannot build the preset", path);
    if (last_level_read(p) > 0)
        json_object_set_new(root, "l2_bandwidth_bytes_per_s", json_real(last_level_read(p)));
    attn_atomic_file f;
    int rc = make_parents(path, diag);
    if (!rc)
        rc = attn_atomic_open(&f, path, diag);
    if (!rc && json_dumpf(root, f.out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) == 0 &&
        fputc('\n', f.out) != EOF)
        rc = attn_atomic_commit(&f, diag);
    else if (!rc) {
        attn_atomic_abort(&f);
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: cannot write", path);
    }
    json_decref(root);
    return rc;
}
