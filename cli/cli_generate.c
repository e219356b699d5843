/* cli_generate.c — `attnscope completion bash|zsh` and `attnscope manpage`: shell completion
 * and the man page, generated from the same tables the program parses with.
 *
 * Why generated: hand-written completion and man pages drift from the parser. Here the
 * commands come from main.c's table, each command's flags from the getopt table it hands to
 * cli_options (asked through cli_describing, so the command parses nothing), its usage from
 * its own --help, and the values of common flags from the library (dtypes, variants, model
 * and device presets). The build runs these and `meson install` installs the results
 * (shell/meson.build).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { WORDS_MAX = 4096 };

typedef struct command_info {
    const cli_command *command;
    cli_description table; /* options NULL: the command parses by hand */
    char *usage;           /* its --help text (owned) */
} command_info;

/* Runs `command --help` with stdout sent to a temporary file and returns what it printed;
 * with cli_describing set, a command that parses through cli_options prints nothing and
 * leaves its table and usage there instead. */
static char *captured_help(const cli_command *c)
{
    char *argv[] = {(char *)c->name, "--help", NULL};
    FILE *tmp = tmpfile();
    int saved = dup(STDOUT_FILENO);
    char *text = NULL;
    long size = -1;
    if (tmp && saved >= 0 && fflush(stdout) == 0 && dup2(fileno(tmp), STDOUT_FILENO) >= 0) {
        c->run(2, argv);
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        if (fseek(tmp, 0, SEEK_END) == 0)
            size = ftell(tmp);
    }
    if (size >= 0 && (text = calloc((size_t)size + 1, 1))) {
        rewind(tmp);
        if (fread(text, 1, (size_t)size, tmp) != (size_t)size) {
            free(text);
            text = NULL;
        }
    }
    if (tmp)
        fclose(tmp);
    if (saved >= 0)
        close(saved);
    return text;
}

static void describe(const cli_command *c, command_info *info)
{
    info->command = c;
    memset(&info->table, 0, sizeof info->table);
    cli_describing = &info->table;
    info->usage = captured_help(c);
    cli_describing = NULL;
    if (info->table.usage) {
        free(info->usage);
        info->usage = strdup(info->table.usage);
    }
}

static int append_name(const char *name, const char *path, void *user)
{
    (void)path;
    char *buf = user;
    size_t n = strlen(buf);
    if (n + strlen(name) + 2 < WORDS_MAX)
        snprintf(buf + n, WORDS_MAX - n, "%s%s", n ? " " : "", name);
    return 0;
}

/* Words for a flag's value: from the library where it knows them, else NULL (files). */
static const char *value_words(const char *flag, char *buf, size_t len)
{
    buf[0] = '\0';
    if (strstr(flag, "dtype")) {
        for (int d = 0; d < ATTN_DTYPE_COUNT; d++)
            append_name(attn_dtype_name((attn_dtype)d), NULL, buf);
    } else if (strcmp(flag, "variant") == 0) {
        for (size_t i = 0; i < attn_variant_count(); i++)
            append_name(attn_variant_name(i), NULL, buf);
    } else if (strcmp(flag, "gpu") == 0 || strcmp(flag, "device") == 0) {
        attn_device_foreach(append_name, buf);
    } else if (strcmp(flag, "format") == 0) {
        snprintf(buf, len, "table csv json md");
    } else if (strcmp(flag, "phase") == 0) {
        snprintf(buf, len, "prefill decode");
    } else if (strcmp(flag, "backend") == 0) {
        snprintf(buf, len, "cpu opencl cuda all");
    }
    return buf[0] ? buf : NULL;
}

/* Flags whose value is a path: the completions offer files for these only. */
static bool takes_file(const char *flag)
{
    return strcmp(flag, "out") == 0 || strcmp(flag, "in") == 0 || strcmp(flag, "fits") == 0;
}

/* Flags of a command: its getopt table, or (hand-parsed commands) the --flags its usage names. */
static size_t command_flags(const command_info *info, const char **names, bool *takes_value,
                            size_t max)
{
    size_t n = 0;
    if (info->table.options) {
        for (const struct option *o = info->table.options; o->name && n < max; o++) {
            names[n] = o->name;
            takes_value[n++] = o->has_arg != no_argument;
        }
        return n;
    }
    static char words[WORDS_MAX];
    snprintf(words, sizeof words, "%s", info->usage ? info->usage : "");
    for (char *p = words; (p = strstr(p, "--")) && n < max;) {
        char *start = p + 2, *end = start;
        while ((*end >= 'a' && *end <= 'z') || *end == '-')
            end++;
        bool value = *end == ' ' && end[1] >= 'A' && end[1] <= 'Z';
        char was = *end;
        *end = '\0';
        bool seen = end == start;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strcmp(names[i], start) == 0;
        if (!seen) {
            names[n] = start;
            takes_value[n++] = value;
        }
        p = was ? end + 1 : end;
    }
    return n;
}

