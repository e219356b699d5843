/* attnscope.h — the public API of libattnscope.
 *
 * A serving system or a script can size a KV cache, count parameters and check whether a
 * deployment fits on a GPU without going through the command line. Everything here is pure
 * arithmetic on a model description except the *_load functions, which read JSON files.
 *
 * Conventions: functions return ATTN_OK (0) or a negative ATTN_ERR_* code; attn_strerror()
 * names the code, and an optional attn_diag receives one line naming the file, field and value.
 * Objects that own memory come in _init/_free (or _load/_free) pairs; the caller owns what
 * it passes in, the library owns nothing after _free. Sizes are exact 64-bit byte counts;
 * anything that would overflow 64 bits is ATTN_ERR_OVERFLOW, never a wrapped number.
 */
#ifndef ATTNSCOPE_H
#define ATTNSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Marks what libattnscope.so exports: it is built with -fvisibility=hidden, so a function
 * declared here without ATTN_API is not part of the library's ABI. */
#if defined(_WIN32)
#define ATTN_API
#elif defined(__GNUC__) || defined(__clang__)
#define ATTN_API __attribute__((visibility("default")))
#else
#define ATTN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum attn_status {
    ATTN_OK = 0,
    ATTN_ERR_IO = -1,          /* file missing or unreadable */
    ATTN_ERR_PARSE = -2,       /* malformed JSON or number */
    ATTN_ERR_FIELD = -3,       /* a field is missing, of the wrong type or contradicts another */
    ATTN_ERR_RANGE = -4,       /* a value is zero, negative or absurd */
    ATTN_ERR_OVERFLOW = -5,    /* the result does not fit in 64 bits */
    ATTN_ERR_UNKNOWN = -6,     /* unknown preset, variant, precision or device name */
    ATTN_ERR_NOMEM = -7,
    ATTN_ERR_UNSUPPORTED = -8, /* a combination the model cannot express */
};

ATTN_API const char *attn_strerror(int status);

/* One line describing the last failure: "FILE: field 'x' = VALUE: why". */
typedef struct attn_diag {
    char msg[640];
} attn_diag;

/* ---- precisions ---------------------------------------------------------------------- */

/* One precision type for the model, the cache sizes and the kernels. fp8 is e4m3 (vLLM's
 * "fp8" cache); e5m2 is its own member, the same size, so a kernel can hold either. */
typedef enum attn_dtype {
    ATTN_DTYPE_FP32,
    ATTN_DTYPE_FP16,
    ATTN_DTYPE_BF16,
    ATTN_DTYPE_FP8,
    ATTN_DTYPE_INT8,
    ATTN_DTYPE_INT4,
    ATTN_DTYPE_FP8_E5M2,
    ATTN_DTYPE_COUNT
} attn_dtype;

/* A storage format: element type plus, for quantised types, one fp16 scale per `group`
 * values (0 = no scales). attn_precision_default() gives int4 its usual group of 32. */
typedef struct attn_precision {
    attn_dtype dtype;
    uint32_t group;
} attn_precision;

/* Accepts fp32/float32, fp16/float16/half, bf16/bfloat16, fp8 (and float8_*), int8, int4. */
ATTN_API int attn_dtype_parse(const char *text, attn_dtype *out);
ATTN_API const char *attn_dtype_name(attn_dtype dtype);
ATTN_API unsigned attn_dtype_bits(attn_dtype dtype);
ATTN_API attn_precision attn_precision_default(attn_dtype dtype);
/* Exact bytes of one packed row of `elems` values, scales included. */
ATTN_API int attn_precision_row_bytes(attn_precision precision, uint64_t elems, uint64_t *bytes);

/* ---- sizes --------------------------------------------------------------------------- */

/* "80GiB", "141 GB", "1.5TB", "4096" (bytes). Units B, KB, KiB, MB, MiB, GB, GiB, TB, TiB. */
ATTN_API int attn_size_parse(const char *text, uint64_t *bytes);

/* ---- weight quantisation (quantization_config) ----------------------------------------- */

/* How a checkpoint's linear layers are stored, as the serving engine loads them (see
 * models/quant_config.c for the reading rules). Embeddings, norms, routers and lm_head stay
 * in 16 bits unless a method says otherwise. */
