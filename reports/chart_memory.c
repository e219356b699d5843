/* chart_memory.c — stacked bars of one GPU's memory under a serving engine: weights,
 * activations, non-torch memory, CUDA graphs, KV cache and what stays unused, so a reader
 * sees at a glance why a deployment holds fewer tokens than "memory - weights" suggests. */
#include <stdio.h>

#include "chart_memory.h"
#include "diag.h"
#include "plot.h"

static const char *const PART_TITLE[ATTN_MEMORY_PARTS] = {
    "weights", "activations (profile run)", "non-torch (NCCL, cuBLAS, ...)", "CUDA graphs",
    "KV cache", "unused (outside the budget)"};
static const char *const PART_COLOR[ATTN_MEMORY_PARTS] = {"#4c72b0", "#dd8452", "#937860",
                                                          "#8172b3", "#55a868", "#cccccc"};

typedef struct bars_ctx {
    const char *title;
    const attn_memory_bar *bars;
    size_t n;
} bars_ctx;

/* A label as a double-quoted data-block string: quotes and control characters dropped. */
static void put_label(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *p = text; *p; p++)
        if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            fputc(*p, out);
    fputc('"', out);
}

static void write_bars(FILE *out, const char *terminal, const void *data)
{
    const bars_ctx *c = data;
    int w = 200 + 90 * (int)c->n;
    w = w < 900 ? 900 : w;
    if (terminal[0] == 'p' && terminal[1] == 'd')
        fprintf(out, "set terminal %s size %.2fin,6.5in font 'Sans,9'\n", terminal, w / 100.0);
    else
        fprintf(out, "set terminal %s size %d,650 font 'Sans,11'\n", terminal, w);
    fputs("set output\nset encoding utf8\nset title noenhanced\nset title ", out);
    attn_plot_quote(out, c->title);
    fputs("\nset ylabel 'GiB per GPU'\nset style data histograms\n"
          "set style histogram rowstacked\nset style fill solid 0.9 border -1\n"
          "set boxwidth 0.7\nset key below maxrows 2 noenhanced\nset grid ytics\n"
          "set yrange [0:*]\nset xtics rotate by -35 noenhanced\n$D << EOD\n",
          out);
    for (size_t i = 0; i < c->n; i++) {
        put_label(out, c->bars[i].label);
        for (int p = 0; p < ATTN_MEMORY_PARTS; p++)
            fprintf(out, " %.6f", c->bars[i].gib[p] > 0 ? c->bars[i].gib[p] : 0.0);
        fputc('\n', out);
    }
    fputs("EOD\nplot ", out);
    for (int p = 0; p < ATTN_MEMORY_PARTS; p++) {
        fprintf(out, "%s$D using %d%s lc rgb '%s' title ", p ? ", " : "", p + 2,
                p ? "" : ":xtic(1)", PART_COLOR[p]);
        attn_plot_quote(out, PART_TITLE[p]);
    }
    fputs("\nset output\n", out);
}

int attn_chart_memory(const char *title, const attn_memory_bar *bars, size_t n,
                      const char *path, attn_diag *diag)
{
    if (!n)
        return attn_fail(diag, ATTN_ERR_RANGE, "%s: no GPU to draw", path);
    bars_ctx ctx = {title, bars, n};
    return attn_plot_run(path, write_bars, &ctx, diag);
}
