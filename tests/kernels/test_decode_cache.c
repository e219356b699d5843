/* test_decode_cache.c — decode over serving caches (issue 19): every store (fp32, fp16, bf16,
 * fp8 e4m3/e5m2, int8 with scales) x layout (contiguous, paged) against the double reference,
 * the counted bytes against attn_decode_cache_count and against numbers worked out by hand,
 * and the 8-bit conversions bit by bit. meson runs this file once per instruction set
 * (ATTNSCOPE_CPU_ISA), so every decode kernel path is covered on a machine that has it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu/decode_isa.h"
#include "kernel_test_util.h"

#define ATOL 2e-5
#define RTOL 2e-4

/* Every precision the kernels hold a cache in (int4 they refuse). */
static const attn_dtype kernel_stores[] = {ATTN_DTYPE_FP32, ATTN_DTYPE_FP16, ATTN_DTYPE_BF16,
                                           ATTN_DTYPE_FP8,  ATTN_DTYPE_FP8_E5M2, ATTN_DTYPE_INT8};

typedef struct decode_case {
    attn_dims dims;
    int64_t block_size;
    bool mixed; /* per-sequence lengths, one of them 0 and one not a whole block */
} decode_case;

static const decode_case cases[] = {
    /* MHA, head dim a multiple of every vector width */
    {{.batch = 1, .heads = 4, .kv_heads = 4, .n_q = 1, .n_kv = 300, .d_qk = 128, .d_v = 128}, 16, false},
    /* GQA 4, dims multiples of 8 but not of 16: padded tiles for fp32 under AVX-512 only */
    {{.batch = 2, .heads = 8, .kv_heads = 2, .n_q = 1, .n_kv = 77, .d_qk = 40, .d_v = 24}, 16, false},
    /* GQA 2, dims not a multiple of 8: padded fp32 tiles under AVX2 too (their whole vectors
     * were once left unconverted, so only the tail of each row reached the kernel) */
    {{.batch = 1, .heads = 4, .kv_heads = 2, .n_q = 1, .n_kv = 45, .d_qk = 20, .d_v = 12}, 16, false},
    /* GQA 8 (Llama-3-70B's group), odd block size, mixed lengths */
    {{.batch = 3, .heads = 16, .kv_heads = 2, .n_q = 1, .n_kv = 203, .d_qk = 64, .d_v = 64}, 5, true},
    /* GQA 7 (Qwen2-7B's group): in the lanes under AVX2 with one lane padding, head dims
     * that end in a partial vector (the lanes kernel's row tails), mixed lengths */
    {{.batch = 2, .heads = 14, .kv_heads = 2, .n_q = 1, .n_kv = 100, .d_qk = 36, .d_v = 20}, 16, true},
    /* MHA over 8 KV heads: eight KV heads side by side in the AVX2 lanes (each lane its own
     * K and V rows and int8 scales), row tails, mixed lengths */
    {{.batch = 2, .heads = 8, .kv_heads = 8, .n_q = 1, .n_kv = 60, .d_qk = 40, .d_v = 20}, 16, true},
    /* GQA 2 over 4 KV heads: four groups side by side under AVX2, odd block size */
    {{.batch = 1, .heads = 8, .kv_heads = 4, .n_q = 1, .n_kv = 50, .d_qk = 64, .d_v = 64}, 7, false},
    /* GQA 4 over 4 KV heads, paged: under AVX2 two lane sets of two KV heads each, a task
     * reading each block's four KV heads in turn (GQA 8 over 2 and GQA 7 over 2 above take
     * two sets of one), mixed lengths */
    {{.batch = 2, .heads = 16, .kv_heads = 4, .n_q = 1, .n_kv = 70, .d_qk = 32, .d_v = 40}, 16, true},
    /* GQA 8 over 4 KV heads at head dim 128 (Llama-3-70B under tensor parallelism 2): under
     * AVX-512 two lane sets whose scores are paired, with the head dim a constant, and an odd
     * number of keys, so a chunk ends on one key scored alone */
    {{.batch = 2, .heads = 32, .kv_heads = 4, .n_q = 1, .n_kv = 45, .d_qk = 128, .d_v = 128}, 16, true},
    /* GQA 3 (odd group), block larger than the chunk */
    {{.batch = 2, .heads = 6, .kv_heads = 2, .n_q = 1, .n_kv = 150, .d_qk = 32, .d_v = 48}, 64, true},
};
#define CASES (sizeof cases / sizeof *cases)

static void lens_of(const decode_case *c, int32_t *lens)
{
    for (int64_t b = 0; b < c->dims.batch; b++)
        lens[b] = (int32_t)(c->mixed ? (b == 0 ? 0 : c->dims.n_kv - 17 * (b - 1)) : c->dims.n_kv);
}