typedef enum attn_quant_method {
    ATTN_QUANT_NONE,
    ATTN_QUANT_FP8,   /* fp8 e4m3 weights: per tensor, per channel or 2-D blocks of scales */
    ATTN_QUANT_INT8,  /* int8 weights (w8a8, compressed-tensors), fp32 scales per channel */
    ATTN_QUANT_GPTQ,  /* packed int4/int8, fp16 scales + packed zeros per group, g_idx */
    ATTN_QUANT_AWQ,   /* packed int4, fp16 scales + packed zeros per group */
    ATTN_QUANT_BNB4,  /* bitsandbytes nf4/fp4: 4 bits + an absmax per 64 values */
    ATTN_QUANT_BNB8,  /* bitsandbytes LLM.int8: int8 + an fp32 scale per row */
    ATTN_QUANT_MXFP4, /* 4 bits + an 8-bit shared exponent per 32 values */
    ATTN_QUANT_COUNT
} attn_quant_method;

#define ATTN_QUANT_MAX_SKIP 16

typedef struct attn_quant {
    attn_quant_method method;
    unsigned bits;            /* bits per quantised weight */
    int64_t group;            /* input values per scale; 0 = one per output row; -1 = per tensor */
    int64_t block_out;        /* 2-D block scales (fp8 weight_block_size), 0 = none */
    int64_t block_in;
    unsigned scale_bytes;     /* bytes per scale */
    bool zero_points;         /* packed zero points per group (GPTQ, AWQ) */
    bool row_index;           /* GPTQ's g_idx: one int32 per input row */
    bool double_quant;        /* bitsandbytes: absmax itself stored in 8 bits */
    int nskip;                /* modules left in 16 bits (name fragments; lm_head always) */
    char skip[ATTN_QUANT_MAX_SKIP][96];
    char name[48];            /* the method as written, for messages */
} attn_quant;

/* --weights-quant names: none fp8 int8 int4-gptq int4-awq bnb-4bit bnb-8bit mxfp4
 * (and the quant_method spellings of quantization_config). */
int attn_quant_from_name(const char *text, attn_quant *out);
const char *attn_quant_method_name(attn_quant_method method);

/* ---- model description --------------------------------------------------------------- */

/* Read from a Hugging Face config.json; see models/README.md for every reading rule. */
typedef struct attn_model {
    char name[256];   /* preset name, or the path the user gave */
    char path[1024];  /* the file actually read */
    char source[512]; /* the preset's "source" note, if any */
    char model_type[64];

    int64_t layers;
    int64_t heads;        /* query heads */
    int64_t kv_heads;     /* as configured; MLA models ignore it for caching */
    int64_t hidden;
    int64_t head_dim;     /* d_qk for attention (MLA: nope + rope) */
    int64_t v_head_dim;   /* d_v */
    int64_t intermediate; /* dense MLP width */
    int64_t vocab;
    int64_t max_context;  /* max_position_embeddings; 0 when the config does not say */
    /* rope_scaling, as the config gives it (models/rope_read.c); type "" = none */
    char rope_type[24];           /* llama3, yarn, linear, dynamic, longrope, ... */
    double rope_factor;           /* 0 when absent */
    int64_t rope_original_context; /* original_max_position_embeddings; 0 when absent */
    attn_dtype dtype;         /* torch_dtype: the default KV-cache precision */
    attn_dtype weights_dtype; /* torch_dtype, or fp8 when quantization_config says so */
    bool tied_embeddings;

    int64_t *layer_window; /* [layers]: tokens a layer keeps, 0 = global; owned */

    /* mixture of experts (0 when dense) */
    int64_t experts;
    int64_t experts_per_token;
    int64_t shared_experts;
    int64_t moe_intermediate;
    int64_t first_dense_layers;
    int64_t moe_layer_freq;

    /* multi-head latent attention */
    bool mla;
    int64_t kv_lora_rank; /* d_c */
    int64_t q_lora_rank;  /* 0 = queries not compressed */
    int64_t rope_dim;     /* d_r */
    int64_t nope_dim;     /* d_n */

    /* architecture details that only the parameter count needs */
    bool gated_mlp;             /* SwiGLU/GeGLU: three matrices, else two (GPT-2) */
    bool attention_bias;        /* biases on q, k, v (and o when linear_bias) */
    bool linear_bias;           /* biases on every linear layer (GPT-2) */
    bool norm_bias;             /* LayerNorm (weight + bias) rather than RMSNorm */
    int64_t norms_per_layer;    /* 2 for most, 4 for Gemma-2/3 */
    int64_t learned_positions;  /* rows of a learned position table (GPT-2), else 0 */
    int64_t head_norms;         /* per-head q/k norms of width head_dim (Gemma-3): 2, else 0 */

    attn_quant quant;           /* quantization_config, ATTN_QUANT_NONE when absent */
} attn_model;

