/* test_half.c — fp16 and bf16 conversions: exact values survive, ties round to even,
 * overflow, subnormals, infinities and NaN behave as IEEE 754 says. */
#include <string.h>

#include "kernel_test_util.h"

static float float_of(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void test_f16_round_trip_of_representable_values(void **state)
{
    (void)state;
    const float exact[] = {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, -65504.0f, 0x1p-14f, 0x1p-24f,
                           0x3ffp-24f, 1.0009765625f, 1000.5f};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) {
        float back = attn_f16_to_f32(attn_f32_to_f16(exact[i]));
        assert_memory_equal(&back, &exact[i], sizeof back);
    }
    for (uint32_t bits = 0; bits < 0x7c00; bits++) /* every finite positive half */
        assert_int_equal(attn_f32_to_f16(attn_f16_to_f32((uint16_t)bits)), bits);
}

static void test_f16_rounds_to_nearest_even(void **state)
{
    (void)state;
    /* 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: even mantissa 0 wins. */
    assert_int_equal(attn_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
    /* 1 + 3·2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even). */
    assert_int_equal(attn_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);
    /* just above the halfway point rounds up */
    assert_int_equal(attn_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    /* subnormals: 2^-25 ties to zero, 3·2^-25 ties to 2·2^-24, a hair above 2^-25 to 2^-24 */
    assert_int_equal(attn_f32_to_f16(0x1p-25f), 0x0000);
    assert_int_equal(attn_f32_to_f16(3 * 0x1p-25f), 0x0002);
    assert_int_equal(attn_f32_to_f16(0x1.000002p-25f), 0x0001);
    assert_int_equal(attn_f32_to_f16(-0x1p-26f), 0x8000);
    /* the largest subnormal rounds up into the smallest normal */
    assert_int_equal(attn_f32_to_f16(0x3ffp-24f + 0x1p-25f), 0x0400);
    /* 65519 rounds down to 65504; 65520 is the tie that goes to infinity */
    assert_int_equal(attn_f32_to_f16(65519.0f), 0x7bff);
    assert_int_equal(attn_f32_to_f16(65520.0f), 0x7c00);
    assert_int_equal(attn_f32_to_f16(-1e9f), 0xfc00);
}

static void test_f16_inf_and_nan(void **state)
{
    (void)state;
    assert_int_equal(attn_f32_to_f16(INFINITY), 0x7c00);
    assert_int_equal(attn_f32_to_f16(-INFINITY), 0xfc00);
    assert_true(isinf(attn_f16_to_f32(0x7c00)) && attn_f16_to_f32(0x7c00) > 0);
    uint16_t nan_bits = attn_f32_to_f16(NAN);
    assert_int_equal(nan_bits & 0x7c00, 0x7c00);
    assert_true((nan_bits & 0x3ff) != 0);
    /* a signalling NaN whose payload sits in the low bits must not become infinity */
    assert_true((attn_f32_to_f16(float_of(0x7f800001)) & 0x3ff) != 0);
    assert_true(isnan(attn_f16_to_f32(0x7e00)));
    assert_true(isnan(attn_f16_to_f32(0xfc01)));
}

static void test_bf16_round_trip_and_rounding(void **state)
{
    (void)state;
    const float exact[] = {0.0f, -0.0f, 1.0f, -3.0f, 0x1p-133f, 0x1.fep127f};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) {
        float back = attn_bf16_to_f32(attn_f32_to_bf16(exact[i]));
        assert_memory_equal(&back, &exact[i], sizeof back);
    }
    for (uint32_t bits = 0; bits < 0x7f80; bits++) /* every finite positive bf16 */
        assert_int_equal(attn_f32_to_bf16(attn_bf16_to_f32((uint16_t)bits)), bits);
    assert_int_equal(attn_f32_to_bf16(float_of(0x3f808000)), 0x3f80); /* tie, even stays */
    assert_int_equal(attn_f32_to_bf16(float_of(0x3f818000)), 0x3f82); /* tie, odd goes up */
    assert_int_equal(attn_f32_to_bf16(float_of(0x3f808001)), 0x3f81); /* above the tie */
    assert_int_equal(attn_f32_to_bf16(float_of(0xbf807fff)), 0xbf80); /* below the tie */
    assert_int_equal(attn_f32_to_bf16(float_of(0x7f7fffff)), 0x7f80); /* overflow to inf */
    assert_int_equal(attn_f32_to_bf16(INFINITY), 0x7f80);
    assert_int_equal(attn_f32_to_bf16(-INFINITY), 0xff80);
    assert_true(isnan(attn_bf16_to_f32(attn_f32_to_bf16(NAN))));
    assert_true(isnan(attn_bf16_to_f32(attn_f32_to_bf16(float_of(0x7f800001)))));
}

static void test_store_round_trip(void **state)
{
    (void)state;
    const float values[] = {1.0f, -0.5f, 3.0f, 0.25f};
    for (attn_dtype store = ATTN_DTYPE_FP32; store <= ATTN_DTYPE_BF16; store++) {
        unsigned char packed[sizeof values];
        float back[4];
        attn_dtype_from_f32(store, values, 4, packed);
        attn_dtype_to_f32(store, packed, 1, 3, back);
        assert_memory_equal(back, values + 1, 3 * sizeof *back);
    }
    assert_int_equal(attn_dtype_size(ATTN_DTYPE_FP32), 4);
    assert_int_equal(attn_dtype_size(ATTN_DTYPE_FP16), 2);
    assert_int_equal(attn_dtype_size(ATTN_DTYPE_BF16), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_round_trip_of_representable_values),
        cmocka_unit_test(test_f16_rounds_to_nearest_even),
        cmocka_unit_test(test_f16_inf_and_nan),
        cmocka_unit_test(test_bf16_round_trip_and_rounding),
        cmocka_unit_test(test_store_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
