/* chart_memory.h — where each GPU's memory goes under a serving engine, as stacked bars. */
#ifndef ATTN_CHART_MEMORY_H
#define ATTN_CHART_MEMORY_H

#include <stddef.h>

#include "attnscope.h"

enum { ATTN_MEMORY_PARTS = 6 }; /* weights, activations, non-torch, CUDA graphs, KV, unused */

typedef struct attn_memory_bar {
    char label[96];                 /* "H100-SXM, TP 4" */
    double gib[ATTN_MEMORY_PARTS];  /* GiB per GPU; negative parts are drawn as 0 */
} attn_memory_bar;

/* One bar per entry, parts stacked bottom-up in the order above, to .svg/.png/.pdf. */
int attn_chart_memory(const char *title, const attn_memory_bar *bars, size_t n,
                      const char *path, attn_diag *diag);

#endif
