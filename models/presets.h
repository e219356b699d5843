/* presets.h — finding model and device preset files (internal).
 *
 * Presets are plain files under models/ (HF config.json style) and models/devices/, so a
 * user can read, copy and edit them; nothing is compiled in.
 */
#ifndef ATTN_PRESETS_H
#define ATTN_PRESETS_H

#include <stddef.h>

#include "attnscope.h"

/* Resolve `spec` to a file: an existing file, a directory's `dir_file` (NULL: directories are
 * not accepted), or `<preset_dir>/<spec>.json` (case-insensitive). `kind` ("model", "device")
 * names the thing in messages. On success *is_preset tells which rule matched. */
int attn_preset_resolve(const char *spec, const char *preset_dir, const char *dir_file,
                        const char *kind, char *path, size_t len, bool *is_preset,
                        attn_diag *diag);

/* Visit every *.json in dir, sorted by name, passing the name without ".json". */
int attn_preset_walk(const char *dir, int (*visit)(const char *name, const char *path, void *user),
                     void *user);

const char *attn_device_dir(void);

/* Where `attnscope devices --probe` saves this machine's preset, which attn_device_load
 * reads for the name "local": $ATTNSCOPE_LOCAL_DEVICE, else
 * $XDG_CONFIG_HOME/attnscope/devices/local.json, else ~/.config/attnscope/devices/local.json.
 * ATTN_ERR_IO when neither variable nor HOME is set. */
int attn_local_device_path(char *path, size_t len, attn_diag *diag);

int attn_model_read_file(const char *path, const char *name, attn_model *model, attn_diag *diag);

#endif