static void check_case(const decode_case *c, attn_dtype store, attn_kv_layout layout)
{
    attn_problem p = problem_init(c->dims, 1900 + (uint64_t)store, 1.0f);
    int32_t lens[8];
    lens_of(c, lens);
    attn_kv_owned owned;
    assert_int_equal(attn_kv_cache_build(&p.dims, store, layout, c->block_size, 7,
                                         c->mixed ? lens : NULL, p.k, p.v, &owned),
                     ATTN_OK);
    char what[200];
    snprintf(what, sizeof what, "decode %s %s bs %lld: batch %lld, %lld/%lld heads, t %lld, d %lld/%lld",
             attn_dtype_name(store), layout == ATTN_KV_PAGED ? "paged" : "contiguous",
             (long long)c->block_size, (long long)p.dims.batch, (long long)p.dims.heads,
             (long long)p.dims.kv_heads, (long long)p.dims.n_kv, (long long)p.dims.d_qk,
             (long long)p.dims.d_v);
    assert_int_equal(attn_ref_decode_cache(&p.dims, &owned.cache, p.q, p.ref), ATTN_OK);
    attn_kernel_stats counted, model;
    assert_int_equal(attn_cpu_decode_cache(&p.dims, &owned.cache, p.q, p.o, &counted), ATTN_OK);
    assert_close(p.o, p.ref, p.o_elems, ATOL, RTOL, what);
    attn_decode_cache_count(&p.dims, &owned.cache, &model);
    assert_int_equal(counted.bytes_read, model.bytes_read);
    assert_int_equal(counted.bytes_written, model.bytes_written);
    assert_int_equal(counted.flops, model.flops);
    attn_kv_cache_free(&owned);
    problem_free(&p);
}

static void test_every_store_and_layout_matches_reference(void **state)
{
    (void)state;
    for (size_t c = 0; c < CASES; c++)
        for (size_t s = 0; s < sizeof kernel_stores / sizeof *kernel_stores; s++) {
            check_case(&cases[c], kernel_stores[s], ATTN_KV_CONTIGUOUS);
            check_case(&cases[c], kernel_stores[s], ATTN_KV_PAGED);
        }
}

/* The counted bytes of two small caches, worked out by hand. */
static void test_counted_by_hand(void **state)
{
    (void)state;
    /* fp16, paged, block 16: batch 2, 8 heads on 2 KV heads, d 64/64, lengths 40 and 16.
     * cache: 2 KV heads x (40 + 16) tokens x (64 + 64) x 2 B = 28672
     * table: 2 KV heads x (ceil(40/16) + ceil(16/16)) = 2 x 4 entries x 4 B = 32
     * lens:  2 x 4 B = 8;  q: 2 x 8 heads x 64 x 4 B = 4096  -> read 32808
     * o: 2 x 8 x 64 x 4 B = 4096;  flops: 2 x 8 heads x 56 tokens x 128 = 114688 */
    attn_dims d = {.batch = 2, .heads = 8, .kv_heads = 2, .n_q = 1, .n_kv = 40, .d_qk = 64,
                   .d_v = 64};
    const int32_t lens[2] = {40, 16};
    attn_problem p = problem_init(d, 5, 1.0f);
    attn_kv_owned owned;
    assert_int_equal(attn_kv_cache_build(&d, ATTN_DTYPE_FP16, ATTN_KV_PAGED, 16, 3, lens, p.k,
                                         p.v, &owned),
                     ATTN_OK);
    attn_kernel_stats st;
    assert_int_equal(attn_cpu_decode_cache(&d, &owned.cache, p.q, p.o, &st), ATTN_OK);
    assert_int_equal(st.bytes_read, 32808);
    assert_int_equal(st.bytes_written, 4096);
    assert_int_equal(st.flops, 114688);
    attn_kv_cache_free(&owned);
    /* int8, contiguous, all 40 tokens: cache 2 x 2 x 40 x 128 x 1 B = 20480, scales
     * 2 x 2 x 40 x (4 + 4) B = 1280, q 4096 -> read 25856; flops 2 x 8 x 80 x 128 = 163840 */
    assert_int_equal(attn_kv_cache_build(&d, ATTN_DTYPE_INT8, ATTN_KV_CONTIGUOUS, 0, 3, NULL,
                                         p.k, p.v, &owned),
                     ATTN_OK);
    assert_int_equal(attn_cpu_decode_cache(&d, &owned.cache, p.q, p.o, &st), ATTN_OK);
    assert_int_equal(st.bytes_read, 25856);
    assert_int_equal(st.flops, 163840);
    attn_kv_cache_free(&owned);
    problem_free(&p);
}

