/* cmd_variants.c — `attnscope variants`: the registry, in its order. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "variant.h"

int cmd_variants(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope variants\n  lists the attention variants of the registry, in "
             "its order, and the head layouts kv takes as --variant");
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CLI_USAGE, "variants: takes no arguments");
    for (size_t i = 0; i < attn_variant_count(); i++)
        printf("%-10s %s\n", attn_variant_name(i), attn_variant_summary(i));
    const char *sep = "(head layouts for kv:";
    for (size_t i = 0; i < attn_variant_count(); i++)
        for (const attn_variant_alias *a = attn_variant_at(i)->aliases; a && a->name; a++) {
            printf("%s %s = %s", sep, a->name, a->help);
            sep = ",";
        }
    if (sep[0] == ',')
        puts(")");
    return CLI_OK;
}
