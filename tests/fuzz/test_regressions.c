/* test_regressions.c — replays, in every build, what the fuzzers found and what they start
 * from (suite 'fuzz').
 *
 * Every file of tests/fuzz/regressions/, the config seeds (tests/fuzz/corpus/config/ and
 * models/presets/) and tests/data/bad/ goes through attn_model_parse (labelled with its
 * path) and then through fuzz_config.c's harness, linked in as a plain function, so the
 * fuzz checks run here without clang. A rejected file must get one line that starts with
 * its path; tests/data/bad/ must be rejected.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attnscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 4096;
            text = realloc(text, cap);
            assert_non_null(text);
        }
        size_t got = fread(text + *len, 1, cap - *len, f);
        if (got == 0)
            break;
        *len += got;
    }
    fclose(f);
    return text;
}

static void replay_file(const char *path, bool must_reject)
{
    size_t len;
    char *text = read_all(path, &len);
    attn_model m;
    attn_diag diag = {{0}};
    int rc = attn_model_parse(text, len, path, &m, &diag);
    if (rc == ATTN_OK) {
        attn_model_free(&m);
        if (must_reject)
            fail_msg("%s: accepted, expected an error", path);
    } else if (strncmp(diag.msg, path, strlen(path)) != 0 || strchr(diag.msg, '\n')) {
        fail_msg("%s: the message is not one line naming the file: \"%s\"", path, diag.msg);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)text, len);
    free(text);
}

/* Every regular file directly in dir; returns how many. */
static int replay_dir(const char *dir, bool must_reject)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("%s: cannot open directory", dir);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        replay_file(path, must_reject);
        files++;
    }
    closedir(d);
    return files;
}

static void fuzz_regressions(void **state)
{
    (void)state;
    assert_true(replay_dir(ATTN_FUZZ_DIR "/regressions", false) > 0);
}

static void fuzz_seed_corpus(void **state)
{
    (void)state;
    assert_true(replay_dir(ATTN_FUZZ_DIR "/corpus/config", false) > 0);
    assert_true(replay_dir(ATTN_SOURCE_MODELS_DIR "/presets", false) > 0);
}

static void bad_configs_rejected_in_one_line(void **state)
{
    (void)state;
    assert_true(replay_dir(ATTN_TEST_DATA_DIR "/bad", true) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuzz_regressions),
        cmocka_unit_test(fuzz_seed_corpus),
        cmocka_unit_test(bad_configs_rejected_in_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
