/* pm-eval.h: premirror-eval's command line (the interface of DESIGN.md) and its dispatch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "predict/pm-anomaly.h"

G_BEGIN_DECLS

/* Exit statuses: 0 done, 1 the evaluation failed (unreadable or invalid input), 2 the command
 * line is wrong (unknown or conflicting options, or an option this build cannot honour yet). */
#define PM_EVAL_EXIT_FAILED 1
#define PM_EVAL_EXIT_USAGE  2

typedef struct
{
  /* Scenario replay (DESIGN.md); those not available yet are parsed so that they can be refused
   * clearly. */
  char   **topologies;       /* repeatable: replays on each are pooled */
  char    *resources;
  char    *source;
  char    *seed;
  char    *seeds;            /* pooled seeds: "1000-1009" or "1,2,3" */
  char    *tune_seeds;       /* the baselines' tuning seeds, each below 1000 */
  char    *from;
  char    *to;
  char    *truth;
  char   **events;           /* repeatable: maintenance iCalendar or CAP GeoJSON files */
  char    *days;
  char    *horizon;
  char    *alerts;
  char    *export_dir;
  char    *report_dir;
  gboolean e2e;

  /* Anomaly detection. */
  char    *anomaly_scores;   /* CSV to score */
  char    *nab;              /* NAB-layout folder */
  char    *nab_files;        /* comma-separated subset of the folder's files */
  char    *nab_tuning_files; /* the files the threshold is optimised on, or "default" */
  double   nab_threshold;    /* NAN: optimised per profile */
  char   **detector_params;  /* NAME=VALUE overrides of the detector's defaults */

  gboolean json;
  gboolean version;
} PmEvalOptions;

void     pm_eval_options_clear (PmEvalOptions *options);
/* Parses argv (as GOptionContext does: recognised options are removed). */
gboolean pm_eval_options_parse (PmEvalOptions *options,
                                int           *argc,
                                char        ***argv,
                                GError       **error);
/* Checks combinations and builds the detector parameters; FALSE with an error for the user. */
gboolean pm_eval_options_check (const PmEvalOptions *options,
                                PmAnomalyParams     *params,
                                GError             **error);

/* Whether the options ask for a scenario replay (rather than an anomaly evaluation). */
gboolean pm_eval_options_is_replay (const PmEvalOptions *options);

/* The whole program: parses, runs, prints results on stdout and errors on stderr (prefixed
 * "premirror-eval: "). Returns the exit status. */
int      pm_eval_main          (int    argc,
                                char **argv);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmEvalOptions, pm_eval_options_clear)

G_END_DECLS
