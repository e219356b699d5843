/* results_csv.c — formatting result rows (libcsv quoting) and appending them atomically:
 * the old contents and the new rows go to a new file that replaces the original only when
 * complete (atomic_file.c). The file is locked meanwhile (path_lock.h), so concurrent
 * appends queue instead of losing each other's rows; a symlink stays a symlink (the file it
 * names is replaced) and the file keeps its mode. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "csv_out.h"
#include "diag.h"
#include "path_lock.h"
#include "results_csv.h"

static const char *const COLUMNS[] = {
    "model", "variant", "backend", "phase", "batch", "heads", "kv_heads", "d_qk", "d_v",
    "seq", "causal", "kv_store", "features", "rank", "sram_bytes", "threads", "seed",
    "repeats", "time_s", "time_min_s", "time_max_s", "gflops", "gbps", "flops_per_s",
    "intensity_counted", "flops_model",
    "flops_counted", "hbm_bytes_model", "hbm_bytes_counted", "hbm_bytes_sim", "hbm_bytes_hw",
    "dram_bytes_model", "peak_bytes", "extra_bytes_model", "max_abs_err", "rel_err",
    "validated", "note", "kv_layout", "block_size", "roofline_frac",
    /* flops_model above is what the kernel's algorithm executes (whole tiles), so it equals
     * flops_counted; the useful count (causal: n(n+1)/2 pairs) and its rate sit apart. */
    "flops_useful_model", "gflops_useful", "kv_bytes_model", "weight_bytes_model",
    "act_bytes_model", "baseline_err", "inputs", "logit_std"};
enum { NCOLUMNS = sizeof COLUMNS / sizeof COLUMNS[0] };

const char *attn_results_header(void)
{
    static char header[1024];
    if (!header[0])
        for (size_t i = 0; i < NCOLUMNS; i++)
            snprintf(header + strlen(header), sizeof header - strlen(header), "%s%s",
                     i ? "," : "", COLUMNS[i]);
    return header;
}

static int write_row(FILE *out, const attn_result_row *r)
{
    char v[NCOLUMNS][64];
    const attn_measurement *m = &r->m;
    double seconds = m->median_s > 0 ? m->median_s : 1;
    long long ints[] = {r->batch, r->heads, r->kv_heads, r->d_qk, r->d_v, r->seq};
    for (int i = 0; i < 6; i++)
        snprintf(v[4 + i], 64, "%lld", ints[i]);
    snprintf(v[12], 64, "%lld", (long long)r->features);
    snprintf(v[13], 64, "%lld", (long long)r->rank);
    snprintf(v[14], 64, "%llu", (unsigned long long)r->sram_bytes);
    snprintf(v[15], 64, "%d", r->threads);
    snprintf(v[16], 64, "%llu", (unsigned long long)r->seed);
    snprintf(v[17], 64, "%d", m->repeats);
    snprintf(v[18], 64, "%.6e", m->median_s);
    snprintf(v[19], 64, "%.6e", m->min_s);
    snprintf(v[20], 64, "%.6e", m->max_s);
    snprintf(v[21], 64, "%.4f", (double)m->stats.flops / seconds / 1e9);
    snprintf(v[22], 64, "%.4f",
             (double)(m->stats.bytes_read + m->stats.bytes_written) / seconds / 1e9);
    uint64_t counted = m->stats.bytes_read + m->stats.bytes_written;
    snprintf(v[23], 64, "%.6e", (double)m->stats.flops / seconds);
    snprintf(v[24], 64, "%.6g", counted ? (double)m->stats.flops / (double)counted : 0.0);
    snprintf(v[25], 64, "%.0Lf", r->model_cost.flops_executed);
    snprintf(v[26], 64, "%llu", (unsigned long long)m->stats.flops);
    snprintf(v[27], 64, "%.0Lf", r->model_cost.read_bytes + r->model_cost.write_bytes);
    snprintf(v[28], 64, "%llu", (unsigned long long)counted);
    snprintf(v[31], 64, "%.0Lf", r->model_cost.dram_bytes);
    snprintf(v[32], 64, "%llu", (unsigned long long)m->stats.peak_bytes);
    snprintf(v[33], 64, "%.0Lf", r->model_cost.extra_bytes);
    snprintf(v[41], 64, "%.0Lf", r->model_cost.flops);
    snprintf(v[42], 64, "%.4f", (double)r->model_cost.flops / seconds / 1e9);
    snprintf(v[43], 64, "%.0Lf", r->model_cost.kv_traffic_bytes);
    snprintf(v[44], 64, "%.0Lf", r->model_cost.weight_bytes);
    snprintf(v[45], 64, "%.0Lf", r->model_cost.act_bytes);
    v[46][0] = '\0';
    if (m->validated && m->has_baseline)
        snprintf(v[46], 64, "%.3e", m->baseline_err);
    /* q.k / sqrt(d) of independent entries: std 1 for N(0, 1), 1/3 for uniform [-1, 1) */
    snprintf(v[48], 64, "%.4f", r->normal_inputs ? 1.0 : 1.0 / 3.0);
    v[34][0] = v[35][0] = '\0'; /* empty when not validated: never a made-up number */
    if (m->validated) {
        snprintf(v[34], 64, "%.3e", m->max_abs_err);
        snprintf(v[35], 64, "%.3e", m->rel_err);
    }
    /* the roofline's time, max(FLOPs / FMA peak, counted bytes / read bandwidth), over the
     * measured time: 1 is the machine's limit (above 1: the cache sat in a faster level) */
    v[40][0] = '\0';
    snprintf(v[39], 64, "%lld", (long long)r->block_size);
    if (r->roof_flops > 0 && r->roof_read_bps > 0 && m->median_s > 0) {
        double roof = (double)m->stats.flops / r->roof_flops;
        double memory = (double)counted / r->roof_read_bps;
        snprintf(v[40], 64, "%.4f", (roof > memory ? roof : memory) / m->median_s);
    }
    const char *row[NCOLUMNS] = {
        r->model, r->variant, r->backend, r->phase == ATTN_PHASE_DECODE ? "decode" : "prefill",
        v[4], v[5], v[6], v[7], v[8], v[9], r->causal ? "true" : "false", r->store, v[12],
        v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24],
        v[25], v[26], v[27], v[28], r->traffic_sim ? r->traffic_sim : "",
        r->traffic_hw ? r->traffic_hw : "", v[31], v[32], v[33], v[34], v[35],
        m->validated ? "yes" : "no", m->note, r->kv_layout ? r->kv_layout : "", v[39], v[40],
        v[41], v[42], v[43], v[44], v[45], v[46], r->normal_inputs ? "normal" : "uniform", v[48]};
    return attn_csv_write_row(out, row, NCOLUMNS);
}