enum { FLAGS_MAX = 64 };
enum flags_kind { FLAGS_ALL, FLAGS_VALUED, FLAGS_FILES };

/* The flags of one kind as a bash word list: all, those taking a value, those taking a path. */
static void print_flags(const char **names, const bool *value, size_t n, enum flags_kind kind)
{
    const char *sep = "";
    for (size_t f = 0; f < n; f++)
        if (kind == FLAGS_ALL || (value[f] && (kind == FLAGS_VALUED || takes_file(names[f])))) {
            printf("%s--%s", sep, names[f]);
            sep = " ";
        }
}

static void bash_completion(const command_info *infos, size_t count)
{
    char words[WORDS_MAX], models[WORDS_MAX] = "";
    attn_preset_foreach(append_name, models);
    printf("# bash completion for attnscope (generated by `attnscope completion bash` from the\n"
           "# option tables its parser uses; do not edit)\n"
           "_attnscope() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    local cmd=${COMP_WORDS[1]} flags='' valued='' files=''\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < count; i++)
        printf("%s ", infos[i].command->name);
    printf("--help --version\" -- \"$cur\"))\n        return\n    fi\n    case \"$cmd\" in\n");
    for (size_t i = 0; i < count; i++) {
        const char *names[FLAGS_MAX];
        bool value[FLAGS_MAX];
        size_t n = command_flags(&infos[i], names, value, FLAGS_MAX);
        printf("    %s) flags='", infos[i].command->name);
        print_flags(names, value, n, FLAGS_ALL);
        printf("'; valued='");
        print_flags(names, value, n, FLAGS_VALUED);
        printf("'; files='");
        print_flags(names, value, n, FLAGS_FILES);
        printf("' ;;\n");
    }
    printf("    esac\n    case \"$prev\" in\n");
    static const char *const valued[] = {"kv-dtype", "weights-dtype", "dtype", "variant",
                                         "gpu", "device", "format", "phase", "backend"};
    for (size_t v = 0; v < sizeof valued / sizeof valued[0]; v++)
        printf("    --%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", valued[v],
               value_words(valued[v], words, sizeof words));
    printf("    esac\n"
           "    if [[ \" $files \" == *\" $prev \"* ]]; then\n"
           "        COMPREPLY=($(compgen -f -- \"$cur\")); return\n"
           "    elif [[ \" $valued \" == *\" $prev \"* ]]; then\n"
           "        COMPREPLY=(); return  # a number or size: nothing to offer\n"
           "    fi\n"
           "    if [[ \"$cur\" == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -W \"%s\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -o filenames -F _attnscope attnscope\n",
           models);
}

/* zsh _arguments needs ':' and brackets in descriptions escaped; we use none. */
static void zsh_completion(const command_info *infos, size_t count)
{
    char words[WORDS_MAX], models[WORDS_MAX] = "";
    attn_preset_foreach(append_name, models);
    printf("#compdef attnscope\n"
           "# zsh completion for attnscope (generated by `attnscope completion zsh` from the\n"
           "# option tables its parser uses; do not edit)\n"
           "_attnscope() {\n"
           "  local -a commands\n"
           "  commands=(\n");
    for (size_t i = 0; i < count; i++) {
        printf("    '%s:", infos[i].command->name);
        for (const char *s = infos[i].command->summary; *s; s++)
            fputs(*s == '\'' ? "'\\''" : *s == ':' ? "\\:" : (char[2]){*s, 0}, stdout);
        printf("'\n");
    }
    printf("  )\n"
           "  if (( CURRENT == 2 )); then\n"
           "    _describe 'attnscope command' commands\n"
           "    return\n"
           "  fi\n"
           "  local model=\"_alternative 'presets:preset:(%s)' 'files:file:_files'\"\n"
           "  case $words[2] in\n",
           models);
    for (size_t i = 0; i < count; i++) {
        const char *names[FLAGS_MAX];
        bool value[FLAGS_MAX];
        size_t n = command_flags(&infos[i], names, value, FLAGS_MAX);
        printf("    %s) _arguments -s", infos[i].command->name);
        for (size_t f = 0; f < n; f++) {
            if (!value[f]) {
                printf(" '--%s'", names[f]);
                continue;
            }
            const char *list = value_words(names[f], words, sizeof words);
            printf(" '--%s:%s:%s%s%s'", names[f], names[f], list ? "(" : "",
                   list ? list : takes_file(names[f]) ? "_files" : " ", list ? ")" : "");
        }
        printf(" \"*:argument:$model\" ;;\n");
    }
    printf("  esac\n}\n_attnscope \"$@\"\n");
}

/* roff: a backslash is \e, a leading dot or quote needs \&, a '-' in a flag is \-, and a
 * UTF-8 character (the usages say x as \u00d7) is \[uXXXX], since groff reads bytes. */
static void roff_line(const char *line, size_t len)
{
    if (len && (line[0] == '.' || line[0] == '\''))
        fputs("\\&", stdout);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        if (extra && i + extra < len) {
            unsigned code = c & (0x3fu >> extra);
            for (size_t k = 1; k <= extra; k++)
                code = code << 6 | ((unsigned char)line[i + k] & 0x3fu);
            printf("\\[u%04X]", code);
            i += extra;
        } else if (c == '\\') {
            fputs("\\e", stdout);
        } else if (c == '-') {
            fputs("\\-", stdout);
        } else if (c < 0x80) {
            putchar(c);
        }
    }
    putchar('\n');
}

