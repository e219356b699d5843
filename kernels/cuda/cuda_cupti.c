/* cuda_cupti.c — DRAM bytes of a CUDA job from CUPTI's range profiler (cuda_cupti.h).
 *
 * The sequence is CUPTI's (CUDA 12.6+ range profiling): the host side turns the two metric
 * names into a config image for this chip and the counters available now; the target side
 * enables the range profiler on the context, sizes and initialises a counter-data image, and
 * collects one user range around the work, replaying it until every pass is submitted; the
 * host evaluates the decoded range into the two values. Only CUPTI's headers are used at
 * build time: every entry point comes from dlopen, and libnvperf_host (which CUPTI loads by
 * name) is preloaded from libcupti's own folder so that no LD_LIBRARY_PATH is needed.
 */
#define _GNU_SOURCE
#include <cupti_profiler_host.h>
#include <cupti_profiler_target.h>
#include <cupti_range_profiler.h>
#include <cupti_target.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"
#include "cuda_cupti.h"

#ifndef ATTN_CUDA_LIBDIR
#define ATTN_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif

static const char *METRICS[] = {"dram__bytes_read.sum", "dram__bytes_write.sum"};
enum { NMETRICS = sizeof METRICS / sizeof METRICS[0], MAX_PASSES = 16 };

static struct {
    bool tried;
    char why[200];
    CUptiResult (*result_string)(CUptiResult, const char **);
    CUptiResult (*initialize)(CUpti_Profiler_Initialize_Params *);
    CUptiResult (*chip_name)(CUpti_Device_GetChipName_Params *);
    CUptiResult (*availability)(CUpti_Profiler_GetCounterAvailability_Params *);
    CUptiResult (*host_init)(CUpti_Profiler_Host_Initialize_Params *);
    CUptiResult (*host_deinit)(CUpti_Profiler_Host_Deinitialize_Params *);
    CUptiResult (*add_metrics)(CUpti_Profiler_Host_ConfigAddMetrics_Params *);
    CUptiResult (*config_size)(CUpti_Profiler_Host_GetConfigImageSize_Params *);
    CUptiResult (*config_image)(CUpti_Profiler_Host_GetConfigImage_Params *);
    CUptiResult (*evaluate)(CUpti_Profiler_Host_EvaluateToGpuValues_Params *);
    CUptiResult (*enable)(CUpti_RangeProfiler_Enable_Params *);
    CUptiResult (*disable)(CUpti_RangeProfiler_Disable_Params *);
    CUptiResult (*data_size)(CUpti_RangeProfiler_GetCounterDataSize_Params *);
    CUptiResult (*data_init)(CUpti_RangeProfiler_CounterDataImage_Initialize_Params *);
    CUptiResult (*set_config)(CUpti_RangeProfiler_SetConfig_Params *);
    CUptiResult (*start)(CUpti_RangeProfiler_Start_Params *);
    CUptiResult (*stop)(CUpti_RangeProfiler_Stop_Params *);
    CUptiResult (*push)(CUpti_RangeProfiler_PushRange_Params *);
    CUptiResult (*pop)(CUpti_RangeProfiler_PopRange_Params *);
    CUptiResult (*decode)(CUpti_RangeProfiler_DecodeData_Params *);
} cupti;

static void *open_cupti(void)
{
    static const char *const names[] = {"libcupti.so", "libcupti.so.13", "libcupti.so.12",
                                        ATTN_CUDA_LIBDIR "/libcupti.so",
                                        ATTN_CUDA_LIBDIR "/../extras/CUPTI/lib64/libcupti.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib)
            return lib;
    }
    return NULL;
}

/* libnvperf_host.so from the folder libcupti came from, global, so CUPTI's own dlopen of it by
 * name finds it loaded. Missing is not an error here: CUPTI then reports its own failure. */
static void preload_nvperf(void *symbol)
{
    Dl_info info;
    if (!dladdr(symbol, &info) || !info.dli_fname)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s", info.dli_fname);
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "libnvperf_host.so");
    dlopen(path, RTLD_NOW | RTLD_GLOBAL);
}