/* spec: a preset name (see attnscope models), a config.json path, or a directory holding
 * one. On success the caller owns *model and releases it with attn_model_free. */
ATTN_API int attn_model_load(const char *spec, attn_model *model, attn_diag *diag);
/* Parse a config already in memory; `label` names it in messages. */
ATTN_API int attn_model_parse(const char *json_text, size_t len, const char *label,
                              attn_model *model, attn_diag *diag);
ATTN_API void attn_model_free(attn_model *model);
/* Number of layers with a sliding window. */
ATTN_API int64_t attn_model_windowed_layers(const attn_model *model);
/* The longest context the model is configured for: max_position_embeddings, stretched by
 * rope_scaling as vLLM derives max_model_len (llama3/longrope: already counted; yarn:
 * original x factor; linear, dynamic: max_position_embeddings x factor). 0 when the config
 * gives no limit. `why` (may be NULL) receives the derivation in words. */
ATTN_API int64_t attn_model_context_limit(const attn_model *model, char *why, size_t len);

/* Preset files (models/presets/NAME.json). The callback gets each preset's name and path; a non-zero
 * return stops the walk. Returns the number visited or a negative error. */
ATTN_API int attn_preset_foreach(int (*visit)(const char *name, const char *path, void *user),
                                 void *user);
/* Directory holding the presets (ATTNSCOPE_DATA_DIR overrides the built-in path). */
ATTN_API const char *attn_preset_dir(void);

/* ---- parameters and weights ----------------------------------------------------------- */

typedef struct attn_params {
    uint64_t total;     /* every weight in the checkpoint's main model */
    uint64_t active;    /* weights one token passes through (MoE: routed top-k + shared) */
    uint64_t embedding; /* input embedding (+ output head when untied) */
} attn_params;

ATTN_API int attn_params_count(const attn_model *model, attn_params *out);

/* ---- plans: one model under one attention variant ---------------------------------------- */

/* A plan answers two questions about a model under a variant: how big its KV cache is
 * (attn_plan_kv_*) and what a prefill or decode step costs (attn_plan_cost). */

/* "What if" choices; zero fields mean "as the model is". */
typedef struct attn_request {
    const char *variant;   /* registry name (attnscope kv --help lists them); NULL = native */
    int64_t kv_heads;      /* head-layout override: heads = MHA, 1 = MQA, g = GQA */
    attn_precision precision; /* KV-cache storage */
    int64_t tp;            /* tensor-parallel ranks (1 when 0); everything is per rank */
    int64_t features;      /* Performer m (default 256) */
    int64_t rank;          /* low-rank k (default 256) */
    int64_t kv_lora_rank;  /* MLA d_c for models that are not MLA (default 4 * head_dim) */
    int64_t rope_dim;      /* MLA d_r for models that are not MLA (default head_dim / 2) */
} attn_request;

typedef struct attn_plan attn_plan;

/* The dimensions one layer's attention works with under the plan's variant (per rank). */
typedef struct attn_shape {
    int64_t heads;    /* h: query heads */
    int64_t kv_heads; /* h_kv: heads that have their own K and V */
    int64_t d_qk;     /* query/key head dim (MLA: d_n + d_r) */
    int64_t d_v;      /* value head dim */
    int64_t d_c;      /* MLA kv_lora_rank */
    int64_t d_r;      /* MLA decoupled RoPE dims */
    int64_t d_n;      /* MLA no-RoPE query/key dims */
    int64_t features; /* Performer m */
    int64_t rank;     /* low-rank k */
} attn_shape;

/* One layer as the plan sees it (per tensor-parallel rank). */
typedef struct attn_kv_layer {
    int64_t window;            /* 0 = global */
    uint64_t elems_per_token;  /* cache elements one token adds */
    uint64_t elems_per_seq;    /* fixed state per sequence (Performer, low-rank) */
    uint64_t bytes_per_token;
    uint64_t bytes_per_seq;
} attn_kv_layer;