static void roff_block(const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        roff_line(text, len);
        text += len + (nl ? 1 : 0);
    }
}

static void man_page(const command_info *infos, size_t count)
{
    printf(".\\\" attnscope.1, generated by `attnscope manpage` from each command's --help; "
           "do not edit\n"
           ".TH ATTNSCOPE 1 \"\" \"attnscope %s\" \"User Commands\"\n"
           ".SH NAME\n"
           "attnscope \\- memory and cost of transformer attention, computed and measured\n"
           ".SH SYNOPSIS\n"
           ".B attnscope\n.I COMMAND\n[\\fIoptions\\fR]\n"
           ".SH DESCRIPTION\n"
           "attnscope sizes KV caches, computes the FLOPs and HBM traffic of attention variants,\n"
           "runs real kernels beside the model, plots, writes reports and checks published\n"
           "claims. Sizes are exact bytes, shown in GB (1e9) and GiB (2^30).\n"
           "MODEL is a preset name (\\fBattnscope models\\fR), a config.json, a directory\n"
           "holding one, or a Hugging Face id \\fIorg/name\\fR[\\fI@revision\\fR] read from the\n"
           "local hub cache (nothing is downloaded).\n"
           ".SH COMMANDS\n",
           ATTN_VERSION);
    for (size_t i = 0; i < count; i++) {
        printf(".SS %s\n", infos[i].command->name);
        roff_block(infos[i].command->summary);
        printf(".PP\n.nf\n");
        roff_block(infos[i].usage);
        printf(".fi\n");
    }
    printf(".SH ENVIRONMENT\n"
           ".TP\n.B ATTNSCOPE_DATA_DIR\nthe folder holding presets/ and devices/ (default: the "
           "installed share/attnscope/models)\n"
           ".TP\n.B HF_HUB_CACHE\\fR, \\fBHF_HOME\\fR, \\fBXDG_CACHE_HOME\n"
           "where Hugging Face ids are looked up: $HF_HUB_CACHE, else $HF_HOME/hub, else\n"
           "$XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub\n"
           ".SH EXIT STATUS\n"
           "0 on success; 2 for a usage or input error (one line on stderr names the file, field\n"
           "and value); 1 for any other failure; 130 when interrupted.\n"
           ".SH SEE ALSO\n"
           "README.md and models/README.md in the source; \\fBgnuplot\\fR(1)\n");
}

static int cli_generate(int argc, char **argv, const char *what)
{
    size_t count;
    const cli_command *commands = cli_commands(&count);
    if (strcmp(what, "completion") == 0 && (argc != 2 || (strcmp(argv[1], "bash") != 0 &&
                                                          strcmp(argv[1], "zsh") != 0)))
        return cli_fail(CLI_USAGE, "completion: expected bash or zsh "
                                   "(source <(attnscope completion bash))");
    if (strcmp(what, "manpage") == 0 && argc != 1)
        return cli_fail(CLI_USAGE, "manpage: takes no arguments (attnscope manpage > attnscope.1)");
    command_info *infos = calloc(count, sizeof *infos);
    if (!infos)
        return cli_fail(CLI_FAILED, "%s: out of memory", what);
    size_t n = 0;
    for (; n < count; n++)
        describe(&commands[n], &infos[n]);
    if (strcmp(what, "manpage") == 0)
        man_page(infos, n);
    else if (strcmp(argv[1], "bash") == 0)
        bash_completion(infos, n);
    else
        zsh_completion(infos, n);
    for (size_t i = 0; i < n; i++)
        free(infos[i].usage);
    free(infos);
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAILED;
}

int cmd_completion(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope completion bash|zsh\n  prints the completion script "
             "(bash: source <(attnscope completion bash); zsh: save as _attnscope in $fpath)");
        return CLI_OK;
    }
    return cli_generate(argc, argv, "completion");
}

int cmd_manpage(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: attnscope manpage\n  prints the man page attnscope.1 (roff)");
        return CLI_OK;
    }
    return cli_generate(argc, argv, "manpage");
}
