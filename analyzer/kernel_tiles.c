/* kernel_tiles.c — forward tiles of FlashAttention-2, FlashAttention-3 and the split-KV
 * (FlashDecoding) path, as their sources choose them for 16-bit inputs.
 *
 * FlashAttention-2: csrc/flash_attn/src/flash_fwd_launch_template.h, run_mha_fwd_hdim32 ..
 * run_mha_fwd_hdim256 (Dao-AILab/flash-attention), the branch taken on A100 and H100 (not
 * sm86/sm89) without dropout. 4-warp kernels with <= 64 KiB of shared memory fit two blocks
 * per SM; the 8-warp ones one.
 * FlashAttention-3 (Hopper): hopper/tile_size.h, tile_size_fwd_sm90 (element size 2, two
 * MMA warpgroups, no paging or softcap); its kernel is persistent, one CTA per SM walking
 * the tiles (hopper/tile_scheduler.hpp, StaticPersistentTileScheduler).
 * Split-KV (decode): run_mha_fwd_splitkv_dispatch in the FA-2 launch template: kBlockM 64,
 * kBlockN 256 / 128 / 64 for head dims <= 64 / <= 128 / larger.
 */
#include <string.h>

#include "kernel_tiles.h"

static attn_kernel_tile fa2_tile(int64_t d)
{
    if (d <= 64)
        return (attn_kernel_tile){128, 128, 2}; /* hdim32 and hdim64 */
    if (d <= 128)
        return (attn_kernel_tile){128, 64, 2};  /* hdim96 and hdim128 */
    return (attn_kernel_tile){128, 64, 1};      /* hdim192, hdim256 (A100): 8 warps */
}

static attn_kernel_tile fa3_tile(int64_t d, bool causal)
{
    if (d <= 64)
        return (attn_kernel_tile){192, causal ? 128 : 192, 1};
    if (d <= 96)
        return (attn_kernel_tile){192, 144, 1};
    if (d <= 128)
        return (attn_kernel_tile){128, causal ? 128 : 176, 1};
    if (d <= 192)
        return (attn_kernel_tile){128, 128, 1};
    return (attn_kernel_tile){128, 80, 1};
}

static attn_kernel_tile splitkv_tile(int64_t d)
{
    return (attn_kernel_tile){64, d <= 64 ? 256 : d <= 128 ? 128 : 64, 2};
}

bool attn_kernel_tile_for(attn_tiles kind, int64_t d, bool causal, attn_kernel_tile *out)
{
    if (d < 1 || d > 256)
        return false;
    switch (kind) {
    case ATTN_TILES_FA2: *out = fa2_tile(d); return true;
    case ATTN_TILES_FA3: *out = fa3_tile(d, causal); return true;
    case ATTN_TILES_SPLITKV: *out = splitkv_tile(d); return true;
    default: return false;
    }
}

const char *attn_tiles_name(attn_tiles kind)
{
    static const char *const names[] = {"sram", "fa2", "fa3", "splitkv"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

int attn_tiles_parse(const char *text, attn_tiles *kind)
{
    for (attn_tiles k = ATTN_TILES_SRAM; k <= ATTN_TILES_SPLITKV; k++)
        if (text && strcmp(text, attn_tiles_name(k)) == 0) {
            *kind = k;
            return ATTN_OK;
        }
    return ATTN_ERR_UNKNOWN;
}