/* The existing file's bytes (NULL, 0 when it does not exist), checked to hold our header. */
static int read_existing(const char *path, char **text, size_t *len, attn_diag *diag)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? ATTN_OK
                               : attn_fail(diag, ATTN_ERR_IO, "%s: cannot read: %s", path,
                                           strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return attn_fail(diag, ATTN_ERR_IO, "%s: not a regular file", path);
    }
    *text = malloc((size_t)st.st_size + 1);
    if (!*text) {
        fclose(f);
        return attn_fail(diag, ATTN_ERR_NOMEM, "%s: out of memory", path);
    }
    *len = fread(*text, 1, (size_t)st.st_size, f);
    fclose(f);
    const char *header = attn_results_header();
    size_t hlen = strlen(header);
    if (*len && (*len < hlen || memcmp(*text, header, hlen) != 0 ||
                 ((*text)[hlen] != '\n' && (*text)[hlen] != '\r'))) {
        free(*text);
        *text = NULL;
        return attn_fail(diag, ATTN_ERR_FIELD,
                         "%s: its first line is not attnscope's results header; refusing to "
                         "append (use another --out)", path);
    }
    return ATTN_OK;
}

static int append_locked(const char *path, mode_t mode, const attn_result_row *rows,
                         size_t count, attn_diag *diag)
{
    char *old = NULL;
    size_t old_len = 0;
    attn_atomic_file f;
    int rc = read_existing(path, &old, &old_len, diag);
    if (!rc)
        rc = attn_atomic_open(&f, path, diag);
    if (rc) {
        free(old);
        return rc;
    }
    fchmod(fileno(f.out), mode);
    if (old_len)
        fwrite(old, 1, old_len, f.out);
    else
        fprintf(f.out, "%s\n", attn_results_header());
    if (old_len && old[old_len - 1] != '\n')
        fputc('\n', f.out);
    for (size_t i = 0; i < count && !rc; i++)
        rc = write_row(f.out, &rows[i]);
    free(old);
    if (rc) {
        attn_atomic_abort(&f);
        return attn_fail(diag, rc, "%s: cannot write a row (earlier rows are intact)", path);
    }
    return attn_atomic_commit(&f, diag);
}

int attn_results_append(const char *path, const attn_result_row *rows, size_t count,
                        attn_diag *diag)
{
    int lock_fd;
    int rc = attn_path_lock(path, true, &lock_fd, diag);
    if (rc)
        return rc;
    struct stat st = {.st_size = 1};
    char *real = realpath(path, NULL); /* through a symlink: replace the file, keep the link */
    if (!real || fstat(lock_fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: not a regular file", path);
    else
        rc = append_locked(real, st.st_mode & 07777, rows, count, diag);
    if (rc && real && st.st_size == 0)
        unlink(real); /* created by the lock, and nothing was committed to it */
    free(real);
    close(lock_fd);
    return rc;
}
