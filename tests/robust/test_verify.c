/* test_verify.c — the checks that stand between a full disk and a committed file
 * (reports/file_verify.c) and the UTF-8 cutting that keeps every claims row in the JSON
 * (reports/utf8_text.c), on hand-made bytes: each complete file passes, and the same file cut
 * short (as a full disk cuts it) fails with its reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attnscope.h"
#include "file_verify.h"
#include "utf8_text.h"

static char path[64];

static int verify_bytes(const char *name, const void *bytes, size_t len, attn_diag *diag)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return attn_file_verify(path, name, diag);
}

/* The smallest valid PNG: signature, IHDR (13 bytes), IDAT, IEND — lengths big-endian, each
 * chunk followed by a 4-byte CRC (the checker walks lengths, it does not check CRCs). */
static const unsigned char PNG[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 1, 2, 3, 4,
    0, 0, 0, 2, 'I', 'D', 'A', 'T', 0x78, 0x9c, 5, 6, 7, 8,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

static void png_whole_and_cut(void **state)
{
    (void)state;
    attn_diag diag = {{0}};
    assert_int_equal(verify_bytes("k.png", PNG, sizeof PNG, &diag), ATTN_OK);
    for (size_t cut = 0; cut < sizeof PNG; cut++) /* every truncation fails */
        assert_int_equal(verify_bytes("k.png", PNG, cut, &diag), ATTN_ERR_IO);
    assert_non_null(strstr(diag.msg, "IEND"));
    assert_non_null(strstr(diag.msg, "k.png"));
}

static void svg_pdf_html_csv(void **state)
{
    (void)state;
    static const struct {
        const char *name, *whole;
        size_t cut; /* bytes kept of `whole` in the truncated copy */
    } cases[] = {
        {"a.svg", "<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>\n", 40},
        {"a.pdf", "%PDF-1.5\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", 30},
        {"a.html", "<!DOCTYPE html>\n<html><body></body></html>\n", 30},
        {"a.csv", "a,b\n1,2\n", 6},
        {"a.md", "# t\n\ntext\n", 7},
    };
    attn_diag diag = {{0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(verify_bytes(cases[i].name, cases[i].whole, strlen(cases[i].whole), &diag),
                         ATTN_OK);
        assert_int_equal(verify_bytes(cases[i].name, cases[i].whole, cases[i].cut, &diag),
                         ATTN_ERR_IO);
        assert_int_equal(verify_bytes(cases[i].name, "", 0, &diag), ATTN_ERR_IO);
    }
    assert_int_equal(verify_bytes("a.json", "{", 1, &diag), ATTN_OK); /* no check for others */
}

static void utf8_cut_at_a_boundary(void **state)
{
    (void)state;
    char out[8];
    attn_utf8_copy(out, sizeof out, "caf\xc3\xa9\xc3\xa9\xc3\xa9"); /* 3 + 2 + 2 + 2 bytes */
    assert_string_equal(out, "caf\xc3\xa9\xc3\xa9");                /* 7 bytes: no half é */
    attn_utf8_copy(out, sizeof out, "\xff\xfe" "ab");
    assert_string_equal(out, "??ab");
    attn_utf8_copy(out, sizeof out, "\xed\xa0\x80" "x"); /* a UTF-16 surrogate, not UTF-8 */
    assert_string_equal(out, "???x");
    char text[] = "ok\xe2\x82"; /* a sequence cut short by snprintf */
    attn_utf8_fix(text);
    assert_string_equal(text, "ok??");
    char euro[] = "\xe2\x82\xac \xf0\x9f\x98\x80";
    attn_utf8_fix(euro);
    assert_string_equal(euro, "\xe2\x82\xac \xf0\x9f\x98\x80");
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/test_verify.%ld", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_whole_and_cut),
        cmocka_unit_test(svg_pdf_html_csv),
        cmocka_unit_test(utf8_cut_at_a_boundary),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return failed;
}
