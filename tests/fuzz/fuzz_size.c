/* fuzz_size.c — libFuzzer harness for the small text parsers a user types into flags:
 * sizes ("80GiB", "1.5TB") and precisions ("bf16", "torch.float8_e4m3fn").
 *
 * The bytes become one NUL-terminated string. Nothing may crash or hit UB; an accepted size
 * must be reproduced by printing it back as plain bytes, and an accepted precision must
 * name a real one.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    uint64_t bytes, again;
    if (attn_size_parse(text, &bytes) == ATTN_OK) {
        char plain[32];
        snprintf(plain, sizeof plain, "%" PRIu64, bytes);
        if (attn_size_parse(plain, &again) != ATTN_OK || again != bytes)
            abort();
    }
    attn_dtype dtype;
    if (attn_dtype_parse(text, &dtype) == ATTN_OK &&
        (dtype >= ATTN_DTYPE_COUNT || attn_dtype_bits(dtype) == 0))
        abort();
    free(text);
    return 0;
}
