/* hf_cache.h — Hugging Face model ids (org/name[@revision]) from the local hub cache (internal).
 *
 * attn_model_load falls back to this when a spec is neither a file, a directory nor a preset.
 * Nothing here touches the network: an id that is not cached is an error whose one line
 * gives the exact `huggingface-cli download` command that would fetch its config.
 */
#ifndef ATTN_HF_CACHE_H
#define ATTN_HF_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "attnscope.h"

/* True when spec has the shape org/name or org/name@revision. */
bool attn_hf_is_id(const char *spec);
/* The hub cache directory in use ($HF_HUB_CACHE, $HF_HOME/hub, ...) into buf. */
const char *attn_hf_cache_dir(char *buf, size_t len);
/* Path of the cached config.json of `spec` at its revision (default main). */
int attn_hf_resolve(const char *spec, char *path, size_t len, attn_diag *diag);

#endif
