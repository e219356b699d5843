/* diag.c — error codes and their one-line explanations.
 *
 * DESIGN.md asks every failure for one clear line naming file, field and value; the detail
 * lives in attn_diag, the class of failure in the status code.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

const char *attn_strerror(int status)
{
    switch (status) {
    case ATTN_OK: return "success";
    case ATTN_ERR_IO: return "cannot read file";
    case ATTN_ERR_PARSE: return "malformed input";
    case ATTN_ERR_FIELD: return "missing, mistyped or contradictory field";
    case ATTN_ERR_RANGE: return "value out of range";
    case ATTN_ERR_OVERFLOW: return "result does not fit in 64 bits";
    case ATTN_ERR_UNKNOWN: return "unknown name";
    case ATTN_ERR_NOMEM: return "out of memory";
    case ATTN_ERR_UNSUPPORTED: return "unsupported combination";
    default: return "unknown error";
    }
}

int attn_fail(attn_diag *diag, int status, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}
