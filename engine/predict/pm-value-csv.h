/* pm-value-csv.h: one series as NAB writes it: a CSV file with the header `timestamp,value`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *path;
  guint    n_rows;
  char   **timestamps; /* the text of each timestamp as written, so outputs can copy it */
  char   **texts;      /* the text of each value as written ("" when missing) */
  double  *times_s;    /* unix seconds, UTC when the file gives no offset */
  double  *values;     /* NAN where the field is empty */
  guint   *lines;      /* 1-based line number of each row, for messages */
} PmValueSeries;

/* Timestamps: "YYYY-MM-DD HH:MM:SS[.frac]" (NAB), the same with a "T" and an optional "Z" or
 * "±HH:MM" offset (RFC 3339), or unix seconds. Values: a finite number, or an empty field for a
 * missing one. Errors name the file, the line and the field. Order is not checked here: the
 * detector flags rows that repeat or go back in time; callers that need order check it with
 * pm_value_series_check_ordered(), which allows repeated timestamps (real exports have them,
 * e.g. NAB's around a daylight-saving change). */
PmValueSeries *pm_value_series_load_file        (const char *path,
                                                 GError    **error);
PmValueSeries *pm_value_series_parse            (const char *path,
                                                 const char *contents,
                                                 gsize       length,
                                                 GError    **error);
gboolean       pm_value_series_check_ordered    (const PmValueSeries *self,
                                                 GError             **error);
void           pm_value_series_free             (PmValueSeries *self);

/* Parses one timestamp in the formats above; FALSE when it is none of them. */
gboolean       pm_value_csv_parse_time          (const char *text,
                                                 double     *out_s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmValueSeries, pm_value_series_free)

G_END_DECLS
