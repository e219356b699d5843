/* device_read.c — GPU presets (models/devices/NAME.json), and `local`, this machine's
 * preset that `attnscope devices --probe` measured and saved in the user's config directory.
 *
 * Each number in a preset carries its source in the file's "sources" object; this reader
 * only checks that the numbers are present and sane.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "json_fields.h"
#include "presets.h"

/* The optional fields of the cache-aware model: a preset without them still loads. */
static int read_cache_fields(const json_source *src, const char *path, attn_device *dev)
{
    char tiles[16] = "";
    bool present;
    int rc = json_field_string(src, "flash_tiles", tiles, sizeof tiles, &present);
    if (!rc && present && attn_tiles_parse(tiles, &dev->flash_tiles))
        rc = attn_fail(src->diag, ATTN_ERR_FIELD, "%s: field 'flash_tiles' is '%s': expected "
                                                  "sram, fa2, fa3 or splitkv", path, tiles);
    if (!rc)
        rc = json_field_bool(src, "cpu_caches", &dev->cpu_caches, &present);
    if (!rc)
        rc = json_field_real(src, "l2_bandwidth_bytes_per_s", 1e6, 1e16,
                             &dev->l2_bandwidth_bytes_per_s, &present);
    return rc;
}

static int read_device(json_t *root, const char *path, attn_device *dev, attn_diag *diag)
{
    json_source src = {path, "", root, NULL, NULL, diag};
    static const char *const MEMORY[] = {"memory_bytes", NULL};
    static const char *const SMEM[] = {"shared_mem_per_sm_bytes", NULL};
    static const char *const SMS[] = {"sm_count", NULL};
    static const char *const L2[] = {"l2_bytes", NULL};
    bool present;
    int64_t memory = 0, smem = 0, l2 = 0;
    int rc = json_field_string(&src, "name", dev->name, sizeof dev->name, &present);
    if (!rc)
        rc = json_field_string(&src, "description", dev->description, sizeof dev->description,
                               &present);
    if (!rc)
        rc = json_field_int(&src, MEMORY, 1, INT64_MAX, &memory, &present);
    if (!rc && !present)
        rc = attn_fail(diag, ATTN_ERR_FIELD, "%s: field 'memory_bytes' is missing", path);
    if (!rc)
        rc = json_field_real(&src, "bandwidth_bytes_per_s", 1e6, 1e15, &dev->bandwidth_bytes_per_s,
                             &present);
    if (!rc)
        rc = json_field_real(&src, "peak_flops_fp16", 1e6, 1e18, &dev->peak_flops_fp16, &present);
    if (!rc)
        rc = json_field_real(&src, "peak_flops_fp32", 1e6, 1e18, &dev->peak_flops_fp32, &present);
    if (!rc)
        rc = json_field_int(&src, SMEM, 1, INT64_C(1) << 32, &smem, &present);
    if (!rc)
        rc = json_field_int(&src, SMS, 1, 1 << 20, &dev->sm_count, &present);
    if (!rc)
        rc = json_field_int(&src, L2, 1, INT64_C(1) << 40, &l2, &present);
    int64_t exposed = 0;
    static const char *const EXPOSED[] = {"memory_exposed_bytes", NULL};
    if (!rc)
        rc = json_field_int(&src, EXPOSED, 1, memory, &exposed, &present);
    if (!rc)
        rc = read_cache_fields(&src, path, dev);
    dev->memory_bytes = (uint64_t)memory;
    dev->memory_exposed_bytes = exposed ? (uint64_t)exposed : (uint64_t)memory;
    dev->shared_mem_per_sm_bytes = (uint64_t)smem;
    dev->l2_bytes = (uint64_t)l2;
    return rc;
}

int attn_local_device_path(char *path, size_t len, attn_diag *diag)
{
    const char *env = getenv("ATTNSCOPE_LOCAL_DEVICE"), *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(path, len, "%s", env);
    else if (xdg && *xdg)
        snprintf(path, len, "%s/attnscope/devices/local.json", xdg);
    else if (home && *home)
        snprintf(path, len, "%s/.config/attnscope/devices/local.json", home);
    else
        return attn_fail(diag, ATTN_ERR_IO, "no place for the local device: set "
                                            "ATTNSCOPE_LOCAL_DEVICE or HOME");
    return ATTN_OK;
}

/* "local" is the probed preset of this machine, kept outside the shipped ones. */
static int resolve_local(char *path, size_t len, attn_diag *diag)
{
    struct stat st;
    int rc = attn_local_device_path(path, len, diag);
    if (!rc && stat(path, &st) != 0)
        rc = attn_fail(diag, ATTN_ERR_UNKNOWN, "'local': %s does not exist: run attnscope "
                                               "devices --probe first", path);
    return rc;
}

int attn_device_load(const char *spec, attn_device *device, attn_diag *diag)
{
    char path[1024];
    bool is_preset;
    memset(device, 0, sizeof *device);
    int rc = spec && strcmp(spec, "local") == 0
                 ? resolve_local(path, sizeof path, diag)
                 : attn_preset_resolve(spec, attn_device_dir(), NULL, "device", path,
                                       sizeof path, &is_preset, diag);
    json_t *root = NULL;
    if (!rc)
        rc = json_read_file(path, &root, diag);
    if (rc)
        return rc;
    snprintf(device->path, sizeof device->path, "%s", path);
    rc = read_device(root, path, device, diag);
    if (!rc && !device->name[0])
        snprintf(device->name, sizeof device->name, "%s", spec);
    json_decref(root);
    return rc;
}

attn_cache_model attn_device_cache(const attn_device *dev)
{
    return (attn_cache_model){dev->flash_tiles, dev->l2_bytes, dev->sm_count, dev->cpu_caches};
}

int attn_device_foreach(int (*visit)(const char *name, const char *path, void *user), void *user)
{
    return attn_preset_walk(attn_device_dir(), visit, user);
}
