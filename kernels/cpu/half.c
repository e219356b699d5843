/* half.c — IEEE binary16 and bfloat16 <-> fp32, round-to-nearest-even, written out by hand.
 *
 * KV caches are served in fp16 or bf16; decode must read them exactly as a GPU would store
 * them, without depending on compiler support for _Float16 or on the FPU's rounding mode.
 * Rounding is done on the bit patterns: NaN stays NaN (quietened), overflow goes to infinity,
 * tiny values become binary16 subnormals or signed zero.
 */
#include <string.h>

#include "../kernels.h"

static uint32_t bits_of(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static float float_of(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* value >> shift, rounded to nearest, ties to even. */
static uint32_t shift_round_even(uint32_t value, unsigned shift)
{
    uint32_t kept = value >> shift;
    uint32_t rest = value & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    return kept + (rest > half || (rest == half && (kept & 1)));
}

uint16_t attn_f32_to_f16(float value)
{
    uint32_t bits = bits_of(value);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
    uint32_t magnitude = bits & 0x7fffffff;
    if (magnitude > 0x7f800000)
        return sign | 0x7e00 | (uint16_t)((magnitude >> 13) & 0x1ff);
    if (magnitude >= 0x477ff000) /* 65520 and up round to infinity */
        return sign | 0x7c00;
    if (magnitude >= 0x38800000) /* normal: rebias the exponent from 127 to 15 */
        return sign | (uint16_t)shift_round_even(magnitude - ((127u - 15u) << 23), 13);
    if (magnitude <= 0x33000000) /* at most 2^-25: rounds to zero (2^-25 is a tie, to even) */
        return sign;
    /* subnormal: the value in units of 2^-24 */
    uint32_t exponent = magnitude >> 23;
    uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
    return sign | (uint16_t)shift_round_even(mantissa, 126 - exponent);
}

float attn_f16_to_f32(uint16_t bits)
{
    uint32_t sign = (uint32_t)(bits & 0x8000) << 16;
    uint32_t exponent = (bits >> 10) & 0x1f;
    uint32_t mantissa = bits & 0x3ff;
    if (exponent == 0x1f)
        return float_of(sign | 0x7f800000 | (mantissa << 13));
    if (exponent != 0)
        return float_of(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    float subnormal = (float)mantissa * 0x1p-24f;
    return sign ? -subnormal : subnormal;
}

uint16_t attn_f32_to_bf16(float value)
{
    uint32_t bits = bits_of(value);
    if ((bits & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((bits >> 16) | 0x40);
    return (uint16_t)shift_round_even(bits, 16);
}

float attn_bf16_to_f32(uint16_t bits)
{
    return float_of((uint32_t)bits << 16);
}
