/* throughput.h — a serving throughput model: decode and prefill tokens/s of one model
 * replica (tp GPUs) on a device's roofline, up to the largest batch whose cache fits.
 *
 * A decode step at batch B reads the weights once (for MoE: the experts the B tokens touch)
 * and every sequence's KV cache, and does 2 x active parameters x B FLOPs plus attention;
 * its time is max(FLOPs / peak, bytes / bandwidth), and it yields B tokens. Prefill of n
 * tokens is one step over n tokens. Activations, communication between the tp ranks and
 * scheduling overheads are not modelled: the numbers are upper bounds.
 *
 * Ownership: attn_serve_init fills an attn_serve that owns a plan; attn_serve_free releases it.
 */
#ifndef ATTN_THROUGHPUT_H
#define ATTN_THROUGHPUT_H

#include "attnscope.h"

typedef struct attn_serve_request {
    const attn_model *model;
    const attn_device *device;
    const char *variant;     /* NULL: the model's own attention */
    int64_t tp;              /* GPUs holding one replica (tensor parallel) */
    int64_t context;         /* tokens in each sequence's cache during decode; prefill length */
    attn_dtype weights_dtype;
    attn_dtype kv_dtype;
    double kv_bits;          /* cache bits per element when not a dtype's (6 for DeepSeek-V2); 0 = kv_dtype */
    double mem_util;         /* share of device memory the engine may use */
    const char *engine;      /* NULL or "none": plain capacity; see serve_capacity() */
} attn_serve_request;

typedef struct attn_serve {
    attn_serve_request req;
    attn_plan *plan;
    attn_params params;
    uint64_t weights_rank_bytes; /* every weight of the replica / tp, as loaded */
    uint64_t free_bytes;         /* per rank, for the cache */
    uint64_t kv_seq_bytes;       /* one sequence's cache at the context, per rank */
    int64_t max_batch;           /* sequences whose cache fits */
    char capacity_note[160];     /* which capacity rule was used */
} attn_serve;

typedef struct attn_serve_point {
    int64_t batch;               /* sequences decoded together (prefill: 1) */
    long double experts_touched; /* per MoE layer, expected (uniform routing) */
    long double weight_bytes;    /* per rank per step */
    long double kv_bytes;        /* per rank per step */
    long double flops;           /* per rank per step */
    long double step_s;
    bool memory_bound;
    long double tokens_per_s;    /* for the replica */
} attn_serve_point;

int attn_serve_init(attn_serve *s, const attn_serve_request *req, attn_diag *diag);
void attn_serve_free(attn_serve *s);
/* One decode step of `batch` sequences at the request's context. */
int attn_serve_decode(const attn_serve *s, int64_t batch, attn_serve_point *out, attn_diag *diag);
/* Prefill of one sequence of `context` tokens. */
int attn_serve_prefill(const attn_serve *s, attn_serve_point *out, attn_diag *diag);

#endif
