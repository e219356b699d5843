/* cuda_nvrtc.c — NVRTC through dlopen (cuda_nvrtc.h). Only nvrtc.h's types are used at build
 * time; the library is looked up by its usual names, then in the toolkit the build saw. */
#include <dlfcn.h>
#include <nvrtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"
#include "cuda_nvrtc.h"
#include "gpu_job.h"

#ifndef ATTN_CUDA_LIBDIR
#define ATTN_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif

enum { MAX_OPTIONS = 64 };

static struct {
    bool tried;
    int status;
    char why[200];
    nvrtcResult (*create)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                          const char *const *);
    nvrtcResult (*destroy)(nvrtcProgram *);
    nvrtcResult (*compile)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*log_size)(nvrtcProgram, size_t *);
    nvrtcResult (*log)(nvrtcProgram, char *);
    nvrtcResult (*ptx_size)(nvrtcProgram, size_t *);
    nvrtcResult (*ptx)(nvrtcProgram, char *);
    nvrtcResult (*cubin_size)(nvrtcProgram, size_t *);
    nvrtcResult (*cubin)(nvrtcProgram, char *);
} nv;

static void *open_nvrtc(void)
{
    static const char *const names[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
                                        "libnvrtc.so.11.2", ATTN_CUDA_LIBDIR "/libnvrtc.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib)
            return lib;
    }
    return NULL;
}

int attn_nvrtc_load(char *why, size_t len)
{
    if (!nv.tried) {
        nv.tried = true;
        void *lib = open_nvrtc();
        struct {
            const char *name;
            void **slot;
        } symbols[] = {
            {"nvrtcCreateProgram", (void **)&nv.create},
            {"nvrtcDestroyProgram", (void **)&nv.destroy},
            {"nvrtcCompileProgram", (void **)&nv.compile},
            {"nvrtcGetProgramLogSize", (void **)&nv.log_size},
            {"nvrtcGetProgramLog", (void **)&nv.log},
            {"nvrtcGetPTXSize", (void **)&nv.ptx_size},
            {"nvrtcGetPTX", (void **)&nv.ptx},
            {"nvrtcGetCUBINSize", (void **)&nv.cubin_size},
            {"nvrtcGetCUBIN", (void **)&nv.cubin},
        };
        if (!lib)
            snprintf(nv.why, sizeof nv.why, "libnvrtc not found (dlopen: %s)", dlerror());
        for (size_t i = 0; lib && i < sizeof symbols / sizeof symbols[0] && !nv.why[0]; i++)
            if (!(*symbols[i].slot = dlsym(lib, symbols[i].name)))
                snprintf(nv.why, sizeof nv.why, "libnvrtc lacks %s", symbols[i].name);
        nv.status = nv.why[0] ? ATTN_ERR_UNSUPPORTED : ATTN_OK;
    }
    if (nv.status && why)
        snprintf(why, len, "%s", nv.why);
    return nv.status;
}

/* options[] = the defines split at spaces (in `copy`), then the architecture; -1 when there
 * are more than MAX_OPTIONS - 1 defines (none is ever dropped). */
static int split_options(char *copy, const char *arch_option, const char **options)
{
    int count = 0;
    for (char *save = NULL, *token = strtok_r(copy, " ", &save); token;
         token = strtok_r(NULL, " ", &save)) {
        if (count == MAX_OPTIONS - 1)
            return -1;
        options[count++] = token;
    }
    options[count++] = arch_option;
    return count;
}

static void log_reason(nvrtcProgram program, char *why, size_t len)
{
    size_t size = 0;
    char *text = NULL;
    if (nv.log_size(program, &size) == NVRTC_SUCCESS && (text = malloc(size + 1)) &&
        nv.log(program, text) == NVRTC_SUCCESS) {
        text[size] = '\0';
        for (char *c = text; *c; c++)
            *c = *c == '\n' ? ' ' : *c;
        snprintf(why, len, "NVRTC: %s", text);
    } else {
        snprintf(why, len, "NVRTC compile failed (no log)");
    }
    free(text);
}

int attn_nvrtc_job_defines(const attn_gpu_job *job, char *defines, size_t len)
{
    size_t largest = 1;
    for (int i = 0; i < job->nlaunches; i++)
        largest = job->launches[i].local > largest ? job->launches[i].local : largest;
    int used = snprintf(defines, len, "%s -DATTN_MAX_LOCAL=%zu", job->defines, largest);
    return used < 0 || (size_t)used >= len ? ATTN_ERR_RANGE : ATTN_OK;
}

int attn_nvrtc_compile(const char *defines, const char *arch, bool ptx, char **image,
                       size_t *size, char *why, size_t len)
{
    int rc = attn_nvrtc_load(why, len);
    if (rc)
        return rc;
    char copy[ATTN_GPU_KEY_BYTES], arch_option[64];
    const char *options[MAX_OPTIONS];
    snprintf(copy, sizeof copy, "%s", defines);
    snprintf(arch_option, sizeof arch_option, "--gpu-architecture=%s%s", ptx ? "compute_" : "sm_",
             arch + (strncmp(arch, "sm_", 3) == 0 ? 3 : 0));
    int count = split_options(copy, arch_option, options);
    if (count < 0 || strlen(defines) >= sizeof copy) {
        snprintf(why, len, "NVRTC: more than %d defines or %zu characters of them",
                 MAX_OPTIONS - 1, sizeof copy - 1);
        return ATTN_ERR_RANGE;
    }
    nvrtcProgram program = NULL;
    if (nv.create(&program, attn_gpu_source, "attention.cu", 0, NULL, NULL) != NVRTC_SUCCESS) {
        snprintf(why, len, "nvrtcCreateProgram failed");
        return ATTN_ERR_NOMEM;
    }
    *image = NULL;
    rc = ATTN_ERR_UNSUPPORTED;
    if (nv.compile(program, count, options) != NVRTC_SUCCESS)
        log_reason(program, why, len);
    else if ((ptx ? nv.ptx_size : nv.cubin_size)(program, size) != NVRTC_SUCCESS ||
             !(*image = malloc(*size ? *size : 1)))
        snprintf(why, len, "NVRTC produced no %s", ptx ? "PTX" : "cubin");
    else if ((ptx ? nv.ptx : nv.cubin)(program, *image) == NVRTC_SUCCESS)
        rc = ATTN_OK;
    if (rc) {
        free(*image);
        *image = NULL;
    }
    nv.destroy(&program);
    return rc;
}
