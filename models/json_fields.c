/* json_fields.c — typed, range-checked JSON field reads shared by the config and device
 * readers (see json_fields.h for the contract). */
#include "json_fields.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "input_file.h"

enum { JSON_FILE_LIMIT = 64 << 20 };

json_t *json_field(const json_source *src, const char *name, char *found_as, size_t len)
{
    json_t *value = json_object_get(src->primary, name);
    const char *prefix = src->prefix;
    if ((!value || json_is_null(value)) && src->fallback) {
        value = json_object_get(src->fallback, name);
        prefix = "";
    }
    if ((!value || json_is_null(value)) && src->defaults) {
        value = json_object_get(src->defaults, name);
        prefix = "(class default) ";
    }
    if (!value || json_is_null(value))
        return NULL;
    if (found_as)
        snprintf(found_as, len, "%s%s", prefix, name);
    return value;
}

void json_value_text(const json_t *value, char *buf, size_t len)
{
    char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text) {
        snprintf(buf, len, "(unprintable)");
        return;
    }
    if (strlen(text) >= len && len > 4)
        snprintf(buf, len, "%.*s...", (int)(len - 4), text);
    else
        snprintf(buf, len, "%s", text);
    free(text);
}

int json_field_int(const json_source *src, const char *const *names, int64_t min, int64_t max,
                   int64_t *out, bool *present)
{
    char path[160], shown[96];
    *present = false;
    for (; *names; names++) {
        json_t *value = json_field(src, *names, path, sizeof path);
        if (!value)
            continue;
        *present = true;
        json_value_text(value, shown, sizeof shown);
        if (!json_is_integer(value))
            return attn_fail(src->diag, ATTN_ERR_FIELD,
                             "%s: field '%s' = %s: expected an integer", src->label, path,
                             shown);
        json_int_t v = json_integer_value(value);
        if (v < min || v > max) {
            if (v < min && min == 1)
                return attn_fail(src->diag, ATTN_ERR_RANGE,
                                 "%s: field '%s' = %s: must be a positive integer", src->label,
                                 path, shown);
            return attn_fail(src->diag, ATTN_ERR_RANGE,
                             "%s: field '%s' = %s: outside the sane range [%lld, %lld]",
                             src->label, path, shown, (long long)min, (long long)max);
        }
        *out = (int64_t)v;
        return ATTN_OK;
    }
    return ATTN_OK;
}

int json_field_real(const json_source *src, const char *name, double min, double max,
                    double *out, bool *present)
{
    char path[160], shown[96];
    json_t *value = json_field(src, name, path, sizeof path);
    *present = value != NULL;
    if (!value)
        return ATTN_OK;
    json_value_text(value, shown, sizeof shown);
    if (!json_is_number(value))
        return attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field '%s' = %s: expected a number",
                         src->label, path, shown);
    double v = json_number_value(value);
    if (!isfinite(v) || v < min || v > max)
        return attn_fail(src->diag, ATTN_ERR_RANGE,
                         "%s: field '%s' = %s: outside the sane range [%g, %g]", src->label,
                         path, shown, min, max);
    *out = v;
    return ATTN_OK;
}

int json_field_bool(const json_source *src, const char *name, bool *out, bool *present)
{
    char path[160], shown[96];
    json_t *value = json_field(src, name, path, sizeof path);
    *present = value != NULL;
    if (!value)
        return ATTN_OK;
    if (!json_is_boolean(value)) {
        json_value_text(value, shown, sizeof shown);
        return attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field '%s' = %s: expected true or false",
                         src->label, path, shown);
    }
    *out = json_is_true(value);
    return ATTN_OK;
}

int json_field_string(const json_source *src, const char *name, char *buf, size_t len,
                      bool *present)
{
    char path[160], shown[96];
    json_t *value = json_field(src, name, path, sizeof path);
    *present = value != NULL;
    if (!value)
        return ATTN_OK;
    if (!json_is_string(value)) {
        json_value_text(value, shown, sizeof shown);
        return attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field '%s' = %s: expected a string",
                         src->label, path, shown);
    }
    snprintf(buf, len, "%s", json_string_value(value));
    return ATTN_OK;
}

/* Fix (fuzzing): jansson quotes the offending input ("near '...'") raw, so a control byte
 * in a file reached the terminal and could break the one-line message; show it as \xNN. */
static void escape_controls(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 5 < len; in++) {
        unsigned char c = (unsigned char)*in;
        if (c < 0x20)
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

int json_parse_text(const char *text, size_t len, const char *label, json_t **root,
                    attn_diag *diag)
{
    json_error_t err;
    char why[4 * JSON_ERROR_TEXT_LENGTH];
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!*root) {
        escape_controls(err.text, why, sizeof why);
        return attn_fail(diag, ATTN_ERR_PARSE, "%s:%d:%d: malformed JSON: %s", label, err.line,
                         err.column, why);
    }
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return attn_fail(diag, ATTN_ERR_PARSE, "%s: expected a JSON object at the top level",
                         label);
    }
    return ATTN_OK;
}

int json_read_file(const char *path, json_t **root, attn_diag *diag)
{
    FILE *f = attn_input_open(path, diag);
    if (!f)
        return ATTN_ERR_IO;
    /* The buffer grows with the file: a 64 MiB buffer per read, filled by MALLOC_PERTURB_
     * (meson test sets it), made the claim checker's hundreds of preset reads take minutes. */
    size_t cap = 0, len = 0;
    char *text = NULL;
    bool nomem = false;
    while (len == cap && cap <= JSON_FILE_LIMIT) {
        size_t grown = cap ? (cap * 2 < JSON_FILE_LIMIT + 1 ? cap * 2 : JSON_FILE_LIMIT + 1)
                           : 65536;
        char *bigger = realloc(text, grown);
        if (!bigger) {
            nomem = true;
            break;
        }
        text = bigger;
        cap = grown;
        len += fread(text + len, 1, cap - len, f);
    }
    int read_error = ferror(f);
    fclose(f);
    int rc;
    if (nomem)
        rc = attn_fail(diag, ATTN_ERR_NOMEM, "%s: out of memory", path);
    else if (read_error)
        rc = attn_fail(diag, ATTN_ERR_IO, "%s: read error (is it a directory?)", path);
    else if (len > JSON_FILE_LIMIT)
        rc = attn_fail(diag, ATTN_ERR_RANGE, "%s: larger than %d MiB; not a config file", path,
                       JSON_FILE_LIMIT >> 20);
    else
        rc = json_parse_text(text, len, path, root, diag);
    free(text);
    return rc;
}
