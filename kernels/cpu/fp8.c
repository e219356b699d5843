/* fp8.c — the OCP 8-bit float formats of fp8 KV caches, to and from fp32, by hand.
 *
 * vLLM stores fp8 caches as e4m3fn (4 exponent bits, bias 7, no infinities, one NaN code per
 * sign, largest finite 448) or e5m2 (binary16's top byte: bias 15, largest finite 57344, with
 * infinities). Source: the OCP 8-bit Floating Point Specification (OFP8) rev. 1.0, table 1.
 * Rounding is to nearest, ties to even, done in exact arithmetic: a / quantum is exact (the
 * quantum is a power of two) and rintf rounds ties to even in the default mode. e4m3
 * saturates finite values to +-448, as CUDA's __NV_SATFINITE conversion used by vLLM does.
 */
#include <math.h>

#include "../kernels.h"

/* |value| rounded onto the grid of a format with `mant` mantissa bits and smallest normal
 * exponent `emin` (subnormals below it). */
static float round_to_grid(float a, int mant, int emin)
{
    int e;
    frexpf(a, &e); /* a = f * 2^e, f in [0.5, 1) */
    int exponent = e - 1 < emin ? emin : e - 1;
    float quantum = ldexpf(1.0f, exponent - mant);
    return rintf(a / quantum) * quantum;
}

/* Bits of a non-negative grid value r (not above the format's largest finite). */
static uint8_t grid_bits(float r, int mant, int bias)
{
    const int emin = 1 - bias;
    if (r < ldexpf(1.0f, emin))
        return (uint8_t)lrintf(ldexpf(r, mant - emin));
    int e;
    float f = frexpf(r, &e);
    e -= 1;
    uint8_t mantissa = (uint8_t)lrintf(ldexpf(2.0f * f - 1.0f, mant));
    return (uint8_t)(((e + bias) << mant) | mantissa);
}

uint8_t attn_f32_to_e4m3(float value)
{
    uint8_t sign = signbit(value) ? 0x80 : 0;
    if (isnan(value))
        return sign | 0x7f;
    float r = round_to_grid(fabsf(value), 3, -6);
    if (!(r <= 448.0f))
        r = 448.0f;
    return sign | grid_bits(r, 3, 7);
}

float attn_e4m3_to_f32(uint8_t bits)
{
    int exponent = (bits >> 3) & 0xf, mantissa = bits & 7;
    float magnitude;
    if (exponent == 0xf && mantissa == 7)
        magnitude = NAN;
    else if (exponent == 0)
        magnitude = ldexpf((float)mantissa, -9);
    else
        magnitude = ldexpf(1.0f + (float)mantissa / 8.0f, exponent - 7);
    return bits & 0x80 ? -magnitude : magnitude;
}

uint8_t attn_f32_to_e5m2(float value)
{
    uint8_t sign = signbit(value) ? 0x80 : 0;
    if (isnan(value))
        return sign | 0x7e;
    float r = round_to_grid(fabsf(value), 2, -14);
    if (!(r <= 57344.0f))
        return sign | 0x7c;
    return sign | grid_bits(r, 2, 15);
}

float attn_e5m2_to_f32(uint8_t bits)
{
    return attn_f16_to_f32((uint16_t)(bits << 8));
}
