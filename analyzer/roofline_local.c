/* roofline_local.c — the local machine's roofline for `roofline_frac`: the FMA loop's and the
 * STREAM read's medians from the preset `attnscope devices --probe` saved (probe_save.c).
 *
 * Decode is a stream of reads with no writes, so its memory roof is the read loop, not the
 * triad the preset's headline bandwidth holds; its compute roof is the FMA loop (decode is
 * dot products, not a GEMM). Both are in the preset's "probe" object.
 */
#include <jansson.h>

#include "presets.h"
#include "roofline_local.h"

static double median_of(const json_t *probe, const char *key)
{
    const json_t *spread = json_object_get(probe, key);
    const json_t *median = spread ? json_object_get(spread, "median") : NULL;
    return median && json_is_number(median) ? json_number_value(median) : 0;
}

int attn_local_roofline(double *fma_flops, double *read_bps)
{
    char path[1024];
    attn_diag diag = {{0}};
    *fma_flops = *read_bps = 0;
    if (attn_local_device_path(path, sizeof path, &diag))
        return ATTN_ERR_IO;
    json_t *root = json_load_file(path, 0, NULL);
    const json_t *probe = root ? json_object_get(root, "probe") : NULL;
    if (probe) {
        *fma_flops = median_of(probe, "fma_flops");
        *read_bps = median_of(probe, "read_bytes_per_s");
    }
    json_decref(root);
    return *fma_flops > 0 && *read_bps > 0 ? ATTN_OK : ATTN_ERR_IO;
}
