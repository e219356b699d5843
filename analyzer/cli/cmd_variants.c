/* cmd_variants.c — `attnscope variants`: the registry, in its order. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_variants(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope variants\n  lists the attention variants (the registry)");
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CLI_USAGE, "variants: takes no arguments");
    for (size_t i = 0; i < attn_variant_count(); i++)
        printf("%-10s %s\n", attn_variant_name(i), attn_variant_summary(i));
    puts("(head layouts for kv: mha = every head its own K/V, gqa = --kv-heads G groups, "
         "mqa = one K/V head)");
    return CLI_OK;
}
