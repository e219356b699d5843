/* gnuplot.c — driving gnuplot as a child process (see plot.h for the contract).
 *
 * The script goes to gnuplot's stdin and its stderr comes back through a pipe, so a failure
 * is reported with gnuplot's own first line. posix_spawnp, never a shell: nothing the user
 * typed is ever a command line. gnuplot draws to its stdout, which is the temporary file, so
 * no path is ever spelled in a script (a tab or newline in a folder name cannot break it);
 * the file is verified complete before it is committed (file_verify.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "diag.h"
#include "plot.h"

extern char **environ;

/* A gnuplot single-quoted string: '' stands for ', nothing else is special. A newline ends
 * the quote and continues with the concatenation . "\n" . so multi-line titles stay literal;
 * other control characters become spaces. */
static void put_quoted(FILE *out, const char *text)
{
    fputc('\'', out);
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\'')
            fputs("''", out);
        else if (*p == '\n')
            fputs("' . \"\\n\" . '", out);
        else if ((unsigned char)*p < 0x20 || *p == 0x7f)
            fputc(' ', out);
        else
            fputc(*p, out);
    }
    fputc('\'', out);
}

static const char *terminal_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (strcmp(dot, ".png") == 0)
        return "pngcairo";
    if (strcmp(dot, ".svg") == 0)
        return "svg";
    if (strcmp(dot, ".pdf") == 0)
        return "pdfcairo";
    return NULL;
}

static bool plottable(const attn_plot *plot, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!plot->logx || x > 0) && (!plot->logy || y > 0);
}

/* Colour-blind-safe (Okabe-Ito) plus two, indexed by attn_plot_color. */
static const char *const PALETTE[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                      "#56B4E9", "#000000", "#8C564B", "#7F7F7F", "#BCBD22"};
enum { PALETTE_SIZE = sizeof PALETTE / sizeof PALETTE[0] };

int attn_plot_color(const char *variant)
{
    for (size_t i = 0; i < attn_variant_count(); i++)
        if (variant && strcmp(variant, attn_variant_name(i)) == 0)
            return (int)(i % PALETTE_SIZE) + 1;
    unsigned hash = 0;
    for (const char *p = variant ? variant : ""; *p; p++)
        hash = hash * 31u + (unsigned char)*p;
    return (int)(hash % PALETTE_SIZE) + 1;
}

/* A log x axis spanning less than three decades gets base-2 ticks (token counts are powers
 * of two), or it shows one label; y keeps decades. */
static void log_axis(FILE *out, const attn_plot *plot, char axis, bool si)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < plot->nseries; s++)
        for (size_t i = 0; i < plot->series[s].n; i++) {
            double v = axis == 'x' ? plot->series[s].x[i] : plot->series[s].y[i];
            if (v > 0 && isfinite(v))
                lo = fmin(lo, v), hi = fmax(hi, v);
        }
    bool narrow = axis == 'x' && hi / lo < 1000;
    fprintf(out, "set logscale %c %d\nset format %c %s\n", axis, narrow ? 2 : 10, axis,
            si ? "'%.0s%c'" : "'%g'");
}

static const char *style_text(attn_series_style style)
{
    switch (style) {
    case ATTN_STYLE_DASHED: return "lines dt 2 lw 2";
    case ATTN_STYLE_POINTS: return "points pt 7 ps 1.2";
    case ATTN_STYLE_LINEPOINTS: return "linespoints pt 7 ps 1 lw 2";
    default: return "lines lw 2";
    }
}

static void write_script(FILE *out, const attn_plot *plot, const char *terminal)
{
    int w = plot->width ? plot->width : 1000, h = plot->height ? plot->height : 650;
    if (!plot->height && plot->nseries + plot->nhlines > 8) /* keep the key off the plot area */
        h += 22 * (int)((plot->nseries + plot->nhlines - 8 + 1) / 2);
    if (strcmp(terminal, "pdfcairo") == 0)
        fprintf(out, "set terminal pdfcairo size %.2fin,%.2fin font 'Sans,9'\n", w / 100.0, h / 100.0);
    else
        fprintf(out, "set terminal %s size %d,%d font 'Sans,11'%s\n", terminal, w, h,
                strcmp(terminal, "svg") == 0 ? " dynamic" : "");
    fputs("set output\nset encoding utf8\nset grid\nset autoscale xfix\nset key below maxrows 4 noenhanced\n", out);
    fputs("set title noenhanced\nset xlabel noenhanced\nset ylabel noenhanced\n", out);
    const char *labels[3][2] = {{"title", plot->title}, {"xlabel", plot->xlabel},
                                {"ylabel", plot->ylabel}};
    for (int i = 0; i < 3; i++) {
        fprintf(out, "set %s ", labels[i][0]);
        put_quoted(out, labels[i][1]);
        fputc('\n', out);
    }
    if (plot->logx)
        log_axis(out, plot, 'x', plot->si_ticks);
    if (plot->logy)
        log_axis(out, plot, 'y', plot->si_ticks);
    for (size_t s = 0; s < plot->nseries; s++) {
        fprintf(out, "$S%zu << EOD\n", s);
        for (size_t i = 0; i < plot->series[s].n; i++)
            if (plottable(plot, plot->series[s].x[i], plot->series[s].y[i]))
                fprintf(out, "%.10g %.10g\n", plot->series[s].x[i], plot->series[s].y[i]);
        fputs("EOD\n", out);
    }
    fputs("plot ", out);
    for (size_t s = 0; s < plot->nseries; s++) {
        fprintf(out, "%s$S%zu using 1:2 with %s", s ? ", " : "", s,
                style_text(plot->series[s].style));
        if (plot->series[s].color > 0)
            fprintf(out, " lc rgb '%s'", PALETTE[(plot->series[s].color - 1) % PALETTE_SIZE]);
        fputs(" title ", out);
        put_quoted(out, plot->series[s].title);
    }
    for (size_t l = 0; l < plot->nhlines; l++) {
        if (!plottable(plot, 1, plot->hlines[l].y))
            continue;
        fprintf(out, "%s%.10g with lines dt 3 lw 2 lc rgb '#555555' title ",
                plot->nseries || l ? ", " : "", plot->hlines[l].y);
        put_quoted(out, plot->hlines[l].label);
    }
    fputs("\nset output\n", out);
}