/* A block-table entry outside the pool is an error, not a wild read. */
static void test_bad_block_is_refused(void **state)
{
    (void)state;
    attn_dims d = {.batch = 1, .heads = 2, .kv_heads = 1, .n_q = 1, .n_kv = 40, .d_qk = 16,
                   .d_v = 16};
    attn_problem p = problem_init(d, 6, 1.0f);
    attn_kv_owned owned;
    assert_int_equal(attn_kv_cache_build(&d, ATTN_DTYPE_FP32, ATTN_KV_PAGED, 16, 3, NULL, p.k,
                                         p.v, &owned),
                     ATTN_OK);
    owned.block_table[1] = (int32_t)owned.num_blocks;
    assert_int_equal(attn_cpu_decode_cache(&d, &owned.cache, p.q, p.o, NULL), ATTN_ERR_RANGE);
    owned.block_table[1] = -1;
    assert_int_equal(attn_cpu_decode_cache(&d, &owned.cache, p.q, p.o, NULL), ATTN_ERR_RANGE);
    attn_kv_cache_free(&owned);
    problem_free(&p);
}

/* OFP8 values from the spec's table 1 and a few rounding cases worked by hand. */
static void test_fp8_known_values(void **state)
{
    (void)state;
    assert_int_equal(attn_f32_to_e4m3(1.0f), 0x38);      /* exponent 7 = bias, mantissa 0 */
    assert_int_equal(attn_f32_to_e4m3(448.0f), 0x7e);    /* largest finite: 1.75 x 2^8 */
    assert_int_equal(attn_f32_to_e4m3(1000.0f), 0x7e);   /* saturates */
    assert_int_equal(attn_f32_to_e4m3(-1000.0f), 0xfe);
    assert_int_equal(attn_f32_to_e4m3(0x1p-9f), 0x01);   /* smallest subnormal */
    assert_int_equal(attn_f32_to_e4m3(0x1p-10f), 0x00);  /* half of it: tie to even (0) */
    assert_int_equal(attn_f32_to_e4m3(1.0625f), 0x38);   /* 1 + 1/16: tie to even mantissa 0 */
    assert_int_equal(attn_f32_to_e4m3(1.1875f), 0x3a);   /* 1 + 3/16: tie to even mantissa 2 */
    assert_true(isnan(attn_e4m3_to_f32(0x7f)));
    assert_true(attn_e4m3_to_f32(0x7e) == 448.0f);
    assert_int_equal(attn_f32_to_e5m2(1.0f), 0x3c);
    assert_int_equal(attn_f32_to_e5m2(57344.0f), 0x7b);  /* largest finite: 1.75 x 2^15 */
    assert_int_equal(attn_f32_to_e5m2(61440.0f), 0x7c);  /* tie above it rounds to infinity */
    assert_int_equal(attn_f32_to_e5m2(0x1p-16f), 0x01);  /* smallest subnormal */
    assert_true(isinf(attn_e5m2_to_f32(0x7c)));
    /* every finite code survives a round trip */
    for (int bits = 0; bits < 256; bits++) {
        float e4 = attn_e4m3_to_f32((uint8_t)bits), e5 = attn_e5m2_to_f32((uint8_t)bits);
        if (!isnan(e4))
            assert_int_equal(attn_f32_to_e4m3(e4), bits == 0x80 ? 0x80 : bits);
        if (isfinite(e5))
            assert_int_equal(attn_f32_to_e5m2(e5), bits);
    }
}

/* The vector converters of the running instruction set agree with the scalar ones on every
 * code (e4m3's NaN code aside: the encoder writes it only for a NaN). */
static void test_vector_conversion_is_exact(void **state)
{
    (void)state;
    uint8_t codes[256 + 16];
    float got[256 + 16], want[256 + 16];
    for (int i = 0; i < 256 + 16; i++)
        codes[i] = (uint8_t)(i % 256);
    const attn_dtype stores[] = {ATTN_DTYPE_FP8, ATTN_DTYPE_FP8_E5M2, ATTN_DTYPE_INT8};
    for (size_t s = 0; s < 3; s++) {
        attn_decode_isa_best()->to_f32(stores[s], codes, 256 + 7, got, codes);
        attn_dtype_to_f32(stores[s], codes, 0, 256 + 7, want);
        for (int i = 0; i < 256 + 7; i++) {
            if (stores[s] == ATTN_DTYPE_FP8 && (codes[i] & 0x7f) == 0x7f)
                continue;
            if (isnan(want[i]))
                assert_true(isnan(got[i]));
            else if (memcmp(&got[i], &want[i], sizeof got[i]))
                fail_msg("%s code 0x%02x: %g, scalar %g", attn_dtype_name(stores[s]), codes[i],
                         (double)got[i], (double)want[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_store_and_layout_matches_reference),
        cmocka_unit_test(test_counted_by_hand),
        cmocka_unit_test(test_bad_block_is_refused),
        cmocka_unit_test(test_fp8_known_values),
        cmocka_unit_test(test_vector_conversion_is_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
