/* quant_config.h — reading a config.json's quantization_config into an attn_quant (internal). */
#ifndef ATTN_QUANT_CONFIG_H
#define ATTN_QUANT_CONFIG_H

#include <jansson.h>

#include "attnscope.h"

/* `qc` is the quantization_config object (NULL: not quantised). An unknown quant_method is
 * ATTN_ERR_UNKNOWN with one line naming the file, field and value. */
int attn_quant_read(const json_t *qc, const char *label, attn_quant *out, attn_diag *diag);

#endif
