/* hf_cache.c — resolving org/name[@revision] to a config.json in the Hugging Face hub cache.
 *
 * Why: people who use transformers or vLLM type a hub id first, and their machine usually
 * holds the config already. The cache layout and its directory follow huggingface_hub
 * (constants.py: HF_HUB_CACHE, else HF_HOME/hub, HF_HOME defaulting to
 * $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface; file_download.py: a repo is
 * models--ORG--NAME with refs/REVISION holding a commit hash and snapshots/HASH/FILE).
 * A revision that is a 40-hex commit names its snapshot directly; anything else is a ref.
 * Names are restricted to the characters the hub allows, so no id can climb out of the cache.
 */
#include "hf_cache.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"

enum { PART_MAX = 96 };

/* org, name and revision: [A-Za-z0-9] then [A-Za-z0-9._-]; so never "." or "..". */
static bool valid_part(const char *s, size_t n)
{
    if (n == 0 || n >= PART_MAX || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return false;
    return true;
}

typedef struct hf_id {
    char org[PART_MAX], name[PART_MAX], revision[PART_MAX];
    bool revision_given;
} hf_id;

static bool parse_id(const char *spec, hf_id *id)
{
    const char *slash = strchr(spec, '/');
    if (!slash)
        return false;
    const char *at = strchr(slash, '@');
    size_t org_n = (size_t)(slash - spec);
    size_t name_n = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
    const char *rev = at ? at + 1 : "main";
    if (!valid_part(spec, org_n) || !valid_part(slash + 1, name_n) ||
        !valid_part(rev, strlen(rev)))
        return false;
    snprintf(id->org, sizeof id->org, "%.*s", (int)org_n, spec);
    snprintf(id->name, sizeof id->name, "%.*s", (int)name_n, slash + 1);
    snprintf(id->revision, sizeof id->revision, "%s", rev);
    id->revision_given = at != NULL;
    return true;
}

bool attn_hf_is_id(const char *spec)
{
    hf_id id;
    return spec && parse_id(spec, &id);
}

const char *attn_hf_cache_dir(char *buf, size_t len)
{
    const char *env;
    if ((env = getenv("HF_HUB_CACHE")) && *env)
        snprintf(buf, len, "%s", env);
    else if ((env = getenv("HUGGINGFACE_HUB_CACHE")) && *env) /* huggingface_hub's old name */
        snprintf(buf, len, "%s", env);
    else if ((env = getenv("HF_HOME")) && *env)
        snprintf(buf, len, "%s/hub", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && *env)
        snprintf(buf, len, "%s/huggingface/hub", env);
    else
        snprintf(buf, len, "%s/.cache/huggingface/hub", (env = getenv("HOME")) ? env : "");
    return buf;
}

static bool is_40_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return false;
    return n == 40;
}

/* The commit a ref file names: 40 hex digits, optionally followed by a newline. */
static bool read_ref(const char *path, char commit[41])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[64] = {0};
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!ok || !is_40_hex(line))
        return false;
    memcpy(commit, line, 41);
    return true;
}

static int not_cached(attn_diag *diag, const hf_id *id, const char *what)
{
    char rev[PART_MAX + 16] = "";
    if (id->revision_given)
        snprintf(rev, sizeof rev, " --revision %s", id->revision);
    return attn_fail(diag, ATTN_ERR_IO,
                     "%s/%s%s%s: %s; nothing is downloaded: run "
                     "`huggingface-cli download %s/%s config.json%s` first",
                     id->org, id->name, id->revision_given ? "@" : "",
                     id->revision_given ? id->revision : "", what, id->org, id->name, rev);
}

int attn_hf_resolve(const char *spec, char *path, size_t len, attn_diag *diag)
{
    hf_id id;
    if (!parse_id(spec, &id))
        return attn_fail(diag, ATTN_ERR_UNKNOWN, "'%s': not a Hugging Face id (org/name[@rev])",
                         spec);
    char cache[1024], repo[1280], file[1536], what[1700];
    attn_hf_cache_dir(cache, sizeof cache);
    snprintf(repo, sizeof repo, "%s/models--%s--%s", cache, id.org, id.name);
    struct stat st;
    if (stat(repo, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(what, sizeof what, "not in the Hugging Face cache %s", cache);
        return not_cached(diag, &id, what);
    }
    char commit[41];
    if (is_40_hex(id.revision)) {
        memcpy(commit, id.revision, 41);
    } else {
        snprintf(file, sizeof file, "%s/refs/%s", repo, id.revision);
        if (!read_ref(file, commit)) {
            snprintf(what, sizeof what, "no commit for revision '%s' in %s", id.revision, file);
            return not_cached(diag, &id, what);
        }
    }
    snprintf(file, sizeof file, "%s/snapshots/%s/config.json", repo, commit);
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(what, sizeof what, "no config.json in the cached snapshot (%s)", file);
        return not_cached(diag, &id, what);
    }
    if (strlen(file) >= len)
        return attn_fail(diag, ATTN_ERR_IO, "%.64s...: path too long", file);
    snprintf(path, len, "%s", file);
    return ATTN_OK;
}
