/* device_limits.c — the compute roof by precision and the default SRAM of a device. */
#include "device_limits.h"

double attn_device_peak_flops(const attn_device *device, attn_dtype dtype)
{
    return attn_dtype_bits(dtype) > 16 ? device->peak_flops_fp32 : device->peak_flops_fp16;
}

uint64_t attn_device_sram_bytes(const attn_device *device, uint64_t given)
{
    return given ? given : device->shared_mem_per_sm_bytes;
}
