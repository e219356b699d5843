/* device_limits.h — what a device offers the cost model, read one way everywhere: the compute
 * roof for a precision and the on-chip memory a flash tile may fill. Every command, chart,
 * report section and claim that needs either asks here, so they cannot disagree. */
#ifndef ATTN_DEVICE_LIMITS_H
#define ATTN_DEVICE_LIMITS_H

#include "attnscope.h"

/* Dense peak FLOP/s for elements of `dtype`: fp32 on the fp32 roof, every narrower type on
 * the fp16 tensor-core roof (the presets give no fp8/int8 roof, so those are not claimed). */
double attn_device_peak_flops(const attn_device *device, attn_dtype dtype);

/* The SRAM M of the tiled-traffic model: `given` (--sram) when non-zero, else the device's
 * shared memory per SM; 0 when neither says. */
uint64_t attn_device_sram_bytes(const attn_device *device, uint64_t given);

#endif