static bool load_cupti(void)
{
    if (cupti.tried)
        return !cupti.why[0];
    cupti.tried = true;
    void *lib = open_cupti();
    if (!lib) {
        snprintf(cupti.why, sizeof cupti.why, "libcupti cannot be loaded (%s)", dlerror());
        return false;
    }
    struct {
        const char *name;
        void **slot;
    } symbols[] = {
        {"cuptiGetResultString", (void **)&cupti.result_string},
        {"cuptiProfilerInitialize", (void **)&cupti.initialize},
        {"cuptiDeviceGetChipName", (void **)&cupti.chip_name},
        {"cuptiProfilerGetCounterAvailability", (void **)&cupti.availability},
        {"cuptiProfilerHostInitialize", (void **)&cupti.host_init},
        {"cuptiProfilerHostDeinitialize", (void **)&cupti.host_deinit},
        {"cuptiProfilerHostConfigAddMetrics", (void **)&cupti.add_metrics},
        {"cuptiProfilerHostGetConfigImageSize", (void **)&cupti.config_size},
        {"cuptiProfilerHostGetConfigImage", (void **)&cupti.config_image},
        {"cuptiProfilerHostEvaluateToGpuValues", (void **)&cupti.evaluate},
        {"cuptiRangeProfilerEnable", (void **)&cupti.enable},
        {"cuptiRangeProfilerDisable", (void **)&cupti.disable},
        {"cuptiRangeProfilerGetCounterDataSize", (void **)&cupti.data_size},
        {"cuptiRangeProfilerCounterDataImageInitialize", (void **)&cupti.data_init},
        {"cuptiRangeProfilerSetConfig", (void **)&cupti.set_config},
        {"cuptiRangeProfilerStart", (void **)&cupti.start},
        {"cuptiRangeProfilerStop", (void **)&cupti.stop},
        {"cuptiRangeProfilerPushRange", (void **)&cupti.push},
        {"cuptiRangeProfilerPopRange", (void **)&cupti.pop},
        {"cuptiRangeProfilerDecodeData", (void **)&cupti.decode},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (!(*symbols[i].slot = dlsym(lib, symbols[i].name))) {
            snprintf(cupti.why, sizeof cupti.why,
                     "libcupti lacks %s (the range profiler needs CUDA 12.6 or later)",
                     symbols[i].name);
            return false;
        }
    preload_nvperf((void *)cupti.initialize);
    return true;
}

/* false, with the call and CUPTI's reason in why, when r is not CUPTI_SUCCESS. */
static bool ok(CUptiResult r, const char *call, char *why, size_t len)
{
    if (r == CUPTI_SUCCESS)
        return true;
    const char *text = NULL;
    if (cupti.result_string(r, &text) != CUPTI_SUCCESS || !text)
        text = "unknown CUPTI error";
    if (r == CUPTI_ERROR_INSUFFICIENT_PRIVILEGES)
        snprintf(why, len, "ERR_NVGPUCTRPERM: %s: the driver lets only administrators read GPU "
                           "performance counters (NVreg_RestrictProfilingToAdminUsers=0 or root)",
                 call);
    else
        snprintf(why, len, "%s: %s (%d)", call, text, (int)r);
    return false;
}

/* The config image for METRICS on this chip with the counters available on ctx now; the host
 * object keeps a pointer to the availability image, so the caller frees it after the host. */
static bool make_config(CUcontext ctx, int device_index, CUpti_Profiler_Host_Object **host,
                        uint8_t **availability, uint8_t **config, size_t *config_size,
                        char *why, size_t len)
{
    CUpti_Device_GetChipName_Params chip = {.structSize = CUpti_Device_GetChipName_Params_STRUCT_SIZE,
                                            .deviceIndex = (size_t)device_index};
    CUpti_Profiler_GetCounterAvailability_Params avail = {
        .structSize = CUpti_Profiler_GetCounterAvailability_Params_STRUCT_SIZE, .ctx = ctx};
    if (!ok(cupti.chip_name(&chip), "cuptiDeviceGetChipName", why, len) ||
        !ok(cupti.availability(&avail), "cuptiProfilerGetCounterAvailability", why, len))
        return false;
    uint8_t *image = *availability = malloc(avail.counterAvailabilityImageSize);
    avail.pCounterAvailabilityImage = image;
    bool good = image && ok(cupti.availability(&avail), "cuptiProfilerGetCounterAvailability",
                            why, len);
    CUpti_Profiler_Host_Initialize_Params init = {
        .structSize = CUpti_Profiler_Host_Initialize_Params_STRUCT_SIZE,
        .profilerType = CUPTI_PROFILER_TYPE_RANGE_PROFILER, .pChipName = chip.pChipName,
        .pCounterAvailabilityImage = image};
    good = good && ok(cupti.host_init(&init), "cuptiProfilerHostInitialize", why, len);
    if (!good)
        return false;
    *host = init.pHostObject;
    CUpti_Profiler_Host_ConfigAddMetrics_Params add = {
        .structSize = CUpti_Profiler_Host_ConfigAddMetrics_Params_STRUCT_SIZE,
        .pHostObject = *host, .ppMetricNames = METRICS, .numMetrics = NMETRICS};
    CUpti_Profiler_Host_GetConfigImageSize_Params size = {
        .structSize = CUpti_Profiler_Host_GetConfigImageSize_Params_STRUCT_SIZE,
        .pHostObject = *host};
    if (!ok(cupti.add_metrics(&add), "cuptiProfilerHostConfigAddMetrics", why, len) ||
        !ok(cupti.config_size(&size), "cuptiProfilerHostGetConfigImageSize", why, len))
        return false;
    CUpti_Profiler_Host_GetConfigImage_Params get = {
        .structSize = CUpti_Profiler_Host_GetConfigImage_Params_STRUCT_SIZE,
        .pHostObject = *host, .configImageSize = size.configImageSize,
        .pConfigImage = malloc(size.configImageSize)};
    *config = get.pConfigImage;
    *config_size = size.configImageSize;
    return get.pConfigImage && ok(cupti.config_image(&get), "cuptiProfilerHostGetConfigImage",
                                  why, len);
}

/* One user range around work, replayed until every pass is in; then decoded. */
static bool collect(CUpti_RangeProfiler_Object *object, attn_cupti_work work, void *arg,
                    char *why, size_t len)
{
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        CUpti_RangeProfiler_Start_Params start = {
            .structSize = CUpti_RangeProfiler_Start_Params_STRUCT_SIZE,
            .pRangeProfilerObject = object};
        CUpti_RangeProfiler_PushRange_Params push = {
            .structSize = CUpti_RangeProfiler_PushRange_Params_STRUCT_SIZE,
            .pRangeProfilerObject = object, .pRangeName = "attnscope"};
        CUpti_RangeProfiler_PopRange_Params pop = {
            .structSize = CUpti_RangeProfiler_PopRange_Params_STRUCT_SIZE,
            .pRangeProfilerObject = object};
        CUpti_RangeProfiler_Stop_Params stop = {
            .structSize = CUpti_RangeProfiler_Stop_Params_STRUCT_SIZE,
            .pRangeProfilerObject = object};
        if (!ok(cupti.start(&start), "cuptiRangeProfilerStart", why, len) ||
            !ok(cupti.push(&push), "cuptiRangeProfilerPushRange", why, len))
            return false;
        if (work(arg)) {
            snprintf(why, len, "the kernels failed under the profiler");
            return false;
        }
        if (!ok(cupti.pop(&pop), "cuptiRangeProfilerPopRange", why, len) ||
            !ok(cupti.stop(&stop), "cuptiRangeProfilerStop", why, len))
            return false;
        if (stop.isAllPassSubmitted) {
            CUpti_RangeProfiler_DecodeData_Params decode = {
                .structSize = CUpti_RangeProfiler_DecodeData_Params_STRUCT_SIZE,
                .pRangeProfilerObject = object};
            return ok(cupti.decode(&decode), "cuptiRangeProfilerDecodeData", why, len);
        }
    }
    snprintf(why, len, "the counters needed more than %d passes", MAX_PASSES);
    return false;
}

