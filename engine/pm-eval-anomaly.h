/* pm-eval-anomaly.h: premirror-eval's anomaly commands: scoring one series with the
 * degradation detector (--anomaly-scores) and scoring a NAB-layout folder (--nab).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "predict/pm-anomaly.h"
#include "predict/pm-nab.h"

G_BEGIN_DECLS

/* Writes NAB's results format, `timestamp,value,anomaly_score`, for the series in csv_path:
 * timestamps and values copied as written, one score per row ("" where the detector flags the
 * row as unjudgeable). Rows the detector flags are also reported on warnings (one line each,
 * naming file and line) when warnings is not NULL. */
gboolean pm_eval_anomaly_scores (const char            *csv_path,
                                 const PmAnomalyParams *params,
                                 FILE                  *out,
                                 FILE                  *warnings,
                                 GError               **error);

typedef struct
{
  const char *const *files;      /* NULL: every labelled file; else label keys or base names */
  double             threshold;  /* NAN: optimised per profile (as NAB); else fixed */
  /* Not NULL: the threshold is optimised on these files (label keys or base names) alone and
   * the report gives them, the other files at that threshold, and all of them. */
  const char *const *tuning_files;
  gboolean           json;
} PmEvalNabOptions;

/* Runs the detector over every file of the NAB-layout folder dir and prints the normalised
 * score per profile (text, or one JSON object with --json). */
gboolean pm_eval_nab            (const char             *dir,
                                 const PmAnomalyParams  *params,
                                 const PmEvalNabOptions *options,
                                 FILE                   *out,
                                 GError                **error);

G_END_DECLS
