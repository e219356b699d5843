/* test_engine.c — what vLLM and SGLang allocate per GPU, every term derived by hand.
 *
 * Each expected number is written as the arithmetic that gives it, from the config.json
 * fields and the engine rules cited in analyzer/engine_vllm.c, activation.c and
 * weights_loaded.c. Device memory is a round 80 GiB so the products stay readable.
 */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)
#define DEVICE (80 * GIB)

static attn_engine_result run_engine(const attn_model *m, attn_engine_id engine, int64_t tp,
                                     attn_dtype kv, const attn_quant *quant, int64_t max_len)
{
    attn_plan *plan = plan_for(m, NULL, kv, tp);
    attn_engine_settings s = {.engine = engine, .device_bytes = DEVICE, .max_model_len = max_len,
                              .cuda_graphs_in_budget = -1, .overhead_bytes = -1,
                              .quant = quant ? *quant : m->quant};
    attn_engine_result r;
    attn_diag diag = {{0}};
    int rc = attn_engine_compute(m, plan, &s, &r, &diag);
    attn_plan_free(plan);
    if (rc)
        fail_msg("engine: %s", diag.msg);
    return r;
}

/* vLLM on one 80 GiB GPU, defaults for >= 70 GiB: 8192 batched tokens, 1024 sequences,
 * utilisation 0.92, block 16; CUDA graphs (up to 512) estimated but outside the budget. */
static const uint64_t BUDGET = 79027398246; /* floor(85899345920 x 0.92) */
static const uint64_t GRAPHS_FLOOR = 2 * 51 * MIB; /* sizes 1,2,4 + 8..248/8 + 256..512/16 = 51, FULL and PIECEWISE */
static const uint64_t NON_TORCH_TP1 = 256 * MIB;
static const uint64_t NON_TORCH_TP = (256 + 512 + 8) * MIB; /* + NCCL + custom all-reduce */

static void llama3_8b_vllm_tp1(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_engine_result r = run_engine(&m, ATTN_ENGINE_VLLM, 1, ATTN_DTYPE_BF16, NULL, 8192);
    /* weights, 16-bit: embedding + untied lm_head (128256 rows, a multiple of 64) and 32
     * layers of qkv (32x128 + 2x8x128 = 6144 rows), o, gate_up (2 x 14336), down, 2 norms;
     * the final norm */
    uint64_t layer = (6144ull * 4096 + 4096ull * 4096 + 2ull * 14336 * 4096 + 4096ull * 14336 +
                      2ull * 4096) * 2;
    uint64_t weights = 2 * 128256ull * 4096 * 2 + 32 * layer + 4096 * 2;
    assert_int_equal(r.weights_bytes, weights);
    assert_int_equal(r.weights_bytes, 16060522496ull); /* = 8,030,261,248 params x 2 */
    /* activations: sampler over min(1024, 8192) requests x 128256 logits x 22 B (bf16, fp32,
     * sorted fp32, int64 index, fp32 probs) + the 8192 hidden states + 1024 sampled rows;
     * larger than the MLP peak 8192 x (3 x 4096 + 3 x 14336) x 2 = 905,969,664 */
    uint64_t sampler = 8192ull * 4096 * 2 + 1024ull * 128256 * 22 + 1024ull * 4096 * 2;
    assert_int_equal(r.activation_peak_bytes, sampler);
    assert_true(sampler > 8192ull * (3 * 4096 + 3 * 14336) * 2);
    assert_int_equal(r.non_torch_bytes, NON_TORCH_TP1);
    /* graphs: one forward at 512 tokens (MLP peak) + 102 x 1 MiB */
    assert_int_equal(r.cuda_graph_bytes, 512ull * (3 * 4096 + 3 * 14336) * 2 + GRAPHS_FLOOR);
    assert_int_equal(r.budget_bytes, BUDGET);
    int64_t kv = (int64_t)(BUDGET - weights - sampler - NON_TORCH_TP1);
    assert_int_equal(r.kv_budget_bytes, kv);
    /* 32 layers x 8 KV heads x 256 x 2 B = 131072 B per token; blocks of 16 */
    assert_int_equal(r.page_bytes, 131072ull * 16);
    assert_int_equal(r.gpu_blocks, (uint64_t)kv / (131072ull * 16)); /* 28483 */
    assert_int_equal(r.gpu_blocks, 28483);
    assert_int_equal(r.kv_cache_tokens, 28483ull * 16);
    assert_true(fabs(r.max_concurrency - 28483.0 / 512) < 1e-9); /* 8192 / 16 blocks each */
    assert_true(r.fits_max_model_len);
    attn_model_free(&m);
}

