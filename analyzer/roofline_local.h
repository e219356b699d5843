/* roofline_local.h — the probed local roofline (FMA and read peaks) that bench rows are held
 * against in their roofline_frac column. */
#ifndef ATTN_ROOFLINE_LOCAL_H
#define ATTN_ROOFLINE_LOCAL_H

#include "attnscope.h"

/* FLOP/s of the FMA loop and bytes/s of the read loop saved by `devices --probe`;
 * ATTN_ERR_IO (both 0) when no local preset is saved or it lacks them. */
int attn_local_roofline(double *fma_flops, double *read_bps);

#endif
