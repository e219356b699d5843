/* test_plot.c — the gnuplot driver, judged by the files it writes: PNG size from the IHDR
 * chunk, one SVG group per series, the axis labels, a hostile title drawn literally and
 * running nothing, and a clear error (and no file) when gnuplot is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"
#include "test_util.h"

static const double XS[] = {1, 2, 4, 8, 16};
static const double Y1[] = {1, 4, 16, 64, 256};
static const double Y2[] = {2, 4, 8, 16, 32};
static const double Y3[] = {3, 3, 3, 3, 3};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static attn_plot three_series(const char *title, attn_series *s)
{
    s[0] = (attn_series){"n squared", XS, Y1, 5, ATTN_STYLE_LINE, 1};
    s[1] = (attn_series){"linear", XS, Y2, 5, ATTN_STYLE_POINTS, 2};
    s[2] = (attn_series){"flat", XS, Y3, 5, ATTN_STYLE_DASHED, 0};
    attn_plot p = {title, "tokens n", "bytes (B)", true, true, false, s, 3, NULL, 0, 640, 480};
    return p;
}

static void png_has_the_requested_size(void **state)
{
    (void)state;
    attn_series s[3];
    attn_plot p = three_series("size check", s);
    p.width = 777;
    p.height = 333;
    char path[] = "/tmp/attnscope-test-XXXXXX.png";
    close(mkstemps(path, 4));
    attn_diag diag = {{0}};
    if (attn_plot_write(&p, path, &diag))
        fail_msg("%s", diag.msg);
    size_t len;
    unsigned char *png = (unsigned char *)read_file(path, &len);
    assert_true(len > 24);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    unsigned w = (unsigned)png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19];
    unsigned h = (unsigned)png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23];
    assert_int_equal(w, 777);
    assert_int_equal(h, 333);
    free(png);
    unlink(path);
}

static void svg_has_one_group_per_series_and_the_labels(void **state)
{
    (void)state;
    attn_series s[3];
    attn_plot p = three_series("groups", s);
    char path[] = "/tmp/attnscope-test-XXXXXX.svg";
    close(mkstemps(path, 4));
    attn_diag diag = {{0}};
    if (attn_plot_write(&p, path, &diag))
        fail_msg("%s", diag.msg);
    size_t len;
    char *svg = read_file(path, &len);
    assert_int_equal(count(svg, "<g id=\"gnuplot_plot_"), 3);
    assert_non_null(strstr(svg, "gnuplot_plot_3"));
    assert_null(strstr(svg, "gnuplot_plot_4"));
    assert_non_null(strstr(svg, ">tokens n<"));
    assert_non_null(strstr(svg, ">bytes (B)<"));
    free(svg);
    unlink(path);
}

static void hostile_title_is_drawn_literally_and_runs_nothing(void **state)
{
    (void)state;
    char marker[] = "/tmp/attnscope-pwned-XXXXXX";
    close(mkstemp(marker));
    unlink(marker);
    char title[512];
    snprintf(title, sizeof title, "it's \"quoted\" \\back\\slash\nsecond line; rm -rf x `touch %s` @x $(touch %s)",
             marker, marker);
    attn_series s[3];
    attn_plot p = three_series(title, s);
    s[0].title = title;
    char path[] = "/tmp/attnscope-test-XXXXXX.svg";
    close(mkstemps(path, 4));
    attn_diag diag = {{0}};
    if (attn_plot_write(&p, path, &diag))
        fail_msg("%s", diag.msg);
    struct stat st;
    assert_int_not_equal(stat(marker, &st), 0); /* nothing ran */
    size_t len;
    char *svg = read_file(path, &len);
    assert_non_null(strstr(svg, "it's \"quoted\" \\back\\slash"));
    assert_non_null(strstr(svg, "second line; rm -rf x `touch /tmp/attnscope-pwned-"));
    free(svg);
    unlink(path);
}

static void missing_gnuplot_is_a_clear_error_and_leaves_no_file(void **state)
{
    (void)state;
    attn_series s[3];
    attn_plot p = three_series("none", s);
    setenv("ATTNSCOPE_GNUPLOT", "/nonexistent/gnuplot", 1);
    attn_diag diag = {{0}};
    const char *path = "/tmp/attnscope-test-missing-gnuplot.png";
    unlink(path);
    assert_int_equal(attn_plot_write(&p, path, &diag), ATTN_ERR_IO);
    unsetenv("ATTNSCOPE_GNUPLOT");
    assert_non_null(strstr(diag.msg, "/nonexistent/gnuplot"));
    assert_non_null(strstr(diag.msg, "gnuplot-nox"));
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(attn_plot_write(&p, "/tmp/x.gif", &diag), ATTN_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_has_the_requested_size),
        cmocka_unit_test(svg_has_one_group_per_series_and_the_labels),
        cmocka_unit_test(hostile_title_is_drawn_literally_and_runs_nothing),
        cmocka_unit_test(missing_gnuplot_is_a_clear_error_and_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