static void qwen25_72b_vllm_tp4(void **state)
{
    (void)state;
    attn_model m = load_preset("qwen2.5-72b");
    assert_int_equal(attn_model_windowed_layers(&m), 0);
    attn_engine_result r = run_engine(&m, ATTN_ENGINE_VLLM, 4, ATTN_DTYPE_BF16, NULL, 32768);
    /* per rank: 64/4 = 16 query heads, 8/4 = 2 KV heads, 29568/4 = 7392 MLP width;
     * qkv rows 16x128 + 2x256 = 2560 with biases (Qwen2), vocab 152064 / 4 = 38016 rows */
    uint64_t layer = (2560ull * 8192 + 8192ull * 2048 + 2ull * 7392 * 8192 + 8192ull * 7392 +
                      2560 + 2ull * 8192) * 2;
    uint64_t weights = 2 * 38016ull * 8192 * 2 + 80 * layer + 8192 * 2;
    assert_int_equal(r.weights_bytes, weights);
    assert_int_equal(r.weights_bytes, 36355080192ull);
    uint64_t sampler = 8192ull * 8192 * 2 + 1024ull * 152064 * 22 + 1024ull * 8192 * 2;
    assert_int_equal(r.activation_peak_bytes, sampler);
    assert_int_equal(r.non_torch_bytes, NON_TORCH_TP);
    assert_int_equal(r.cuda_graph_bytes, 512ull * (3 * 8192 + 3 * 7392) * 2 + GRAPHS_FLOOR);
    int64_t kv = (int64_t)(BUDGET - weights - sampler - NON_TORCH_TP);
    assert_int_equal(r.kv_budget_bytes, kv);
    /* 80 layers x 2 KV heads x 256 x 2 B = 81920 B per token per GPU */
    assert_int_equal(r.bytes_per_token, 81920);
    assert_int_equal(r.gpu_blocks, (uint64_t)kv / (81920ull * 16));
    assert_true(fabs(r.max_concurrency - (double)r.gpu_blocks / 2048) < 1e-9);
    attn_model_free(&m);
}

/* MoE with fp8 weights (per-tensor scales, vLLM's online fp8) at TP 4. */
static void mixtral_fp8_vllm_tp4(void **state)
{
    (void)state;
    attn_model m = load_preset("mixtral-8x7b");
    attn_quant fp8;
    assert_int_equal(attn_quant_from_name("fp8", &fp8), ATTN_OK);
    attn_engine_result r = run_engine(&m, ATTN_ENGINE_VLLM, 4, ATTN_DTYPE_BF16, &fp8, 32768);
    /* per rank: 8 query heads, 2 KV heads: qkv 1536 x 4096 and o 4096 x 1024 in fp8 + one
     * fp32 scale each; router 4096 x 8 in 16 bits; 8 experts of width 14336/4 = 3584:
     * gate_up 7168 x 4096 and down 4096 x 3584 in fp8 + a scale each; 2 norms. Embedding and
     * lm_head (32000 / 4 = 8000 rows) stay 16-bit. */
    uint64_t attention = 1536ull * 4096 + 4 + 4096ull * 1024 + 4;
    uint64_t experts = 8 * (7168ull * 4096 + 4 + 4096ull * 3584 + 4);
    uint64_t layer = attention + 4096ull * 8 * 2 + experts + 2ull * 4096 * 2;
    uint64_t weights = 2 * 8000ull * 4096 * 2 + 32 * layer + 4096 * 2;
    assert_int_equal(r.weights_bytes, weights);
    assert_int_equal(r.weights_bytes, 11743537408ull);
    /* sampler 1024 x 32000 x 22 + hidden rows beats the fused-MoE peak:
     * 3 x 8192 x 4096 x 2 + 8192 x 2 x (7168 + 3584 + 4096) x 2 + 8192 x 8 x 4 = 688,128,000 */
    uint64_t sampler = 8192ull * 4096 * 2 + 1024ull * 32000 * 22 + 1024ull * 4096 * 2;
    assert_int_equal(r.activation_peak_bytes, sampler);
    uint64_t moe512 = 3ull * 512 * 4096 * 2 + 512ull * 2 * (7168 + 3584 + 4096) * 2 + 512ull * 8 * 4;
    assert_int_equal(r.cuda_graph_bytes, moe512 + GRAPHS_FLOOR);
    int64_t kv = (int64_t)(BUDGET - weights - sampler - NON_TORCH_TP);
    assert_int_equal(r.kv_budget_bytes, kv);
    assert_int_equal(r.bytes_per_token, 32ull * 2 * 256 * 2); /* 32768 */
    assert_int_equal(r.gpu_blocks, (uint64_t)kv / (32768ull * 16));
    attn_model_free(&m);
}

