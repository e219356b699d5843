/* presets.c — locating preset files and loading models by name, path or directory.
 *
 * Presets live in models/presets (configs) and models/devices (GPUs). The models/ directory
 * is found at run time: $ATTNSCOPE_DATA_DIR, else the source tree's (so a build runs in
 * place), else the installed share/attnscope/models.
 */
#include "presets.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "hf_cache.h"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The models/ directory: $ATTNSCOPE_DATA_DIR, the source tree, or the installed copy. */
static const char *data_dir(void)
{
    const char *env = getenv("ATTNSCOPE_DATA_DIR");
    if (env && *env)
        return env;
    return is_dir(ATTN_SOURCE_MODELS_DIR) ? ATTN_SOURCE_MODELS_DIR : ATTN_INSTALL_MODELS_DIR;
}

const char *attn_preset_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/presets", data_dir());
    return dir;
}

const char *attn_device_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/devices", data_dir());
    return dir;
}

int attn_preset_resolve(const char *spec, const char *preset_dir, const char *dir_file,
                        const char *kind, char *path, size_t len, bool *is_preset,
                        attn_diag *diag)
{
    struct stat st;
    *is_preset = false;
    if (!spec || !*spec)
        return attn_fail(diag, ATTN_ERR_UNKNOWN, "empty %s name", kind);
    if (stat(spec, &st) == 0) {
        if (strlen(spec) + sizeof "/config.json" > len)
            return attn_fail(diag, ATTN_ERR_IO, "%.64s...: path too long", spec);
        if (!S_ISDIR(st.st_mode)) {
            snprintf(path, len, "%s", spec);
            return ATTN_OK;
        }
        if (!dir_file)
            return attn_fail(diag, ATTN_ERR_IO, "%s: is a directory, expected a %s file", spec,
                             kind);
        snprintf(path, len, "%s/%s", spec, dir_file);
        if (stat(path, &st) != 0)
            return attn_fail(diag, ATTN_ERR_IO, "%s: directory has no %s", spec, dir_file);
        return ATTN_OK;
    }
    if (errno != ENOENT) /* a symlink loop, an unreadable parent: say so, not "no such file" */
        return attn_fail(diag, ATTN_ERR_IO, "%s: cannot open: %s", spec, strerror(errno));
    if (!strchr(spec, '/') && strlen(spec) < 128) {
        char lower[128];
        size_t i = 0;
        for (; spec[i]; i++)
            lower[i] = (char)tolower((unsigned char)spec[i]);
        lower[i] = '\0';
        snprintf(path, len, "%s/%s.json", preset_dir, lower);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            *is_preset = true;
            return ATTN_OK;
        }
    }
    return attn_fail(diag, ATTN_ERR_UNKNOWN,
                     "'%s': no such file, directory or %s preset (attnscope %ss lists them)",
                     spec, kind, kind);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int attn_preset_walk(const char *dir, int (*visit)(const char *name, const char *path, void *user),
                     void *user)
{
    DIR *d = opendir(dir);
    if (!d)
        return ATTN_ERR_IO;
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = ATTN_OK;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 32;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = ATTN_ERR_NOMEM;
                break;
            }
            names = grown;
        }
        if (!(names[count] = strndup(e->d_name, n - 5))) {
            rc = ATTN_ERR_NOMEM;
            break;
        }
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, compare_names);
    int visited = 0;
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
        if (rc == ATTN_OK) {
            visited++;
            if (visit(names[i], path, user))
                rc = 1;
        }
        free(names[i]);
    }
    free(names);
    return rc < 0 ? rc : visited;
}

int attn_preset_foreach(int (*visit)(const char *name, const char *path, void *user),
                        void *user)
{
    return attn_preset_walk(attn_preset_dir(), visit, user);
}

int attn_model_load(const char *spec, attn_model *model, attn_diag *diag)
{
    char path[1024];
    bool is_preset;
    memset(model, 0, sizeof *model);
    int rc = attn_preset_resolve(spec, attn_preset_dir(), "config.json", "model", path,
                                 sizeof path, &is_preset, diag);
    if (rc == ATTN_ERR_UNKNOWN && attn_hf_is_id(spec))
        rc = attn_hf_resolve(spec, path, sizeof path, diag);
    return rc ? rc : attn_model_read_file(path, spec, model, diag);
}
