/* variant_registry.c — the one table of attention variants. */
#include <string.h>

#include "attnscope.h"
#include "variant.h"

extern const attn_variant_type attn_variant_standard;
extern const attn_variant_type attn_variant_flash;
extern const attn_variant_type attn_variant_flash1;
extern const attn_variant_type attn_variant_mla;
extern const attn_variant_type attn_variant_mla_naive;
extern const attn_variant_type attn_variant_performer;
extern const attn_variant_type attn_variant_lowrank;

static const attn_variant_type *const registry[] = {
    &attn_variant_standard,  &attn_variant_flash,     &attn_variant_flash1,
    &attn_variant_mla,       &attn_variant_mla_naive, &attn_variant_performer,
    &attn_variant_lowrank,
};

enum { REGISTRY_SIZE = sizeof registry / sizeof registry[0] };

const attn_variant_type *attn_variant_find(const char *name)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const attn_variant_type *attn_variant_at(size_t index)
{
    return index < REGISTRY_SIZE ? registry[index] : NULL;
}

const attn_variant_type *attn_variant_alias_find(const char *name,
                                                 const attn_variant_alias **alias)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        for (const attn_variant_alias *a = registry[i]->aliases; a && a->name; a++)
            if (strcmp(a->name, name) == 0) {
                *alias = a;
                return registry[i];
            }
    return NULL;
}

const char *attn_variant_alias_name(attn_head_rule heads)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        for (const attn_variant_alias *a = registry[i]->aliases; a && a->name; a++)
            if (a->heads == heads)
                return a->name;
    return NULL;
}

const attn_variant_type *attn_variant_native(bool mla)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        if (registry[i]->native == (mla ? ATTN_NATIVE_MLA : ATTN_NATIVE_DENSE))
            return registry[i];
    return registry[0];
}

size_t attn_variant_list(unsigned show, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < REGISTRY_SIZE; i++) {
        for (const attn_variant_alias *a = registry[i]->aliases; a && a->name; a++)
            if ((a->show & show) && n < max)
                names[n++] = a->name;
        if ((registry[i]->show & show) && n < max)
            names[n++] = registry[i]->name;
    }
    return n;
}

const attn_kernel_ops *attn_variant_ops(const attn_variant_type *type, attn_backend_kind kind)
{
    return kind == ATTN_BACKEND_KIND_GPU ? type->gpu_ops : type->cpu_ops;
}

const attn_variant_type *attn_variant_other_knob(const attn_variant_type *type)
{
    for (size_t i = 0; i < REGISTRY_SIZE; i++)
        if (registry[i] != type && registry[i]->knob.name)
            return registry[i];
    return NULL;
}

size_t attn_variant_count(void)
{
    return REGISTRY_SIZE;
}

const char *attn_variant_name(size_t index)
{
    return index < REGISTRY_SIZE ? registry[index]->name : NULL;
}

const char *attn_variant_summary(size_t index)
{
    return index < REGISTRY_SIZE ? registry[index]->summary : NULL;
}