ATTN_API int attn_plan_init(attn_plan **plan, const attn_model *model, const attn_request *req,
                               attn_diag *diag);
ATTN_API void attn_plan_free(attn_plan *plan);

/* Bytes one token adds across all layers while no window is full, on one rank. */
ATTN_API uint64_t attn_plan_kv_bytes_per_token(const attn_plan *plan);
/* Exact cache bytes on one rank for `batch` sequences of `context` tokens, windows honoured. */
ATTN_API int attn_plan_kv_bytes(const attn_plan *plan, int64_t batch, int64_t context,
                                uint64_t *bytes);
/* Bytes one layer holds for one sequence of `context` tokens. */
ATTN_API int attn_kv_layer_bytes(const attn_kv_layer *layer, int64_t context, uint64_t *bytes);
ATTN_API int64_t attn_plan_layers(const attn_plan *plan);
ATTN_API const attn_kv_layer *attn_plan_layer(const attn_plan *plan, int64_t index);
ATTN_API const char *attn_plan_variant(const attn_plan *plan);
ATTN_API attn_shape attn_plan_shape(const attn_plan *plan);
ATTN_API int64_t attn_plan_tp(const attn_plan *plan);
/* True when each rank holds the whole cache (an MLA latent cache under TP). */
ATTN_API bool attn_plan_kv_replicated(const attn_plan *plan);
/* The per-token-per-layer formula with the model's numbers, e.g.
 * "8 KV heads x (128 + 128) = 2048 elements". */
ATTN_API const char *attn_plan_kv_formula(const attn_plan *plan);

/* Variants in registry order. */
ATTN_API size_t attn_variant_count(void);
ATTN_API const char *attn_variant_name(size_t index);
ATTN_API const char *attn_variant_summary(size_t index);

/* ---- analytic cost: FLOPs, HBM traffic, roofline --------------------------------------- */

/* TRAIN: one training step of attention, forward plus backward, over n tokens (prefill
 * shapes); variants without a defined backward answer ATTN_ERR_UNSUPPORTED. */
typedef enum attn_phase { ATTN_PHASE_PREFILL, ATTN_PHASE_DECODE, ATTN_PHASE_TRAIN } attn_phase;

/* Flash tiles: Algorithm 1's from the SRAM size (the CPU kernels' own rule), or a shipped
 * kernel's fixed tiles (FlashAttention-2, FlashAttention-3, FA-2's split-KV decode). */
typedef enum attn_tiles {
    ATTN_TILES_SRAM, ATTN_TILES_FA2, ATTN_TILES_FA3, ATTN_TILES_SPLITKV
} attn_tiles;
const char *attn_tiles_name(attn_tiles kind);
/* ATTN_ERR_UNKNOWN for a name that is not sram, fa2, fa3 or splitkv. */
int attn_tiles_parse(const char *text, attn_tiles *kind);

/* Where a kernel's own blocking re-reads an operand (a GPU backend's plan, kernels/gpu/), so
 * that a model can be evaluated with the tiles a kernel really runs; a zero field means none:
 * each operand read once per head, as the CPU kernels and the IO model's compulsory count. */
typedef struct attn_kernel_tiling {
    int64_t query_rows;   /* query rows per work-group, each loading K and V again */
    int64_t kv_splits;    /* split-KV decode: work-groups per cache, each loading the queries */
    /* a projection's output rows per work-group, each loading the other operand again
     * (low-rank: k rows, K and V re-read; MLA naive: latent tokens, W_UK and W_UV re-read) */
    int64_t project_rows;
    /* MLA naive: up-projection columns per pass over the latents; 0 = two passes (K's, V's) */
    int64_t project_cols;
    /* MLA: keys per tile a block computes whole (0 = the CPU kernel's tile), and groups of
     * heads whose work-groups each load the latent tiles (0 = one) */
    int64_t key_cols, head_groups;
    /* Performer: features per work-group of the state sums, each loading K and V again and
     * keeping one shift (0 = all features, one shift per state) */
    int64_t feature_chunk;
} attn_kernel_tiling;

