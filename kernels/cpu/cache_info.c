/* cache_info.c — the CPU's caches as sysfs describes them (cpu0/cache/indexN).
 *
 * Three users need them: flash sizes its tiles for the L2, the cache simulation gives valgrind
 * the machine's L1 and last-level geometry, and the probe reports them beside its numbers.
 * Any file sysfs lacks leaves its field 0; no caches found is a count of 0, not an error.
 */
#include <stdio.h>
#include <string.h>

#include "cpu_internal.h"

/* The first number in /sys/devices/system/cpu/cpu0/cache/index<i>/<name>, scaled by a K or M
 * suffix; 0 when the file is absent or unreadable. */
static size_t read_field(int index, const char *name)
{
    char path[96];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/%s", index, name);
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    unsigned long value = 0;
    char unit = 0;
    int fields = fscanf(file, "%lu%c", &value, &unit);
    fclose(file);
    if (fields < 1)
        return 0;
    return (size_t)value * (unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1);
}

static char read_type(int index)
{
    char path[96], text[32] = "";
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
    FILE *file = fopen(path, "r");
    if (!file)
        return 0;
    int ok = fscanf(file, "%31s", text) == 1;
    fclose(file);
    return !ok ? 0 : strcmp(text, "Data") == 0 ? 'D' : strcmp(text, "Instruction") == 0 ? 'I' : 'U';
}

size_t attn_cpu_caches(attn_cpu_cache *list, size_t max)
{
    size_t count = 0;
    for (int index = 0; index < 16 && count < max; index++) {
        attn_cpu_cache c = {
            .level = (int)read_field(index, "level"), .type = read_type(index),
            .bytes = read_field(index, "size"),
            .ways = (unsigned)read_field(index, "ways_of_associativity"),
            .line_bytes = (unsigned)read_field(index, "coherency_line_size"),
        };
        if (c.level < 1 || !c.bytes)
            break;
        list[count++] = c;
    }
    return count;
}

const attn_cpu_cache *attn_cpu_cache_find(const attn_cpu_cache *list, size_t count, int level,
                                          bool instruction)
{
    const attn_cpu_cache *found = NULL;
    for (size_t i = 0; i < count; i++) {
        bool fits = instruction ? list[i].type != 'D' : list[i].type != 'I';
        if (fits && (level ? list[i].level == level && !found
                           : !found || list[i].level > found->level))
            found = &list[i];
    }
    return found;
}
