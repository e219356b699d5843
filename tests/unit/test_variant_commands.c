/* test_variant_commands.c — the test-only variant (keys_only_variant.h), registered through
 * attn_variant_register, is drawn by the `plot` and `report` commands themselves, run here
 * in-process through their entry points with no file of the program naming it: the report's
 * KV what-if table and cost table list it, and its kv and flops charts draw its line. */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"
#include "cli.h"
#include "keys_only_variant.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s was not written", path);
    static char buf[1 << 21];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Runs one sub-command as main would (getopt starts over for each). */
static int run(int (*command)(int, char **), char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    optind = 0;
    return command(argc, argv);
}

static int setup(void **state)
{
    (void)state;
    return attn_variant_register(&keys_only) == ATTN_OK ? 0 : -1;
}

static void report_lists_and_draws_it(void **state)
{
    (void)state;
    char dir[] = "/tmp/attnscope-test-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *argv[] = {"report", "llama-3-8b", "--no-measure", "--out", dir, NULL};
    assert_int_equal(run(cmd_report, argv), CLI_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/report.md", dir);
    const char *md = slurp(path);
    /* the KV what-if row at the model's 8,192-token context: 65,536 B per token
     * (keys_only_variant.h) x 8,192 = 2^29 B = 0.500 GiB, half of standard's */
    assert_non_null(strstr(md, "| keys-only | 8 KV heads x d_k 128 | 65536 | 0.500 | 0.500x |"));
    /* and a row of the analytic cost table */
    assert_non_null(strstr(md, "| keys-only | causal prefill |"));
    static const char *const charts[] = {"kv.svg", "flops.svg", "traffic.svg"};
    for (size_t i = 0; i < sizeof charts / sizeof *charts; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, charts[i]);
        if (!strstr(slurp(path), "keys-only"))
            fail_msg("the report's %s does not draw keys-only", charts[i]);
    }
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
}

static void plot_draws_it(void **state)
{
    (void)state;
    static const char *const kinds[] = {"kv", "flops", "traffic"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        char path[] = "/tmp/attnscope-test-plot-XXXXXX.svg";
        int fd = mkstemps(path, 4);
        assert_true(fd >= 0);
        close(fd);
        char *argv[] = {"plot", (char *)kinds[i], "llama-3-8b", "--out", path, NULL};
        assert_int_equal(run(cmd_plot, argv), CLI_OK);
        if (!strstr(slurp(path), "keys-only"))
            fail_msg("plot %s does not draw keys-only", kinds[i]);
        unlink(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_lists_and_draws_it),
        cmocka_unit_test(plot_draws_it),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
