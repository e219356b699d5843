/* json_fields.h — typed, range-checked reads of JSON object fields (internal).
 *
 * Both the config.json reader and the device-preset reader go through these so that every
 * bad value produces the same kind of line: "FILE: field 'NAME' = VALUE: why".
 * A JSON null counts as absent, as in Hugging Face configs ("sliding_window": null).
 */
#ifndef ATTN_JSON_FIELDS_H
#define ATTN_JSON_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "attnscope.h"

typedef struct json_source {
    const char *label;  /* file name for messages */
    const char *prefix; /* "text_config." when reading a nested config, else "" */
    json_t *primary;    /* object searched first */
    json_t *fallback;   /* searched when primary lacks the field (may be NULL) */
    json_t *defaults;   /* the config class's defaults, searched last (may be NULL) */
    attn_diag *diag;
} json_source;

/* The field's value, or NULL when absent or null. `found_as` receives the path it was
 * found under (for messages). */
json_t *json_field(const json_source *src, const char *name, char *found_as, size_t len);

/* A short rendering of a JSON value for messages: compact JSON, strings quoted and escaped
 * (so the message stays one line), cut to len with "..." when longer. */
void json_value_text(const json_t *value, char *buf, size_t len);

/* First of `names` (NULL-terminated) that is present. Integers in [min, max]; *present tells
 * whether any was. Returns ATTN_OK or an error with the message written. */
int json_field_int(const json_source *src, const char *const *names, int64_t min, int64_t max,
                   int64_t *out, bool *present);
int json_field_real(const json_source *src, const char *name, double min, double max,
                    double *out, bool *present);
int json_field_bool(const json_source *src, const char *name, bool *out, bool *present);
/* Copies a string field into buf (truncated to len - 1). */
int json_field_string(const json_source *src, const char *name, char *buf, size_t len,
                      bool *present);

/* Reads a whole file (at most 64 MiB) and parses it; messages name the line and column. */
int json_read_file(const char *path, json_t **root, attn_diag *diag);
int json_parse_text(const char *text, size_t len, const char *label, json_t **root,
                    attn_diag *diag);

#endif