/* Enables the range profiler, collects into a fresh counter-data image and evaluates it. */
static bool measure(CUcontext ctx, CUpti_Profiler_Host_Object *host, uint8_t *config,
                    size_t config_size, attn_cupti_work work, void *arg, double values[NMETRICS],
                    char *why, size_t len)
{
    CUpti_RangeProfiler_Enable_Params enable = {
        .structSize = CUpti_RangeProfiler_Enable_Params_STRUCT_SIZE, .ctx = ctx};
    if (!ok(cupti.enable(&enable), "cuptiRangeProfilerEnable", why, len))
        return false;
    CUpti_RangeProfiler_Object *object = enable.pRangeProfilerObject;
    CUpti_RangeProfiler_GetCounterDataSize_Params size = {
        .structSize = CUpti_RangeProfiler_GetCounterDataSize_Params_STRUCT_SIZE,
        .pRangeProfilerObject = object, .pMetricNames = METRICS, .numMetrics = NMETRICS,
        .maxNumOfRanges = 1, .maxNumRangeTreeNodes = 1};
    uint8_t *data = NULL;
    bool good = ok(cupti.data_size(&size), "cuptiRangeProfilerGetCounterDataSize", why, len);
    if (good && !(data = malloc(size.counterDataSize))) {
        snprintf(why, len, "out of memory for the counter data");
        good = false;
    }
    CUpti_RangeProfiler_CounterDataImage_Initialize_Params init = {
        .structSize = CUpti_RangeProfiler_CounterDataImage_Initialize_Params_STRUCT_SIZE,
        .pRangeProfilerObject = object, .counterDataSize = size.counterDataSize,
        .pCounterData = data};
    CUpti_RangeProfiler_SetConfig_Params set = {
        .structSize = CUpti_RangeProfiler_SetConfig_Params_STRUCT_SIZE,
        .pRangeProfilerObject = object, .configSize = config_size, .pConfig = config,
        .counterDataImageSize = size.counterDataSize, .pCounterDataImage = data,
        .range = CUPTI_UserRange, .replayMode = CUPTI_UserReplay, .maxRangesPerPass = 1,
        .numNestingLevels = 1, .minNestingLevel = 1, .passIndex = 0, .targetNestingLevel = 1};
    CUpti_Profiler_Host_EvaluateToGpuValues_Params eval = {
        .structSize = CUpti_Profiler_Host_EvaluateToGpuValues_Params_STRUCT_SIZE,
        .pHostObject = host, .pCounterDataImage = data,
        .counterDataImageSize = size.counterDataSize, .rangeIndex = 0,
        .ppMetricNames = METRICS, .numMetrics = NMETRICS, .pMetricValues = values};
    good = good &&
           ok(cupti.data_init(&init), "cuptiRangeProfilerCounterDataImageInitialize", why, len) &&
           ok(cupti.set_config(&set), "cuptiRangeProfilerSetConfig", why, len) &&
           collect(object, work, arg, why, len) &&
           ok(cupti.evaluate(&eval), "cuptiProfilerHostEvaluateToGpuValues", why, len);
    CUpti_RangeProfiler_Disable_Params disable = {
        .structSize = CUpti_RangeProfiler_Disable_Params_STRUCT_SIZE,
        .pRangeProfilerObject = object};
    cupti.disable(&disable);
    free(data);
    return good;
}

