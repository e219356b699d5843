/* claims.c — reading a claims file and checking each row (see claims.h). A bad row, short
 * or long ones included, is UNCHECKABLE with its line and column; the others are still
 * checked. Rows are streamed: memory does not grow with the number of rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_internal.h"
#include "diag.h"
#include "table.h"
#include "utf8_text.h"

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
    attn_utf8_copy(r->id, sizeof r->id, cells[COL_ID]);
    attn_utf8_copy(r->text, sizeof r->text, cells[COL_TEXT]);
    attn_utf8_copy(r->source, sizeof r->source, cells[COL_SOURCE]);
    attn_utf8_copy(r->metric, sizeof r->metric, cells[COL_METRIC]);
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
    if (!isfinite(r->computed)) { /* an infinite value must never HOLD by accident */
        uncheckable(r, path, line, -1, "the computed value is not a finite number");
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

typedef struct claims_stream {
    const char *path;
    const attn_claims_options *options;
    attn_claim_each_fn fn;
    void *user;
    model_cache *cache;
    int col[NCOLS];
    bool header_checked;
    attn_diag *diag;
} claims_stream;

static int find_columns(claims_stream *st, const char *const *header, size_t ncols)
{
    for (int i = 0; i < NCOLS; i++) {
        st->col[i] = -1;
        for (size_t c = 0; c < ncols && st->col[i] < 0; c++)
            if (strcmp(header[c], COLUMNS[i]) == 0)
                st->col[i] = (int)c;
        if (st->col[i] < 0)
            return attn_fail(st->diag, ATTN_ERR_FIELD, "%s:1: no column '%s' in the header",
                             st->path, COLUMNS[i]);
    }
    st->header_checked = true;
    return ATTN_OK;
}

static int on_claim_row(void *user, const char *const *header, size_t ncols,
                        const char *const *cells, size_t ncells, size_t line)
{
    claims_stream *st = user;
    int rc = st->header_checked ? ATTN_OK : find_columns(st, header, ncols);
    if (rc)
        return rc;
    attn_claim_result r;
    memset(&r, 0, sizeof r);
    if (ncells != ncols) {
        char why[96];
        snprintf(why, sizeof why, "%zu fields, but the header has %zu", ncells, ncols);
        r.line = line;
        attn_utf8_copy(r.id, sizeof r.id, ncells > (size_t)st->col[COL_ID] ? cells[st->col[COL_ID]] : "");
        uncheckable(&r, st->path, line, -1, why);
    } else {
        char *row[NCOLS];
        for (int i = 0; i < NCOLS; i++)
            row[i] = (char *)cells[st->col[i]];
        check_row(row, st->path, line, st->cache, st->options, &r);
    }
    attn_utf8_fix(r.explanation); /* built from the row's text; snprintf may cut a character */
    return st->fn(st->user, &r);
}

int attn_claims_each(const char *path, const attn_claims_options *options,
                     attn_claim_each_fn fn, void *user, attn_diag *diag)
{
    claims_stream st = {.path = path, .options = options, .fn = fn, .user = user, .diag = diag,
                        .cache = calloc(1, sizeof(model_cache))};
    if (!st.cache)
        return attn_fail(diag, ATTN_ERR_NOMEM, "out of memory");
    int rc = attn_table_each(path, on_claim_row, &st, diag);
    for (size_t i = 0; i < st.cache->count; i++)
        attn_model_free(&st.cache->models[i]);
    free(st.cache);
    return rc;
}

typedef struct claims_collect {
    attn_claim_result *results;
    size_t count, cap;
    attn_diag *diag;
} claims_collect;

static int collect(void *user, const attn_claim_result *r)
{
    claims_collect *c = user;
    if (c->count == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        attn_claim_result *grown = realloc(c->results, cap * sizeof *grown);
        if (!grown)
            return attn_fail(c->diag, ATTN_ERR_NOMEM, "out of memory");
        c->results = grown;
        c->cap = cap;
    }
    c->results[c->count++] = *r;
    return ATTN_OK;
}

int attn_claims_check(const char *path, const attn_claims_options *options,
                      attn_claim_result **results, size_t *count, attn_diag *diag)
{
    claims_collect c = {.diag = diag};
    int rc = attn_claims_each(path, options, collect, &c, diag);
    if (rc) {
        free(c.results);
        c.results = NULL;
        c.count = 0;
    }
    *results = c.results;
    *count = c.count;
    return rc;
}