/* DeepSeek-V3's own quantization_config: fp8 with 128 x 128 block scales. */
static void deepseek_v3_block_fp8_reads_and_sizes(void **state)
{
    (void)state;
    attn_model m = load_preset("deepseek-v3");
    assert_int_equal(m.quant.method, ATTN_QUANT_FP8);
    assert_int_equal(m.quant.block_out, 128);
    assert_int_equal(m.quant.block_in, 128);
    attn_weights_loaded w;
    assert_int_equal(attn_weights_loaded_compute(&m, &m.quant, 8, 1, 0, false, &w, NULL), ATTN_OK);
    /* embedding: 129280 rows (a multiple of 64) / 8 x 7168 x 2 B */
    assert_int_equal(w.embedding, 129280ull / 8 * 7168 * 2);
    assert_int_equal(w.lm_head, 129280ull / 8 * 7168 * 2);
    /* one routed expert per rank: gate_up (2 x 2048/8 = 512) x 7168 and down 7168 x 256,
     * fp8, with ceil(512/128) x ceil(7168/128) and ceil(7168/128) x ceil(256/128) scales */
    uint64_t expert = 512ull * 7168 + 4 * 56 * 4 + 7168ull * 256 + 56 * 2 * 4;
    /* 3 dense layers of width 18432 / 8 = 2304; 58 MoE layers: a 16-bit router 7168 x 256,
     * 256 routed experts and 1 shared expert of the same width per rank */
    uint64_t dense = 4608ull * 7168 + 36 * 56 * 4 + 7168ull * 2304 + 56 * 18 * 4;
    assert_int_equal(w.mlp, 3 * dense + 58 * (7168ull * 256 * 2 + 257 * expert));
    assert_true(w.total < 85ull * GIB);
    /* expert parallel over 8: 256 / 8 = 32 whole experts (gate_up 4096 x 7168, down
     * 7168 x 2048, 32 x 56 and 56 x 16 scales) instead of 256 slices */
    attn_weights_loaded ep;
    assert_int_equal(attn_weights_loaded_compute(&m, &m.quant, 8, 1, 0, true, &ep, NULL), ATTN_OK);
    uint64_t whole = 4096ull * 7168 + 32 * 56 * 4 + 7168ull * 2048 + 56 * 16 * 4;
    assert_int_equal(ep.mlp, 3 * dense + 58 * (7168ull * 256 * 2 + 32 * whole + expert));
    attn_model_free(&m);
}

static void sglang_budgets_weights_and_kv_only(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_engine_result r = run_engine(&m, ATTN_ENGINE_SGLANG, 1, ATTN_DTYPE_BF16, NULL, 8192);
    /* (80 GiB - 512 MiB CUDA context) x mem_fraction_static 0.88 (TP 1) - weights */
    uint64_t budget = (uint64_t)((long double)(DEVICE - 512 * MIB) * 0.88L);
    assert_int_equal(r.budget_bytes, budget);
    assert_int_equal(r.kv_budget_bytes, (int64_t)(budget - 16060522496ull));
    /* SGLang's pool is per token (page_size 1): 131072 B each */
    assert_int_equal(r.settings.block_size, 1);
    assert_int_equal(r.kv_cache_tokens, (budget - 16060522496ull) / 131072);
    assert_true(r.fits_max_model_len);
    attn_model_free(&m);
}

