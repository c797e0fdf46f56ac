/* pm-eval-replay.h: premirror-eval's scenario replay: the simulator, or recorded metrics and
 * event feeds, through Premirror's predictor and three baselines in virtual time, scored
 * against ground truth.
 *
 * Every method gives each segment a score per virtual minute and goes through its own alert
 * manager with Premirror's hold time and hysteresis:
 * - premirror: the predictor's risk, through the predictor's own alert manager (its default
 *   fire threshold);
 * - static: the mean loss ratio over the last minute ≥ threshold;
 * - predict_linear: Prometheus predict_linear(loss[30m], H): the least-squares line through the
 *   last 30 min of loss, evaluated H after now, ≥ threshold;
 * - holt_winters: Prometheus double exponential smoothing of loss[30m] (sf 0.3, tf 0.1), plus H
 *   times the smoothed trend, ≥ threshold.
 * A baseline feeds its alert manager 1 when its value reaches the threshold, 0 below it and
 * "unknown" without data, with a fire threshold of 0.5. Each baseline's threshold is the one of
 * a fixed grid that maximises its own F1 pooled over tuning seeds (below 1000).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-event-list.h"
#include "model/pm-topology.h"
#include "model/pm-truth.h"
#include "pm-eval-metrics.h"
#include "telemetry/pm-simulator.h"

G_BEGIN_DECLS

#define PM_EVAL_DEFAULT_DAYS       7
#define PM_EVAL_DEFAULT_TUNE_SEEDS "1,2,3"
/* Seeds from here on are kept for the evaluation protocol: never used to tune. */
#define PM_EVAL_HELD_OUT_SEED      1000

#define PM_EVAL_HW_SMOOTHING 0.3
#define PM_EVAL_HW_TREND     0.1
#define PM_EVAL_WINDOW_S     (30 * 60)

typedef enum
{
  PM_EVAL_METHOD_PREMIRROR,
  PM_EVAL_METHOD_STATIC,
  PM_EVAL_METHOD_PREDICT_LINEAR,
  PM_EVAL_METHOD_HOLT_WINTERS,
  PM_EVAL_N_METHODS
} PmEvalMethod;

const char *pm_eval_method_name (PmEvalMethod method);
/* The tuning grid of a baseline (ascending loss ratios); NULL for premirror. */
const double *pm_eval_method_grid (PmEvalMethod method,
                                   guint       *n_thresholds);

/* The baselines' values from one segment's loss samples, oldest first, step_s apart, the last
 * one taken now; NAN samples are missing. NAN when there is too little data. */
double pm_eval_static_value         (const float *loss,
                                     guint        n,
                                     gint64       step_s);
double pm_eval_predict_linear_value (const float *loss,
                                     guint        n,
                                     gint64       step_s,
                                     gint64       horizon_s);
double pm_eval_holt_winters_value   (const float *loss,
                                     guint        n,
                                     gint64       step_s,
                                     gint64       horizon_s);

typedef struct
{
  PmTopology       *topology;
  PmSimulatorConfig sim;        /* speed and start; the seed comes with each run */
  const GArray     *truth;      /* PmPartition; NULL: the simulator's own */
  int               days;       /* scored days, after a day of history */
  gint64            horizon_s;
} PmEvalScenario;

/* The virtual time a simulator run of the scenario scores: [sim.start_s, + days). */
void     pm_eval_scenario_get_range (const PmEvalScenario *scenario,
                                     gint64               *start_s,
                                     gint64               *end_s);
/* A simulator run's ground truth: its partitions within a day either side of the scored range
 * (an alert may be early, a cut may start before the range and last into it). */
GArray  *pm_eval_simulator_truth    (PmSimulator          *simulator,
                                     gint64                start_s,
                                     gint64                end_s);

/* A replay's events over [from_s, to_s), for its predictor: a simulator's (data: PmSimulator),
 * or a recording's (data: PmEventList; NULL: none). */
GPtrArray *pm_eval_simulator_events (gpointer data,
                                     gint64   from_s,
                                     gint64   to_s);
GPtrArray *pm_eval_recorded_events  (gpointer data,
                                     gint64   from_s,
                                     gint64   to_s);

/* Pooled results of one or more replays. */
typedef struct
{
  PmEvalTally tally[PM_EVAL_N_METHODS];
  /* The thresholds in force, per topology replayed: "name" then one double per method. */
  GPtrArray  *topologies;     /* char *: topology names */
  GArray     *thresholds;     /* double[PM_EVAL_N_METHODS] per topology, flattened */
  guint       runs;
} PmEvalReport;

void     pm_eval_report_init  (PmEvalReport *report);
void     pm_eval_report_clear (PmEvalReport *report);

/* Picks each baseline's threshold: the grid value with the best F1 pooled over seeds (each
 * below PM_EVAL_HELD_OUT_SEED). thresholds[PM_EVAL_METHOD_PREMIRROR] is Premirror's default
 * fire threshold. */
gboolean pm_eval_replay_tune  (const PmEvalScenario *scenario,
                               const guint64        *seeds,
                               guint                 n_seeds,
                               double                thresholds[PM_EVAL_N_METHODS],
                               GError              **error);
/* Replays one seed with these thresholds and adds its counts to report. Premirror's segment
 * alerts are appended to alerts_jsonl (when not NULL) as `--alerts` JSON lines. */
gboolean pm_eval_replay_run   (const PmEvalScenario *scenario,
                               guint64               seed,
                               const double          thresholds[PM_EVAL_N_METHODS],
                               PmEvalReport         *report,
                               GString              *alerts_jsonl,
                               GError              **error);
/* Replays recorded data the same way: metrics from source (advanced from its first call at
 * start_s, when it loads its history, then one minute at a time), events from events (NULL:
 * none), scored over [start_s, end_s) against scenario->truth, which must be given. */
gboolean pm_eval_replay_run_recorded (const PmEvalScenario *scenario,
                                      PmSource             *source,
                                      PmEventList          *events,
                                      gint64                start_s,
                                      gint64                end_s,
                                      const double          thresholds[PM_EVAL_N_METHODS],
                                      PmEvalReport         *report,
                                      GString              *alerts_jsonl,
                                      GError              **error);
/* Records the thresholds used on one topology, for the output. */
void     pm_eval_report_add_thresholds (PmEvalReport *report,
                                        const char   *topology,
                                        const double  thresholds[PM_EVAL_N_METHODS]);

/* `--json`: {"methods": {NAME: {figures…, "threshold"}, …}, "partitions": N, "foreseeable": N}. */
char    *pm_eval_report_to_json  (const PmEvalReport *report);
char    *pm_eval_report_to_table (const PmEvalReport *report);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmEvalReport, pm_eval_report_clear)

G_END_DECLS