int attn_cupti_dram_bytes(CUcontext ctx, int device_index, attn_cupti_work work, void *arg,
                          uint64_t *bytes, char *why, size_t len)
{
    *bytes = 0;
    if (!load_cupti()) {
        snprintf(why, len, "%s", cupti.why);
        return ATTN_ERR_UNSUPPORTED;
    }
    CUpti_Profiler_Initialize_Params initialize = {
        .structSize = CUpti_Profiler_Initialize_Params_STRUCT_SIZE};
    if (!ok(cupti.initialize(&initialize), "cuptiProfilerInitialize", why, len))
        return ATTN_ERR_UNSUPPORTED;
    CUpti_Profiler_Host_Object *host = NULL;
    uint8_t *availability = NULL, *config = NULL;
    size_t config_size = 0;
    double values[NMETRICS] = {0};
    bool good = make_config(ctx, device_index, &host, &availability, &config, &config_size, why,
                            len) &&
                measure(ctx, host, config, config_size, work, arg, values, why, len);
    if (host) {
        CUpti_Profiler_Host_Deinitialize_Params deinit = {
            .structSize = CUpti_Profiler_Host_Deinitialize_Params_STRUCT_SIZE,
            .pHostObject = host};
        cupti.host_deinit(&deinit);
    }
    free(config);
    free(availability);
    if (!good)
        return ATTN_ERR_UNSUPPORTED;
    if (!(values[0] >= 0 && values[1] >= 0 && values[0] + values[1] < 1.8e19)) {
        snprintf(why, len, "CUPTI returned DRAM bytes %g + %g", values[0], values[1]);
        return ATTN_ERR_UNSUPPORTED;
    }
    *bytes = (uint64_t)(values[0] + values[1]);
    return ATTN_OK;
}
