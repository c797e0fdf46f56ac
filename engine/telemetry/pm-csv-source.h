/* pm-csv-source.h: metrics replayed from a CSV file, streamed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"
#include "pm-source.h"

G_BEGIN_DECLS

/* The header the file must start with; DESIGN.md's metrics CSV. */
#define PM_CSV_SOURCE_HEADER "timestamp,segment,latency_ms,jitter_ms,loss_ratio"

/* What the file held besides well-formed rows in time order: visible, never silent. */
typedef struct
{
  guint64 rows;                /* data rows read so far */
  guint64 rows_backwards;      /* rows older than the row before them */
  guint64 first_backwards_line;
  guint64 rows_before_history; /* older than the store's span at the first advance: skipped */
} PmCsvSourceStats;

#define PM_TYPE_CSV_SOURCE (pm_csv_source_get_type ())
G_DECLARE_FINAL_TYPE (PmCsvSource, pm_csv_source, PM, CSV_SOURCE, GObject)

/* Opens path and checks its header; the first data row is read too, so that its time is known
 * (and a file without any is an error now rather than an empty replay). Segments are matched by
 * id to topology: a row of a segment it does not have is an error. */
PmCsvSource *pm_csv_source_new             (PmTopology  *topology,
                                            const char  *path,
                                            GError     **error);
/* The time of the first data row. */
gint64       pm_csv_source_get_first_time  (PmCsvSource *self);
/* The time of the last data row, read from the end of the file without reading the rest. */
gboolean     pm_csv_source_get_last_time   (PmCsvSource *self,
                                            gint64      *last_s,
                                            GError     **error);
const PmCsvSourceStats *pm_csv_source_get_stats (PmCsvSource *self);

G_END_DECLS
