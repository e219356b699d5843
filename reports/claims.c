/* claims.c — reading a claims file and checking each row (see claims.h). A bad row is
 * reported (line and column) and skipped; the others are still checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_internal.h"
#include "diag.h"
#include "table.h"

static const char *const COLUMNS[] = {"id", "text", "source", "metric", "model", "settings",
                                      "claimed", "tolerance"};
enum { COL_ID, COL_TEXT, COL_SOURCE, COL_METRIC, COL_MODEL, COL_SETTINGS, COL_CLAIMED,
       COL_TOLERANCE, NCOLS };

/* Models are loaded once per file: claims often share them. */
typedef struct model_cache {
    char names[32][128];
    attn_model models[32];
    size_t count;
    char device_names[16][64]; /* devices too: reading one costs a file-sized buffer */
    attn_device devices[16];
    size_t ndevices;
} model_cache;

static bool cached_device(model_cache *cache, const char *name, attn_device *out)
{
    for (size_t i = 0; i < cache->ndevices; i++)
        if (strcmp(cache->device_names[i], name) == 0) {
            *out = cache->devices[i];
            return true;
        }
    attn_diag diag = {{0}};
    if (attn_device_load(name, out, &diag))
        return false; /* each use of the device says why */
    if (cache->ndevices < 16) {
        snprintf(cache->device_names[cache->ndevices], sizeof cache->device_names[0], "%s", name);
        cache->devices[cache->ndevices++] = *out;
    }
    return true;
}

static const attn_model *cached_model(model_cache *cache, const char *name, char *why, size_t len)
{
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->names[i], name) == 0)
            return &cache->models[i];
    if (cache->count == 32) {
        snprintf(why, len, "more than 32 models in one claims file");
        return NULL;
    }
    attn_diag diag = {{0}};
    if (attn_model_load(name, &cache->models[cache->count], &diag)) {
        snprintf(why, len, "%s", diag.msg);
        return NULL;
    }
    snprintf(cache->names[cache->count], sizeof cache->names[0], "%s", name);
    return &cache->models[cache->count++];
}

static void uncheckable(attn_claim_result *r, const char *path, size_t line, int column,
                        const char *why)
{
    r->verdict = ATTN_CLAIM_UNCHECKABLE;
    if (column >= 0)
        snprintf(r->explanation, sizeof r->explanation, "%.200s:%zu: column '%s': %.700s", path, line,
                 COLUMNS[column], why);
    else
        snprintf(r->explanation, sizeof r->explanation, "%.200s:%zu: %.700s", path, line, why);
}

/* Parses one row into `c`; on failure marks the result uncheckable. */
static bool read_row(char **cells, const char *path, size_t line, model_cache *cache,
                     attn_claim_timer measure, claim *c, attn_claim_result *r)
{
    char why[700];
    memset(c, 0, sizeof *c);
    c->measure = measure;
    if (claim_metric_parse(cells[COL_METRIC], &c->metric)) {
        uncheckable(r, path, line, COL_METRIC, "unknown metric (see claims/README.md)");
        return false;
    }
    if (claim_settings_parse(cells[COL_SETTINGS], &c->s, why, sizeof why)) {
        uncheckable(r, path, line, COL_SETTINGS, why);
        return false;
    }
    if (claim_value_parse(cells[COL_CLAIMED], &c->claimed, c->unit, sizeof c->unit)) {
        uncheckable(r, path, line, COL_CLAIMED, "not a number with a known unit");
        return false;
    }
    if (claim_tolerance_parse(cells[COL_TOLERANCE], c->claimed, c->unit, &c->tolerance)) {
        uncheckable(r, path, line, COL_TOLERANCE, "expected a number or a percentage");
        return false;
    }
    if (!(c->model = cached_model(cache, cells[COL_MODEL], why, sizeof why))) {
        uncheckable(r, path, line, COL_MODEL, why);
        return false;
    }
    c->device_loaded = cached_device(cache, c->s.device[0] ? c->s.device : "h100-sxm", &c->device);
    if (c->s.baseline_model[0] &&
        !(c->baseline_model = cached_model(cache, c->s.baseline_model, why, sizeof why))) {
        uncheckable(r, path, line, COL_SETTINGS, why);
        return false;
    }
    return true;
}

static void check_row(char **cells, const char *path, size_t line, model_cache *cache,
                      const attn_claims_options *o, attn_claim_result *r)
{
    snprintf(r->id, sizeof r->id, "%s", cells[COL_ID]);
    snprintf(r->text, sizeof r->text, "%s", cells[COL_TEXT]);
    snprintf(r->source, sizeof r->source, "%s", cells[COL_SOURCE]);
    snprintf(r->metric, sizeof r->metric, "%s", cells[COL_METRIC]);
    r->line = line;
    claim c;
    if (!read_row(cells, path, line, cache, o ? o->measure : NULL, &c, r))
        return;
    snprintf(r->unit, sizeof r->unit, "%s", c.unit);
    r->claimed = c.claimed;
    r->tolerance = c.tolerance;
    char why[512] = "";
    int rc = claim_evaluate(&c, NULL, &r->computed, why, sizeof why);
    if (rc) {
        uncheckable(r, path, line, -1, why);
        r->beyond_model = rc == ATTN_ERR_UNSUPPORTED;
        return;
    }
    char served[400] = "";
    if (c.metric == METRIC_THROUGHPUT || c.metric == METRIC_THROUGHPUT_RATIO)
        claim_throughput_describe(&c, served, sizeof served);
    if (fabsl(r->computed - c.claimed) <= c.tolerance) {
        r->verdict = ATTN_CLAIM_HOLDS;
        snprintf(r->explanation, sizeof r->explanation, "%s", served);
        return;
    }
    r->verdict = ATTN_CLAIM_FAILS;
    char found[sizeof r->explanation];
    if (!claim_explain(&c, found, sizeof found, &r->tried, &r->reproducing))
        snprintf(found, sizeof found, "no simple assumption reproduces it");
    snprintf(r->explanation, sizeof r->explanation, "%.600s%s%.380s", found,
             served[0] ? "; assumed: " : "", served);
}

int attn_claims_check(const char *path, const attn_claims_options *options,
                      attn_claim_result **results, size_t *count, attn_diag *diag)
{
    attn_table t;
    *results = NULL;
    *count = 0;
    int rc = attn_table_read(path, &t, diag);
    if (rc)
        return rc;
    int col[NCOLS];
    for (int i = 0; i < NCOLS && !rc; i++)
        if ((col[i] = attn_table_column(&t, COLUMNS[i])) < 0)
            rc = attn_fail(diag, ATTN_ERR_FIELD, "%s:1: no column '%s' in the header", path, COLUMNS[i]);
    model_cache *cache = rc ? NULL : calloc(1, sizeof *cache);
    *results = rc ? NULL : calloc(t.nrows + 1, sizeof **results);
    if (!rc && (!cache || !*results))
        rc = attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    for (size_t row = 0; row < t.nrows && !rc; row++) {
        char *cells[NCOLS];
        for (int i = 0; i < NCOLS; i++)
            cells[i] = t.rows[row][col[i]];
        check_row(cells, path, t.lines[row], cache, options, &(*results)[row]);
    }
    if (!rc)
        *count = t.nrows;
    for (size_t i = 0; cache && i < cache->count; i++)
        attn_model_free(&cache->models[i]);
    free(cache);
    attn_table_free(&t);
    if (rc) {
        free(*results);
        *results = NULL;
    }
    return rc;
}
