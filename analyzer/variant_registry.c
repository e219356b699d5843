/* variant_registry.c — the registry of attention variants: the built-in table (generated from
 * analyzer/variants/meson.build) and those added at run time. */
#include <string.h>

#include "attnscope.h"
#include "variant.h"

enum { ADDED_MAX = 8 };

/* Variants added at run time (attn_variant_register), after the built-in ones. */
static const attn_variant_type *added[ADDED_MAX];
static size_t nadded;

static size_t total(void)
{
    return attn_variant_builtin_count + nadded;
}

static const attn_variant_type *entry(size_t index)
{
    return index < attn_variant_builtin_count ? attn_variant_builtin[index]
                                              : added[index - attn_variant_builtin_count];
}

int attn_variant_register(const attn_variant_type *type)
{
    const attn_variant_alias *alias;
    if (!type || !type->name || !type->summary || !type->kv_elems || !type->kv_formula ||
        !type->cost || attn_variant_find(type->name) || attn_variant_alias_find(type->name, &alias))
        return ATTN_ERR_FIELD;
    if (nadded == ADDED_MAX)
        return ATTN_ERR_RANGE;
    added[nadded++] = type;
    return ATTN_OK;
}

const attn_variant_type *attn_variant_find(const char *name)
{
    for (size_t i = 0; i < total(); i++)
        if (strcmp(entry(i)->name, name) == 0)
            return entry(i);
    return NULL;
}

const attn_variant_type *attn_variant_at(size_t index)
{
    return index < total() ? entry(index) : NULL;
}

const attn_variant_type *attn_variant_alias_find(const char *name,
                                                 const attn_variant_alias **alias)
{
    for (size_t i = 0; i < total(); i++)
        for (const attn_variant_alias *a = entry(i)->aliases; a && a->name; a++)
            if (strcmp(a->name, name) == 0) {
                *alias = a;
                return entry(i);
            }
    return NULL;
}

const char *attn_variant_alias_name(attn_head_rule heads)
{
    for (size_t i = 0; i < total(); i++)
        for (const attn_variant_alias *a = entry(i)->aliases; a && a->name; a++)
            if (a->heads == heads)
                return a->name;
    return NULL;
}

const attn_variant_type *attn_variant_native(bool mla)
{
    for (size_t i = 0; i < total(); i++)
        if (entry(i)->native == (mla ? ATTN_NATIVE_MLA : ATTN_NATIVE_DENSE))
            return entry(i);
    return entry(0);
}

size_t attn_variant_list(unsigned show, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < total(); i++) {
        for (const attn_variant_alias *a = entry(i)->aliases; a && a->name; a++)
            if ((a->show & show) && n < max)
                names[n++] = a->name;
        if ((entry(i)->show & show) && n < max)
            names[n++] = entry(i)->name;
    }
    return n;
}

const attn_kernel_ops *attn_variant_ops(const attn_variant_type *type, attn_backend_kind kind)
{
    return kind == ATTN_BACKEND_KIND_GPU ? type->gpu_ops : type->cpu_ops;
}

const attn_variant_type *attn_variant_other_knob(const attn_variant_type *type)
{
    for (size_t i = 0; i < total(); i++)
        if (entry(i) != type && entry(i)->knob.name)
            return entry(i);
    return NULL;
}

size_t attn_variant_count(void)
{
    return total();
}

const char *attn_variant_name(size_t index)
{
    return index < total() ? entry(index)->name : NULL;
}

const char *attn_variant_summary(size_t index)
{
    return index < total() ? entry(index)->summary : NULL;
}
