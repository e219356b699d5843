/* backends.c — the table of backends compiled in. */
#include <string.h>

#include "backend.h"

extern const attn_backend attn_backend_cpu;

static const attn_backend *const backends[] = {&attn_backend_cpu};

size_t attn_backend_count(void)
{
    return sizeof backends / sizeof backends[0];
}

const attn_backend *attn_backend_at(size_t index)
{
    return index < attn_backend_count() ? backends[index] : NULL;
}

const attn_backend *attn_backend_find(const char *name)
{
    for (size_t i = 0; i < attn_backend_count(); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}