static void refusals_name_the_engine_rule(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-70b");
    /* 141 GB of bf16 weights on one 80 GiB GPU: nothing left */
    attn_engine_result r = run_engine(&m, ATTN_ENGINE_VLLM, 1, ATTN_DTYPE_BF16, NULL, 8192);
    assert_true(r.kv_budget_bytes < 0);
    assert_int_equal(r.gpu_blocks, 0);
    assert_false(r.fits_max_model_len);
    assert_non_null(strstr(r.reason, "no memory is left for KV cache blocks"));
    attn_model_free(&m);

    /* Llama-3-8B at 1M tokens: one request needs 128 GiB of KV, more than is left */
    m = load_preset("llama-3-8b");
    r = run_engine(&m, ATTN_ENGINE_VLLM, 1, ATTN_DTYPE_BF16, NULL, INT64_C(1) << 20);
    assert_true(r.kv_budget_bytes > 0);
    assert_false(r.fits_max_model_len);
    assert_non_null(strstr(r.reason, "check_enough_kv_cache_memory"));
    /* the longest that fits is every block's tokens: 28483 x 16 */
    assert_non_null(strstr(r.reason, "455728 tokens"));
    attn_model_free(&m);
}

static void pipeline_stages_split_layers_as_vllm(void **state)
{
    (void)state;
    attn_model m = load_preset("llama-3-8b");
    attn_weights_loaded first, last;
    /* 32 layers over 3 stages: 11, 11, 10 (vllm get_pp_indices gives the remainder to the
     * stages before the last) */
    assert_int_equal(attn_weights_loaded_compute(&m, &m.quant, 1, 3, 0, false, &first, NULL), ATTN_OK);
    assert_int_equal(attn_weights_loaded_compute(&m, &m.quant, 1, 3, 2, false, &last, NULL), ATTN_OK);
    uint64_t layer = (6144ull * 4096 + 4096ull * 4096 + 2ull * 14336 * 4096 + 4096ull * 14336) * 2;
    assert_int_equal(first.attention + first.mlp, 11 * layer);
    assert_int_equal(last.attention + last.mlp, 10 * layer);
    assert_int_equal(first.embedding, 128256ull * 4096 * 2);
    assert_int_equal(first.lm_head, 0);
    assert_int_equal(last.embedding, 0);
    assert_int_equal(last.lm_head, 128256ull * 4096 * 2);
    /* the engine reports the stage with the fewest blocks: the first (11 layers + embedding) */
    attn_plan *plan = plan_for(&m, NULL, ATTN_DTYPE_BF16, 1);
    attn_engine_settings s = {.engine = ATTN_ENGINE_VLLM, .device_bytes = DEVICE, .pp = 3,
                              .max_model_len = 8192, .cuda_graphs_in_budget = -1,
                              .overhead_bytes = -1, .quant = m.quant};
    attn_engine_result r;
    assert_int_equal(attn_engine_compute(&m, plan, &s, &r, NULL), ATTN_OK);
    assert_int_equal(r.stage_layers, 11);
    assert_int_equal(r.bytes_per_token, 11ull * 8 * 256 * 2);
    attn_plan_free(plan);
    attn_model_free(&m);
}

static int quant_status(const char *qc_json, attn_quant *q, char *msg, size_t len)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"num_attention_heads\": 8, "
             "\"hidden_size\": 1024, \"vocab_size\": 1000, \"torch_dtype\": \"float16\", "
             "\"quantization_config\": %s}",
             qc_json);
    attn_model m;
    attn_diag diag = {{0}};
    int rc = attn_model_parse(json, strlen(json), "q.json", &m, &diag);
    if (!rc) {
        *q = m.quant;
        attn_model_free(&m);
    }
    snprintf(msg, len, "%s", diag.msg);
    return rc;
}