typedef struct attn_cost_request {
    attn_phase phase;
    int64_t seq;          /* prefill: n tokens per sequence; decode: t cached tokens */
    int64_t batch;        /* sequences (0 means 1) */
    bool causal;          /* prefill only; decode is causal by nature */
    uint64_t sram_bytes;  /* on-chip memory M for tiled (flash) traffic */
    attn_dtype dtype;     /* element size of Q, O, S, P and weights; the cache moves at the
                           * plan's KV precision (attn_request.precision) */
    /* decode over a paged cache (vLLM's PagedAttention): tokens per block, 0 = contiguous;
     * each KV head reads one 4-byte block-table entry per block it touches, and a partial
     * last block is read only up to the last token */
    int64_t kv_block_size;
    uint32_t kv_scale_bytes; /* decode: scale bytes per cached token per KV head (int8: 8) */
    /* decode: [batch] cached tokens of each sequence (each <= seq), NULL: seq for all. The
     * cost is then the sum of each sequence's, plus the kernel's read of the lengths (4 bytes
     * per sequence per layer), as a serving batch of mixed lengths runs. */
    const int32_t *seq_lens;
    double dropout;       /* train only: dropout probability on P, 0 = none */
    attn_kernel_tiling tiling; /* the measured kernel's re-reads (bench); zero for the IO model */
} attn_cost_request;

/* What the cache-aware count (dram_bytes) knows of the machine and kernel; a zeroed one (or
 * NULL) means tiles from sram and no cache known, so dram_bytes = HBM bytes. */
typedef struct attn_cache_model {
    attn_tiles tiles;     /* flash prefill tiles (head dims a kernel lacks fall back to sram) */
    uint64_t llc_bytes;   /* last-level cache (GPU L2, CPU LLC) */
    int64_t units;        /* SMs (GPU) or threads (CPU) running tiles at once; 0 = 1 */
    bool cpu_caches;      /* tiles share the LLC and stores write-allocate (a CPU) */
} attn_cache_model;

/* Whole model (every layer, the whole batch) or one layer of one sequence. FLOPs count a
 * multiply-add as 2; long double so that no total wraps (they are exact below 2^64). */
typedef struct attn_cost {
    long double flops;        /* matrix products */
    long double other_flops;  /* softmax (~5 per score), feature maps, normalisers */
    long double read_bytes;   /* HBM reads */
    long double write_bytes;  /* HBM writes */
    long double kv_bytes;     /* cache or state held after the step (prefill writes it, decode reads it) */
    long double extra_bytes;  /* peak HBM working memory beyond inputs, outputs and cache */
    bool supported;           /* false: the variant has no such form (low-rank is non-causal) */
    char note[160];           /* why not supported, or what is assumed */
    /* flops is the useful work (causal: n(n+1)/2 scored pairs, the FlashAttention papers'
     * TFLOP/s convention); flops_executed what the algorithm computes at its tiles. */
    long double flops_executed;
    /* The HBM traffic split: read_bytes + write_bytes = kv_traffic_bytes (cache or state moved,
     * at the KV precision with its scales) + weight_bytes (weights read inside the op: MLA
     * W_UK/W_UV, low-rank E/F, Performer omega) + act_bytes (Q, O, scores, partials). */
    long double kv_traffic_bytes;
    long double weight_bytes;
    long double act_bytes;
    long double dram_bytes;   /* cache-aware: compulsory + re-reads that miss the LLC; <= HBM */
} attn_cost;

/* From dram_bytes when the cost has them (the cache-aware model), else HBM bytes. */
typedef struct attn_roofline {
    long double intensity;  /* FLOPs per DRAM byte */
    long double compute_s;  /* FLOPs / peak FLOP/s */
    long double memory_s;   /* bytes / bandwidth */
    long double time_s;     /* the larger of the two: a lower bound */
    bool memory_bound;
} attn_roofline;

ATTN_API int attn_plan_cost(const attn_plan *plan, const attn_cost_request *req, attn_cost *total,
                            attn_diag *diag);
/* The same for one layer of one sequence (layer index picks its window). */
ATTN_API int attn_plan_cost_layer(const attn_plan *plan, const attn_cost_request *req,
                                  int64_t layer, attn_cost *cost, attn_diag *diag);
ATTN_API void attn_roofline_compute(const attn_cost *cost, double peak_flops, double bandwidth,
                                    attn_roofline *out);
/* The same two with the cache-aware count under `cache` (NULL: none). */
int attn_plan_cost_cached(const attn_plan *plan, const attn_cost_request *req,
                          const attn_cache_model *cache, attn_cost *total, attn_diag *diag);
