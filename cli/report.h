/* report.h — `attnscope report`: the pieces of the one-command report, each a section of
 * the document plus the CSV and SVG files it rests on, all inside the output folder. */
#ifndef ATTN_REPORT_H
#define ATTN_REPORT_H

#include "charts.h"
#include "cli.h"
#include "doc.h"

typedef struct report_context {
    const attn_model *model;
    const char *dir;
    bool quick;
    int64_t context;           /* the context the tables are sized at */
    attn_device devices[16];
    size_t ndevices;
    const attn_device *roofline_device;
    attn_doc *doc;
    attn_diag diag;
} report_context;

/* Each returns CLI_OK or prints the problem and returns an exit status. */
int report_kv_section(report_context *r);
int report_capacity_section(report_context *r); /* report_capacity.c */
int report_cost_section(report_context *r);
int report_measured_section(report_context *r);
int report_claims_section(report_context *r);

/* "DIR/name" */
const char *report_path(const report_context *r, const char *name, char *buf, size_t len);

#endif
