/* class_defaults.h — transformers config-class defaults for fields a config.json omits. */
#ifndef ATTN_CLASS_DEFAULTS_H
#define ATTN_CLASS_DEFAULTS_H

#include <jansson.h>

/* A new reference to the defaults object of `model_type`, or NULL when none are known. */
json_t *attn_class_defaults(const char *model_type);

#endif
