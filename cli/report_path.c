/* report_path.c — where a report's files go. Its own file so that the sections need nothing
 * of cmd_report.c, which calls them: the calls go one way. */
#include <stdio.h>

#include "report.h"

const char *report_path(const report_context *r, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", r->dir, name);
    return buf;
}
