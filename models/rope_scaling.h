/* rope_scaling.h — reading a config's rope_scaling block (internal; config_read.c calls it).
 *
 * The context limit it implies is public: attn_model_context_limit() in attnscope.h.
 */
#ifndef ATTN_ROPE_SCALING_H
#define ATTN_ROPE_SCALING_H

#include "json_fields.h"

/* Fills rope_type, rope_factor and rope_original_context from `rope_scaling` (absent or
 * null: none). A block that is not an object, or a factor that is not a number >= 1, is an
 * error naming the field. */
int attn_rope_read(const json_source *src, attn_model *model);

#endif