int attn_plan_cost_layer_cached(const attn_plan *plan, const attn_cost_request *req,
                                const attn_cache_model *cache, int64_t layer, attn_cost *cost,
                                attn_diag *diag);

/* ---- scaling fits (GSL) ------------------------------------------------------------------ */

/* y = a x^p by least squares in log-log space; [p_lo, p_hi] is the 95% interval for p. */
typedef struct attn_power_fit {
    double a, p, p_lo, p_hi;
    double r2;
    size_t n;
} attn_power_fit;
/* y = a x^2 + b x + c, least squares. */
typedef struct attn_quadratic_fit {
    double a, b, c;
    double chisq;
} attn_quadratic_fit;

/* Both need at least 3 points, all finite (and positive for the power fit). */
ATTN_API int attn_fit_power(const double *x, const double *y, size_t n, attn_power_fit *out);
ATTN_API int attn_fit_quadratic(const double *x, const double *y, size_t n,
                                attn_quadratic_fit *out);

/* ---- devices and capacity -------------------------------------------------------------- */

typedef struct attn_device {
    char name[64];
    char description[128];
    char path[1024];
    uint64_t memory_bytes;
    double bandwidth_bytes_per_s;
    double peak_flops_fp16;
    double peak_flops_fp32;
    uint64_t shared_mem_per_sm_bytes;
    int64_t sm_count;
    uint64_t l2_bytes;
    uint64_t memory_exposed_bytes; /* what the driver reports as total (cudaMemGetInfo); less
                                      than memory_bytes; = memory_bytes when not given */
    /* Optional (absent: sram tiles, a GPU): the flash kernel the device runs, and whether
     * its tiles share the last-level cache with the data (a CPU, the probed `local`). */
    attn_tiles flash_tiles;
    bool cpu_caches;
    double l2_bandwidth_bytes_per_s; /* optional: the L2 ceiling of the roofline (0 = none) */
} attn_device;

/* What the device tells the cache-aware count: its L2, SMs (threads) and flash kernel. */
attn_cache_model attn_device_cache(const attn_device *device);

/* spec: a preset name (models/devices/NAME.json) or a path to such a file. */
ATTN_API int attn_device_load(const char *spec, attn_device *device, attn_diag *diag);
ATTN_API int attn_device_foreach(int (*visit)(const char *name, const char *path, void *user),
                                 void *user);

typedef struct attn_capacity {
    uint64_t usable_bytes;  /* memory x utilisation */
    uint64_t weights_bytes; /* per rank */
    uint64_t free_bytes;    /* usable - weights (0 when weights do not fit) */
    uint64_t needed_bytes;  /* KV for batch x context on one rank */
    bool fits;
    int64_t max_batch;       /* at this context; 0 if not even one sequence fits */
    int64_t max_context;     /* at this batch; meaningless when context_unbounded */
    bool context_unbounded;  /* the cache stops growing (all layers windowed, or state-based) */
} attn_capacity;

ATTN_API int attn_capacity_compute(const attn_plan *plan, uint64_t memory_bytes, double mem_util,
                                   uint64_t weights_bytes, int64_t batch, int64_t context,
                                   attn_capacity *out);


/* ---- deployment engines: what vLLM or SGLang allocate on each GPU ----------------------- */

typedef enum attn_engine_id { ATTN_ENGINE_NONE, ATTN_ENGINE_VLLM, ATTN_ENGINE_SGLANG } attn_engine_id;

/* Settings of one engine start. Zero fields take the engine's defaults. */
typedef struct attn_engine_settings {
    attn_engine_id engine;
    uint64_t device_bytes;          /* memory the device exposes (cudaMemGetInfo's total) */
    double mem_util;                /* vLLM gpu_memory_utilization / SGLang mem_fraction_static */
    int64_t tp, pp;
    int64_t max_model_len;
    int64_t max_num_batched_tokens;
    int64_t max_num_seqs;
    int64_t block_size;             /* KV tokens per block (vLLM default 16) */
    bool enforce_eager;             /* no CUDA graphs */
    int cuda_graphs_in_budget;      /* -1 = the engine's default, 0 no, 1 yes */
    int64_t overhead_bytes;         /* measured non-torch memory; -1 = modelled */
    attn_quant quant;               /* weights as loaded */
    const char *device_name;        /* vLLM's defaults depend on it (A100); may be NULL */
    bool expert_parallel;           /* MoE experts placed whole, experts/tp per GPU */
} attn_engine_settings;