/* Spawns gnuplot with its stdin and stderr on pipes and its stdout on output_fd. */
static int spawn_gnuplot(pid_t *pid, int output_fd, FILE **script, int *err_fd,
                         attn_diag *diag)
{
    const char *program = getenv("ATTNSCOPE_GNUPLOT");
    if (!program || !*program)
        program = "gnuplot";
    int in[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        return attn_fail(diag, ATTN_ERR_IO, "gnuplot: cannot create pipes: %s", strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
    char *argv[] = {(char *)program, NULL};
    int rc = posix_spawnp(pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(err[0]);
        return attn_fail(diag, ATTN_ERR_IO,
                         "gnuplot: cannot run '%s': %s (install gnuplot-nox, or set "
                         "ATTNSCOPE_GNUPLOT)", program, strerror(rc));
    }
    *script = fdopen(in[1], "w");
    *err_fd = err[0];
    return ATTN_OK;
}

/* Waits for gnuplot; fails with its first stderr line when it failed or wrote nothing. */
static int finish_gnuplot(pid_t pid, int err_fd, const char *tmp_path, attn_diag *diag)
{
    char text[512] = "", chunk[512];
    size_t used = 0;
    ssize_t got;
    while ((got = read(err_fd, chunk, sizeof chunk)) > 0) { /* drain; keep the start */
        size_t take = (size_t)got < sizeof text - 1 - used ? (size_t)got : sizeof text - 1 - used;
        memcpy(text + used, chunk, take);
        used += take;
    }
    text[used] = '\0';
    close(err_fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    FILE *made = fopen(tmp_path, "rb");
    bool wrote = made && fgetc(made) != EOF;
    if (made)
        fclose(made);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote)
        return ATTN_OK;
    char *line = text + strspn(text, "\n ");
    line[strcspn(line, "\n")] = '\0';
    return attn_fail(diag, ATTN_ERR_IO, "gnuplot failed (status %d): %s",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, line[0] ? line : "no output");
}

static bool anything_to_draw(const attn_plot *plot)
{
    for (size_t s = 0; s < plot->nseries; s++)
        for (size_t i = 0; i < plot->series[s].n; i++)
            if (plottable(plot, plot->series[s].x[i], plot->series[s].y[i]))
                return true;
    return false;
}

void attn_plot_quote(FILE *out, const char *text)
{
    put_quoted(out, text);
}

int attn_plot_run(const char *path, attn_plot_script write, const void *ctx, attn_diag *diag)
{
    const char *terminal = terminal_for(path);
    if (!terminal)
        return attn_fail(diag, ATTN_ERR_UNSUPPORTED,
                         "%s: unknown plot format (use .png, .svg or .pdf)", path);
    /* gnuplot writes the temporary file; it replaces `path` only once gnuplot succeeded */
    attn_atomic_file file;
    int rc = attn_atomic_open(&file, path, diag);
    if (rc)
        return rc;
    pid_t pid;
    FILE *script = NULL;
    int err_fd = -1;
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a dying gnuplot must not kill us */
    rc = spawn_gnuplot(&pid, fileno(file.out), &script, &err_fd, diag);
    if (!rc) {
        write(script, terminal, ctx);
        fclose(script);
        rc = finish_gnuplot(pid, err_fd, file.tmp_path, diag);
    }
    signal(SIGPIPE, old_pipe);
    if (rc)
        attn_atomic_abort(&file);
    else
        rc = attn_atomic_commit(&file, diag);
    return rc;
}

static void write_plot(FILE *out, const char *terminal, const void *ctx)
{
    write_script(out, ctx, terminal);
}

int attn_plot_write(const attn_plot *plot, const char *path, attn_diag *diag)
{
    if (terminal_for(path) && !anything_to_draw(plot))
        return attn_fail(diag, ATTN_ERR_RANGE, "%s: nothing to draw for '%s' (no finite, "
                         "positive point)", path, plot->title ? plot->title : "");
    return attn_plot_run(path, write_plot, plot, diag);
}
