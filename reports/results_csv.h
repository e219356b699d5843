/* results_csv.h — the results file of `attnscope bench`: one row per (variant, backend,
 * shape), the analytic prediction beside the measurement, units in the column names.
 * Appends are atomic (temp file + rename): a crash or Ctrl-C never loses earlier rows. */
#ifndef ATTN_RESULTS_CSV_H
#define ATTN_RESULTS_CSV_H

#include <stddef.h>

#include "attnscope.h"
#include "result_row.h"

/* The header line, without its newline. */
const char *attn_results_header(void);

/* Appends rows to path (created with a header when absent). An existing file must start
 * with the same header; otherwise nothing is written and the diag names the file. */
int attn_results_append(const char *path, const attn_result_row *rows, size_t count,
                        attn_diag *diag);

#endif