static void quantization_configs_are_read(void **state)
{
    (void)state;
    attn_quant q;
    char msg[640];
    assert_int_equal(quant_status("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, "
                                  "\"desc_act\": true, \"sym\": false}", &q, msg, sizeof msg), ATTN_OK);
    assert_int_equal(q.method, ATTN_QUANT_GPTQ);
    assert_int_equal(q.group, 128);
    assert_true(q.row_index && q.zero_points);
    assert_int_equal(quant_status("{\"quant_method\": \"compressed-tensors\", \"config_groups\": "
                                  "{\"group_0\": {\"weights\": {\"num_bits\": 8, \"type\": \"int\", "
                                  "\"strategy\": \"channel\"}}}, \"ignore\": [\"lm_head\", "
                                  "\"re:.*mlp.gate$\"]}", &q, msg, sizeof msg), ATTN_OK);
    assert_int_equal(q.method, ATTN_QUANT_INT8);
    assert_int_equal(q.group, 0);
    assert_int_equal(q.nskip, 2);
    assert_int_equal(quant_status("{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, "
                                  "\"bnb_4bit_use_double_quant\": true, \"llm_int8_skip_modules\": "
                                  "[\"mlp\"]}", &q, msg, sizeof msg), ATTN_OK);
    assert_int_equal(q.method, ATTN_QUANT_BNB4);
    assert_true(q.double_quant);
    assert_int_equal(quant_status("{\"quant_method\": \"quanto_magic\"}", &q, msg, sizeof msg),
                     ATTN_ERR_UNKNOWN);
    assert_non_null(strstr(msg, "q.json: field 'quantization_config.quant_method' = \"quanto_magic\""));
    assert_int_equal(attn_quant_from_name("int3", &q), ATTN_ERR_UNKNOWN);
}

/* Per-tensor bytes of the quantised formats on the two-layer config above (hidden 1024,
 * 8 heads = 8 KV heads of 128, MLP 4096, untied vocab 1000 -> 1024 rows). */
static void quantised_bytes_count_scales_and_skips(void **state)
{
    (void)state;
    attn_quant q;
    char msg[640];
    attn_weights_loaded w;
    assert_int_equal(quant_status("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, "
                                  "\"zero_point\": true}", &q, msg, sizeof msg), ATTN_OK);
    const char *json = "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 8, \"hidden_size\": 1024, \"intermediate_size\": 4096, "
                       "\"vocab_size\": 1000, \"torch_dtype\": \"float16\", \"tie_word_embeddings\": false}";
    attn_model m = parse_config(json);
    assert_int_equal(attn_weights_loaded_compute(&m, &q, 1, 1, 0, false, &w, NULL), ATTN_OK);
    /* AWQ 4-bit, group 128 along the input: weights x 4/8 + fp16 scale and 4-bit zero per
     * (group, output) -> out x in / 2 + (in / 128) x out x (2 + 0.5) */
#define AWQ(out, in) ((out) * (in) / 2 + (in) / 128 * (out) * 2 + (in) / 128 * (out) / 2)
    assert_int_equal(w.attention, 2 * (AWQ(3072ull, 1024ull) + AWQ(1024ull, 1024ull)));
    assert_int_equal(w.mlp, 2 * (AWQ(8192ull, 1024ull) + AWQ(1024ull, 4096ull)));
    assert_int_equal(w.embedding, 1024ull * 1024 * 2); /* 16-bit, vocab padded to 1024 */
    assert_int_equal(w.lm_head, 1024ull * 1024 * 2);
    /* mxfp4 with attention left out by a glob: only the MLPs shrink, 4.25 bits each */
    assert_int_equal(quant_status("{\"quant_method\": \"mxfp4\", \"modules_to_not_convert\": "
                                  "[\"model.layers.*.self_attn\"]}", &q, msg, sizeof msg), ATTN_OK);
    assert_int_equal(attn_weights_loaded_compute(&m, &q, 1, 1, 0, false, &w, NULL), ATTN_OK);
    assert_int_equal(w.attention, 2 * (3072ull * 1024 + 1024ull * 1024) * 2);
    assert_int_equal(w.mlp, 2 * ((8192ull * 1024 + 1024ull * 4096) / 2 +
                                 (8192ull * 1024 + 1024ull * 4096) / 32));
    attn_model_free(&m);
}

