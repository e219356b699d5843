/* threads.c — one knob for the kernels' threads: OpenMP (our loops) and OpenBLAS (its GEMMs)
 * get the same count, so `--threads N` means N everywhere. More threads than online cores
 * only oversubscribe (and OpenBLAS has a compiled-in maximum), so the count is clamped. */
#include <cblas.h>
#include <omp.h>
#include <unistd.h>

#include "ops.h"

void attn_kernels_set_threads(int threads)
{
    if (threads < 1)
        return;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores >= 1 && threads > cores)
        threads = (int)cores;
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
}

int attn_kernels_threads(void)
{
    return omp_get_max_threads();
}
