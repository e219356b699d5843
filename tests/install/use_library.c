/* use_library.c — a user's program: only <attnscope.h> and -lattnscope, built by
 * test_installed.sh against the installed library. It sizes Llama-3-8B's KV cache from the
 * installed preset: 32 layers x 8 KV heads x (128 + 128) elements x 2 bytes (bf16)
 * = 131,072 bytes per token. */
#include <attnscope.h>
#include <stdio.h>

int main(void)
{
    attn_model model;
    attn_diag diag = {{0}};
    int rc = attn_model_load("llama-3-8b", &model, &diag);
    if (rc != ATTN_OK) {
        fprintf(stderr, "attn_model_load: %s: %s\n", attn_strerror(rc), diag.msg);
        return 1;
    }
    attn_request req = {0};
    req.precision = attn_precision_default(model.dtype); /* a zero precision would be fp32 */
    attn_plan *plan = NULL;
    rc = attn_plan_init(&plan, &model, &req, &diag);
    if (rc != ATTN_OK) {
        fprintf(stderr, "attn_plan_init: %s: %s\n", attn_strerror(rc), diag.msg);
        attn_model_free(&model);
        return 1;
    }
    unsigned long long per_token = attn_plan_kv_bytes_per_token(plan);
    printf("%s: %llu KV bytes per token (%s)\n", model.name, per_token,
           attn_plan_kv_formula(plan));
    attn_plan_free(plan);
    attn_model_free(&model);
    return per_token == 131072ULL ? 0 : 1;
}