static void reading_rules_for_engines(void **state)
{
    (void)state;
    /* a qwen2 config without use_sliding_window: transformers defaults it to false */
    attn_model m = parse_config("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 4, "
                                "\"num_attention_heads\": 8, \"hidden_size\": 1024, "
                                "\"sliding_window\": 4096, \"max_window_layers\": 2}");
    assert_int_equal(attn_model_windowed_layers(&m), 0);
    /* no torch_dtype: fp32, which engines run in 16 bits */
    assert_int_equal(m.dtype, ATTN_DTYPE_FP32);
    assert_int_equal(attn_engine_dtype(&m, ATTN_ENGINE_VLLM), ATTN_DTYPE_BF16);
    assert_int_equal(attn_engine_dtype(&m, ATTN_ENGINE_NONE), ATTN_DTYPE_FP32);
    attn_model_free(&m);
    /* Gemma-2's preset says float32: the engine caches in 16 bits, twice the tokens */
    m = load_preset("gemma-2-9b");
    if (m.dtype == ATTN_DTYPE_FP32)
        assert_int_equal(attn_engine_dtype(&m, ATTN_ENGINE_SGLANG), ATTN_DTYPE_BF16);
    attn_model_free(&m);
}

static const char *log_path(const char *name, char *buf, size_t len)
{
    const char *dir = getenv("ATTNSCOPE_TEST_DATA");
    snprintf(buf, len, "%s/vllm_logs/%s", dir ? dir : "tests/data", name);
    return buf;
}

static void vllm_logs_are_parsed(void **state)
{
    (void)state;
    char path[1024];
    attn_vllm_log log;
    attn_diag diag = {{0}};
    assert_int_equal(attn_vllm_log_read(log_path("v0_llama3_8b.log", path, sizeof path), &log,
                                        &diag), ATTN_OK);
    assert_int_equal(log.version, 0);
    assert_true(fabs(log.total_gpu_memory_gib - 79.19) < 1e-9);
    assert_true(fabs(log.weights_gib - 14.9595) < 1e-9);
    assert_true(fabs(log.activation_peak_gib - (16.21 - 14.9595)) < 1e-9);
    assert_int_equal(log.gpu_blocks, 27909);
    assert_int_equal(log.tp, 1);
    assert_int_equal(log.max_model_len, 8192);
    assert_int_equal(log.enforce_eager, 0);

    assert_int_equal(attn_vllm_log_read(log_path("v1_qwen25_72b_tp4.log", path, sizeof path),
                                        &log, &diag), ATTN_OK);
    assert_int_equal(log.version, 1);
    assert_int_equal(log.tp, 4);
    assert_int_equal(log.kv_cache_tokens, 433456); /* "433,456" */
    assert_int_equal(log.concurrency_tokens, 32768);
    assert_int_equal(log.max_num_batched_tokens, 8192);
    assert_true(fabs(log.non_torch_gib - 0.92) < 1e-9);
    assert_true(isnan(log.peak_torch_gib));

    assert_int_equal(attn_vllm_log_read(log_path("v1_no_room.log", path, sizeof path), &log,
                                        &diag), ATTN_OK);
    assert_true(fabs(log.kv_available_gib + 0.97) < 1e-9);

    assert_int_equal(attn_vllm_log_read(log_path("not_vllm.log", path, sizeof path), &log,
                                        &diag), ATTN_ERR_PARSE);
    assert_non_null(strstr(diag.msg, "not a vLLM startup log"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama3_8b_vllm_tp1),
        cmocka_unit_test(qwen25_72b_vllm_tp4),
        cmocka_unit_test(mixtral_fp8_vllm_tp4),
        cmocka_unit_test(deepseek_v3_block_fp8_reads_and_sizes),
        cmocka_unit_test(sglang_budgets_weights_and_kv_only),
        cmocka_unit_test(refusals_name_the_engine_rule),
        cmocka_unit_test(pipeline_stages_split_layers_as_vllm),
        cmocka_unit_test(quantization_configs_are_read),
        cmocka_unit_test(quantised_bytes_count_scales_and_skips),
        cmocka_unit_test(reading_rules_for_engines),
        cmocka_unit_test(vllm_logs_are_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
