/* pm-nab.h: the Numenta Anomaly Benchmark's scoring rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NAB leaves the first min(15 % of the rows, 750) rows unscored, so that detectors can learn. */
#define PM_NAB_PROBATION_FRACTION 0.15
#define PM_NAB_PROBATION_MAX_ROWS 750

/* Scores at or above the threshold are detections. Above every score a detector can give
 * (scores lie in [0, 1]): the threshold at which a detector never fires. */
#define PM_NAB_THRESHOLD_NONE 1.1

typedef struct
{
  char  *name;      /* "standard", "reward_low_FP_rate", … */
  double tp_weight;
  double fp_weight;
  double fn_weight;
} PmNabProfile;

/* A labelled anomaly window as row indices, both ends included. */
typedef struct
{
  guint left;
  guint right;
} PmNabWindow;

typedef struct
{
  double threshold;   /* scores >= threshold are detections */
  double raw;         /* summed score of the files at that threshold */
  double null_raw;    /* the null detector (never fires) */
  double perfect_raw; /* the perfect detector (fires at the left edge of every window) */
  double normalised;  /* 100 (raw - null) / (perfect - null); NAN when perfect == null */
  guint  windows;     /* labelled windows */
  guint  detected;    /* windows with a detection */
  guint  false_positives; /* detections outside every window */
} PmNabResult;

guint   pm_nab_probation_rows  (guint n_rows);
/* 2 / (1 + e^(5 position)) - 1: position -1 is a window's left edge, 0 its right edge, > 0 the
 * relative distance past it (-1 from 3 on). */
double  pm_nab_scaled_sigmoid  (double position);

typedef struct _PmNabScorer PmNabScorer;

PmNabScorer *pm_nab_scorer_new           (void);
void         pm_nab_scorer_free          (PmNabScorer *self);

/* Adds one file: its detector scores and its windows (sorted, disjoint, inside the file).
 * A NAN score counts as a detection at every threshold: a row the detector could not judge is
 * never taken as normal. Errors name the file and the window. */
gboolean     pm_nab_scorer_add_file      (PmNabScorer       *self,
                                          const char        *name,
                                          const double      *scores,
                                          guint              n_rows,
                                          const PmNabWindow *windows,
                                          guint              n_windows,
                                          GError           **error);
guint        pm_nab_scorer_get_n_files   (PmNabScorer *self);
const char  *pm_nab_scorer_get_file_name (PmNabScorer *self,
                                          guint        file);

/* As NAB's optimiser: the threshold that maximises the summed score of all files (the
 * highest such threshold on ties, PM_NAB_THRESHOLD_NONE when never firing is best). That is
 * the threshold fitted to the very files it then scores: to score files held out from tuning,
 * optimise on the tuning files and score the others with pm_nab_scorer_score_at. */
void         pm_nab_scorer_optimise      (PmNabScorer        *self,
                                          const PmNabProfile *profile,
                                          PmNabResult        *out);
/* The score of all files at a given threshold (for a threshold fixed on other files). */
void         pm_nab_scorer_score_at      (PmNabScorer        *self,
                                          const PmNabProfile *profile,
                                          double              threshold,
                                          PmNabResult        *out);
/* The same for one file. */
void         pm_nab_scorer_score_file_at (PmNabScorer        *self,
                                          guint               file,
                                          const PmNabProfile *profile,
                                          double              threshold,
                                          PmNabResult        *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmNabScorer, pm_nab_scorer_free)

G_END_DECLS