/* One GPU of the deployment: the pipeline stage with the fewest KV blocks (the engine
 * takes the minimum over stages). Every term is bytes on that GPU. */
typedef struct attn_engine_result {
    attn_engine_settings settings;  /* with the defaults filled in */
    int64_t stage;                  /* pipeline stage shown */
    int64_t stage_layers;           /* layers on it */
    uint64_t device_bytes;
    uint64_t budget_bytes;          /* device x mem_util (SGLang: of the free memory) */
    uint64_t outside_bytes;         /* CUDA context (and, for SGLang, NCCL) before the budget */
    uint64_t weights_bytes;         /* as loaded on this GPU */
    uint64_t activation_peak_bytes; /* profile run's torch peak (inside vLLM's budget only) */
    uint64_t non_torch_bytes;       /* cuBLAS workspaces, NCCL and all-reduce buffers */
    uint64_t cuda_graph_bytes;      /* graph pool estimate */
    int64_t kv_budget_bytes;        /* what is left for KV; negative when nothing is */
    uint64_t bytes_per_token;       /* KV per token on this GPU */
    uint64_t page_bytes;            /* one block across this GPU's layers */
    uint64_t gpu_blocks;
    uint64_t kv_cache_tokens;
    double max_concurrency;         /* requests of max_model_len at once */
    bool fits_max_model_len;
    char reason[320];               /* the engine's own words when it would refuse to start */
} attn_engine_result;

const char *attn_engine_name(attn_engine_id engine);
/* The precision an engine computes and caches in when told "auto": the checkpoint's, except
 * that fp32 checkpoints run in 16 bits (vLLM's ModelConfig dtype "auto"; SGLang likewise). */
attn_dtype attn_engine_dtype(const attn_model *model, attn_engine_id engine);
int attn_engine_parse(const char *text, attn_engine_id *out);
/* The plan must have been made with the same tp and the KV precision the engine uses. */
int attn_engine_compute(const attn_model *model, const attn_plan *plan,
                        const attn_engine_settings *settings, attn_engine_result *out,
                        attn_diag *diag);

/* Weights of one pipeline stage on one tensor-parallel rank, as the engine loads them. */
typedef struct attn_weights_loaded {
    uint64_t embedding;   /* vocab-parallel embedding (first stage) */
    uint64_t lm_head;     /* output head (last stage; a copy when tied and pp > 1) */
    uint64_t attention;   /* attention projections of this stage's layers, scales included */
    uint64_t mlp;         /* dense MLPs, shared and routed experts, routers */
    uint64_t norms;       /* norms and biases */
    uint64_t total;
} attn_weights_loaded;

/* expert_parallel: each GPU holds ceil(experts / tp) whole experts (vLLM
 * --enable-expert-parallel) instead of a 1/tp slice of every expert. */
int attn_weights_loaded_compute(const attn_model *model, const attn_quant *quant, int64_t tp,
                                int64_t pp, int64_t stage, bool expert_parallel,
                                attn_weights_loaded *out, attn_diag *diag);

/* The memory lines of a vLLM startup log (V0 or V1); absent values are NaN (reals) or -1
 * (integers). GiB throughout (V0's "GB" is GiB). */
typedef struct attn_vllm_log {
    int version;                    /* 0 or 1 */
    double total_gpu_memory_gib;
    double gpu_memory_utilization;
    double weights_gib;
    double non_torch_gib;
    double activation_peak_gib;
    double kv_available_gib;
    int64_t gpu_blocks;
    int64_t kv_cache_tokens;
    double max_concurrency;
    double peak_torch_gib;          /* v0.6: torch peak including the weights */
    int64_t concurrency_tokens;     /* tokens per request the concurrency line assumes */
    int64_t tp, pp, max_model_len;  /* from the engine's config line */
    int64_t max_num_batched_tokens, max_num_seqs, block_size;
    int enforce_eager;              /* -1 unknown */
    char kv_cache_dtype[16];
    char quantization[32];
    char model[256];
} attn_vllm_log;

int attn_vllm_log_read(const char *path, attn_vllm_log *out, attn_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
