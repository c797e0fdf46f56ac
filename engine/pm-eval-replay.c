/* pm-eval-replay.c: scenario replay for premirror-eval; see pm-eval-replay.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-replay.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "model/pm-event-list.h"
#include "model/pm-json-private.h"
#include "pm-snapshot.h"
#include "predict/pm-alerts.h"
#include "predict/pm-predictor.h"
#include "telemetry/pm-series.h"
#include "route/pm-api-json.h"

#define MINUTE_S  60
#define DAY_S     86400
#define MAX_GRID  16

typedef struct
{
  guint            n_thresholds;
  const double    *thresholds;
  PmAlertManager  *managers[MAX_GRID];
  PmEvalTally      tallies[MAX_GRID];
} Baseline;

/* Loss ratios: the simulator's links lose 0.01–2 % when healthy and up to 30 % as they degrade;
 * the extrapolating baselines may overshoot 1. */
static const double static_grid[] = {
  0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3,
};
static const double trend_grid[] = {
  0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0,
};

const char *
pm_eval_method_name (PmEvalMethod method)
{
  static const char *const names[] = { "premirror", "static", "predict_linear", "holt_winters" };

  g_return_val_if_fail (method < PM_EVAL_N_METHODS, NULL);
  return names[method];
}

const double *
pm_eval_method_grid (PmEvalMethod method,
                     guint       *n_thresholds)
{
  switch (method)
    {
    case PM_EVAL_METHOD_STATIC:
      *n_thresholds = G_N_ELEMENTS (static_grid);
      return static_grid;
    case PM_EVAL_METHOD_PREDICT_LINEAR:
    case PM_EVAL_METHOD_HOLT_WINTERS:
      *n_thresholds = G_N_ELEMENTS (trend_grid);
      return trend_grid;
    case PM_EVAL_METHOD_PREMIRROR:
    case PM_EVAL_N_METHODS:
    default:
      *n_thresholds = 0;
      return NULL;
    }
}

double
pm_eval_static_value (const float *loss,
                      guint        n,
                      gint64       step_s)
{
  guint per_minute = (guint) MAX (MINUTE_S / MAX (step_s, 1), 1);
  double sum = 0;
  guint count = 0;

  for (guint i = n > per_minute ? n - per_minute : 0; i < n; i++)
    if (!isnan (loss[i]))
      {
        sum += loss[i];
        count++;
      }
  return count > 0 ? sum / count : NAN;
}

double
pm_eval_predict_linear_value (const float *loss,
                              guint        n,
                              gint64       step_s,
                              gint64       horizon_s)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  guint count = 0;
  double mean_x, mean_y, var_x, slope;

  /* As Prometheus: x is the time relative to now, so the intercept is the value now. */
  for (guint i = 0; i < n; i++)
    {
      double x = -(double) (n - 1 - i) * (double) step_s;

      if (isnan (loss[i]))
        continue;
      sx += x;
      sy += loss[i];
      sxx += x * x;
      sxy += x * loss[i];
      count++;
    }
  if (count < 2)
    return NAN;
  mean_x = sx / count;
  mean_y = sy / count;
  var_x = sxx / count - mean_x * mean_x;
  if (var_x <= 0)
    return NAN;
  slope = (sxy / count - mean_x * mean_y) / var_x;
  return mean_y - slope * mean_x + slope * (double) horizon_s;
}

double
pm_eval_holt_winters_value (const float *loss,
                            guint        n,
                            gint64       step_s,
                            gint64       horizon_s)
{
  const double sf = PM_EVAL_HW_SMOOTHING;
  const double tf = PM_EVAL_HW_TREND;
  double s0 = 0, s1 = 0, b = 0;
  guint count = 0;

  /* Prometheus' double_exponential_smoothing (holt_winters before 3.0): the level starts at the
   * first sample and the trend at the first difference; the trend is per sample. */
  for (guint i = 0; i < n; i++)
    {
      double x = loss[i];

      if (isnan (x))
        continue;
      if (count == 0)
        s1 = x;
      else
        {
          if (count == 1)
            b = x - s1;
          else
            b = tf * (s1 - s0) + (1 - tf) * b;
          s0 = s1;
          s1 = sf * x + (1 - sf) * (s1 + b);
        }
      count++;
    }
  if (count < 2)
    return NAN;
  return s1 + b * (double) horizon_s / (double) MAX (step_s, 1);
}

void
pm_eval_report_init (PmEvalReport *report)
{
  *report = (PmEvalReport) { 0 };
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    pm_eval_tally_init (&report->tally[m]);
  report->topologies = g_ptr_array_new_with_free_func (g_free);
  report->thresholds = g_array_new (FALSE, FALSE, sizeof (double));
}

void
pm_eval_report_clear (PmEvalReport *report)
{
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    pm_eval_tally_clear (&report->tally[m]);
  g_clear_pointer (&report->topologies, g_ptr_array_unref);
  g_clear_pointer (&report->thresholds, g_array_unref);
}

void
pm_eval_report_add_thresholds (PmEvalReport *report,
                               const char   *topology,
                               const double  thresholds[PM_EVAL_N_METHODS])
{
  g_ptr_array_add (report->topologies, g_strdup (topology));
  g_array_append_vals (report->thresholds, thresholds, PM_EVAL_N_METHODS);
}

static GArray *
alerts_from_log (PmAlertManager *manager)
{
  g_autoptr(GArray) log = pm_alert_manager_dup_log (manager);
  GArray *alerts = g_array_sized_new (FALSE, FALSE, sizeof (PmEvalAlert), log->len);

  for (guint i = 0; i < log->len; i++)
    {
      const PmAlertRecord *record = &g_array_index (log, PmAlertRecord, i);
      PmEvalAlert alert = { record->index, record->fired_at, record->resolved_at };

      if (record->subject == PM_ALERT_SEGMENT && record->fired_at != 0)
        g_array_append_val (alerts, alert);
    }
  return alerts;
}

/* Where one replay's metrics, events and ground truth come from: the simulator of a seed, or
 * recorded data. The loop below is the same for both, so that a replay of an exported scenario
 * gives the simulator run's report. */
typedef struct
{
  PmSource     *source;
  GPtrArray  *(*get_events) (gpointer data,
                             gint64   from_s,
                             gint64   to_s);
  gpointer      events_data;
  const GArray *truth;       /* PmPartition */
  gint64        start_s;     /* the scored range */
  gint64        end_s;
} Input;

/* Premirror (when premirror_tally is not NULL) and every baseline at each of its thresholds. */
static gboolean
replay (const PmEvalScenario *scenario,
        const Input          *input,
        PmEvalTally          *premirror_tally,
        GString              *alerts_jsonl,
        Baseline              baselines[PM_EVAL_N_METHODS],
        GError              **error)
{
  PmTopology *topology = scenario->topology;
  g_autoptr(PmPredictor) predictor = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  guint n_segments = pm_topology_get_n_segments (topology);
  gint64 step_s = PM_SERIES_DEFAULT_STEP_S;
  guint window = (guint) (PM_EVAL_WINDOW_S / step_s);
  g_autofree PmSample *samples = g_new (PmSample, window);
  g_autofree float *loss = g_new (float, window);
  gint64 start = input->start_s, end = input->end_s;
  PmAlertParams params;

  store = pm_series_store_new (n_segments, step_s, PM_SERIES_DEFAULT_SPAN_S);
  predictor = pm_predictor_new (topology, scenario->horizon_s);

  /* The baselines alert with Premirror's hold time and hysteresis, on a 0/1 "probability". */
  pm_alert_manager_get_params (pm_predictor_get_alert_manager (predictor), PM_ALERT_SEGMENT,
                               &params);
  params.fire_threshold = 0.5;
  params.clear_threshold = MIN (params.clear_threshold, params.fire_threshold);
  for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
    for (guint k = 0; k < baselines[m].n_thresholds; k++)
      baselines[m].managers[k] = pm_alert_manager_new (topology, &params);

  /* The first advance loads a day of history (the store's span); then one tick a minute. */
  for (gint64 t = start; t < end; t += MINUTE_S)
    {
      if (!pm_source_advance (input->source, store, t, error))
        return FALSE;

      if (premirror_tally != NULL)
        {
          g_autoptr(GPtrArray) events = input->get_events (input->events_data, t,
                                                           t + scenario->horizon_s);
          g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);

          pm_predictor_update (predictor, store, events, t, snapshot);
        }

      for (guint s = 0; s < n_segments; s++)
        {
          double values[PM_EVAL_N_METHODS];

          pm_series_store_read (store, s, t - (gint64) (window - 1) * step_s, window, samples);
          for (guint i = 0; i < window; i++)
            loss[i] = samples[i].loss_ratio;
          values[PM_EVAL_METHOD_STATIC] = pm_eval_static_value (loss, window, step_s);
          values[PM_EVAL_METHOD_PREDICT_LINEAR] =
            pm_eval_predict_linear_value (loss, window, step_s, scenario->horizon_s);
          values[PM_EVAL_METHOD_HOLT_WINTERS] =
            pm_eval_holt_winters_value (loss, window, step_s, scenario->horizon_s);

          for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
            for (guint k = 0; k < baselines[m].n_thresholds; k++)
              {
                double v = values[m];
                double p = isnan (v) ? NAN : v >= baselines[m].thresholds[k] ? 1.0 : 0.0;

                pm_alert_manager_update (baselines[m].managers[k], t, PM_ALERT_SEGMENT, s, p, 0,
                                         NULL, 0);
              }
        }
      for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
        for (guint k = 0; k < baselines[m].n_thresholds; k++)
          pm_alert_manager_expire (baselines[m].managers[k], t);
    }

  if (premirror_tally != NULL)
    {
      PmAlertManager *manager = pm_predictor_get_alert_manager (predictor);
      g_autoptr(GArray) alerts = alerts_from_log (manager);

      pm_eval_tally_add (premirror_tally, alerts, input->truth, n_segments, start, end,
                         scenario->horizon_s);
      if (alerts_jsonl != NULL)
        pm_alert_manager_write_log (manager, PM_ALERT_SEGMENT, alerts_jsonl);
    }
  for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
    for (guint k = 0; k < baselines[m].n_thresholds; k++)
      {
        g_autoptr(GArray) alerts = alerts_from_log (baselines[m].managers[k]);

        pm_eval_tally_add (&baselines[m].tallies[k], alerts, input->truth, n_segments, start,
                           end, scenario->horizon_s);
        g_clear_object (&baselines[m].managers[k]);
      }
  return TRUE;
}

void
pm_eval_scenario_get_range (const PmEvalScenario *scenario,
                            gint64               *start_s,
                            gint64               *end_s)
{
  *start_s = scenario->sim.start_s;
  *end_s = scenario->sim.start_s + (gint64) scenario->days * DAY_S;
}

GArray *
pm_eval_simulator_truth (PmSimulator *simulator,
                         gint64       start_s,
                         gint64       end_s)
{
  return pm_simulator_get_partitions (simulator, start_s - DAY_S, end_s + DAY_S);
}

GPtrArray *
pm_eval_simulator_events (gpointer data,
                          gint64   from_s,
                          gint64   to_s)
{
  return pm_simulator_get_events (data, from_s, to_s);
}

GPtrArray *
pm_eval_recorded_events (gpointer data,
                         gint64   from_s,
                         gint64   to_s)
{
  if (data == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  return pm_event_list_get_events (data, from_s, to_s);
}

/* One seed of the simulator, scored against scenario->truth or else the simulator's own. */
static gboolean
replay_simulated (const PmEvalScenario *scenario,
                  guint64               seed,
                  PmEvalTally          *premirror_tally,
                  GString              *alerts_jsonl,
                  Baseline              baselines[PM_EVAL_N_METHODS],
                  GError              **error)
{
  PmSimulatorConfig config = scenario->sim;
  g_autoptr(PmSimulator) simulator = NULL;
  g_autoptr(GArray) own_truth = NULL;
  Input input = { 0 };

  config.seed = seed;
  simulator = pm_simulator_new (scenario->topology, &config);
  pm_eval_scenario_get_range (scenario, &input.start_s, &input.end_s);
  if (scenario->truth == NULL)
    own_truth = pm_eval_simulator_truth (simulator, input.start_s, input.end_s);
  input.source = PM_SOURCE (simulator);
  input.get_events = pm_eval_simulator_events;
  input.events_data = simulator;
  input.truth = scenario->truth != NULL ? scenario->truth : own_truth;
  return replay (scenario, &input, premirror_tally, alerts_jsonl, baselines, error);
}

static void
baselines_init (Baseline      baselines[PM_EVAL_N_METHODS],
                const double *thresholds)
{
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    {
      baselines[m] = (Baseline) { 0 };
      if (m == PM_EVAL_METHOD_PREMIRROR)
        continue;
      if (thresholds != NULL)
        {
          baselines[m].n_thresholds = 1;
          baselines[m].thresholds = &thresholds[m];
        }
      else
        baselines[m].thresholds = pm_eval_method_grid (m, &baselines[m].n_thresholds);
      for (guint k = 0; k < baselines[m].n_thresholds; k++)
        pm_eval_tally_init (&baselines[m].tallies[k]);
    }
}

static void
baselines_clear (Baseline baselines[PM_EVAL_N_METHODS])
{
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    for (guint k = 0; k < baselines[m].n_thresholds; k++)
      {
        g_clear_object (&baselines[m].managers[k]);
        pm_eval_tally_clear (&baselines[m].tallies[k]);
      }
}

gboolean
pm_eval_replay_tune (const PmEvalScenario *scenario,
                     const guint64        *seeds,
                     guint                 n_seeds,
                     double                thresholds[PM_EVAL_N_METHODS],
                     GError              **error)
{
  Baseline baselines[PM_EVAL_N_METHODS];
  PmEvalScenario tuning;
  gboolean ok = TRUE;

  g_return_val_if_fail (n_seeds > 0, FALSE);

  for (guint i = 0; i < n_seeds; i++)
    if (seeds[i] >= PM_EVAL_HELD_OUT_SEED)
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "tuning seed %" G_GUINT64_FORMAT " is held out for evaluation: "
                     "tune on seeds below %d", seeds[i], PM_EVAL_HELD_OUT_SEED);
        return FALSE;
      }

  /* A truth file describes the evaluated scenario, not the tuning seeds: those use their own. */
  tuning = *scenario;
  tuning.truth = NULL;
  baselines_init (baselines, NULL);
  for (guint i = 0; i < n_seeds && ok; i++)
    ok = replay_simulated (&tuning, seeds[i], NULL, NULL, baselines, error);

  thresholds[PM_EVAL_METHOD_PREMIRROR] = PM_ALERT_DEFAULT_FIRE_THRESHOLD;
  for (guint m = PM_EVAL_METHOD_STATIC; ok && m < PM_EVAL_N_METHODS; m++)
    {
      double best = -1;

      for (guint k = 0; k < baselines[m].n_thresholds; k++)
        {
          PmEvalMetrics metrics;
          double f1;

          pm_eval_tally_compute (&baselines[m].tallies[k], &metrics);
          f1 = isnan (metrics.f1) ? 0 : metrics.f1;
          g_debug ("tuning %s: threshold %g: precision %.3f recall_foreseeable %.3f F1 %.3f",
                   pm_eval_method_name (m), baselines[m].thresholds[k], metrics.precision,
                   metrics.recall_foreseeable, f1);
          /* Ties go to the lower threshold, which warns earlier. */
          if (f1 > best)
            {
              best = f1;
              thresholds[m] = baselines[m].thresholds[k];
            }
        }
    }
  baselines_clear (baselines);
  return ok;
}

/* Adds one replay's counts to report, the baselines at their single threshold each. */
static gboolean
run_one (const PmEvalScenario *scenario,
         const Input          *input,
         guint64               seed,
         const double          thresholds[PM_EVAL_N_METHODS],
         PmEvalReport         *report,
         GString              *alerts_jsonl,
         GError              **error)
{
  Baseline baselines[PM_EVAL_N_METHODS];
  PmEvalTally *premirror = &report->tally[PM_EVAL_METHOD_PREMIRROR];
  gboolean ok;

  baselines_init (baselines, thresholds);
  if (input != NULL)
    ok = replay (scenario, input, premirror, alerts_jsonl, baselines, error);
  else
    ok = replay_simulated (scenario, seed, premirror, alerts_jsonl, baselines, error);
  if (ok)
    {
      for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
        pm_eval_tally_merge (&report->tally[m], &baselines[m].tallies[0]);
      report->runs++;
    }
  baselines_clear (baselines);
  return ok;
}

gboolean
pm_eval_replay_run (const PmEvalScenario *scenario,
                    guint64               seed,
                    const double          thresholds[PM_EVAL_N_METHODS],
                    PmEvalReport         *report,
                    GString              *alerts_jsonl,
                    GError              **error)
{
  return run_one (scenario, NULL, seed, thresholds, report, alerts_jsonl, error);
}

gboolean
pm_eval_replay_run_recorded (const PmEvalScenario *scenario,
                             PmSource             *source,
                             PmEventList          *events,
                             gint64                start_s,
                             gint64                end_s,
                             const double          thresholds[PM_EVAL_N_METHODS],
                             PmEvalReport         *report,
                             GString              *alerts_jsonl,
                             GError              **error)
{
  Input input = { source, pm_eval_recorded_events, events, scenario->truth, start_s, end_s };

  g_return_val_if_fail (PM_IS_SOURCE (source), FALSE);
  g_return_val_if_fail (scenario->truth != NULL, FALSE);
  g_return_val_if_fail (start_s < end_s, FALSE);

  return run_one (scenario, &input, 0, thresholds, report, alerts_jsonl, error);
}

char *
pm_eval_report_to_json (const PmEvalReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const PmEvalTally *truth = &report->tally[PM_EVAL_METHOD_PREMIRROR];
  guint n_topologies = report->topologies->len;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "methods");
  json_builder_begin_object (builder);
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    {
      const PmEvalTally *tally = &report->tally[m];
      PmEvalMetrics metrics;

      pm_eval_tally_compute (tally, &metrics);
      json_builder_set_member_name (builder, pm_eval_method_name (m));
      json_builder_begin_object (builder);
      pm_api_json_add_number (builder, "precision", metrics.precision);
      pm_api_json_add_number (builder, "recall", metrics.recall);
      pm_api_json_add_number (builder, "recall_foreseeable", metrics.recall_foreseeable);
      pm_api_json_add_number (builder, "f1", metrics.f1);
      pm_api_json_add_number (builder, "lead_median_s", metrics.lead_median_s);
      pm_api_json_add_number (builder, "lead_p10_s", metrics.lead_p10_s);
      pm_api_json_add_number (builder, "false_alerts_per_segment_day", metrics.false_alerts_per_segment_day);
      pm_api_json_add_number (builder, "duty_cycle", metrics.duty_cycle);
      /* The threshold in force: one number for one topology, else per topology. */
      pm_api_json_add_number (builder, "threshold",
                  n_topologies == 1 ? g_array_index (report->thresholds, double, m) : NAN);
      if (n_topologies > 1)
        {
          json_builder_set_member_name (builder, "thresholds");
          json_builder_begin_object (builder);
          for (guint t = 0; t < n_topologies; t++)
            pm_api_json_add_number (builder, g_ptr_array_index (report->topologies, t),
                        g_array_index (report->thresholds, double,
                                       t * PM_EVAL_N_METHODS + m));
          json_builder_end_object (builder);
        }
      /* The counts behind the figures, so that runs can be pooled elsewhere. */
      json_builder_set_member_name (builder, "alerts");
      json_builder_add_int_value (builder, (gint64) tally->alerts);
      json_builder_set_member_name (builder, "hitting_alerts");
      json_builder_add_int_value (builder, (gint64) tally->hitting_alerts);
      json_builder_set_member_name (builder, "partitions_hit");
      json_builder_add_int_value (builder, (gint64) tally->partitions_hit);
      json_builder_set_member_name (builder, "foreseeable_hit");
      json_builder_add_int_value (builder, (gint64) tally->foreseeable_hit);
      pm_api_json_add_number (builder, "segment_days", tally->segment_seconds / DAY_S);
      pm_api_json_add_number (builder, "firing_segment_days", tally->firing_seconds / DAY_S);
      json_builder_set_member_name (builder, "lead_times_s");
      json_builder_begin_array (builder);
      for (guint i = 0; i < tally->leads_s->len; i++)
        json_builder_add_double_value (builder, g_array_index (tally->leads_s, double, i));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "partitions");
  json_builder_add_int_value (builder, (gint64) truth->partitions);
  json_builder_set_member_name (builder, "foreseeable");
  json_builder_add_int_value (builder, (gint64) truth->foreseeable);
  json_builder_end_object (builder);

  return _pm_json_builder_to_text (builder);
}

char *
pm_eval_report_to_table (const PmEvalReport *report)
{
  GString *out = g_string_new (NULL);
  const PmEvalTally *truth = &report->tally[PM_EVAL_METHOD_PREMIRROR];

  g_string_append_printf (out, "Partitions: %" G_GUINT64_FORMAT " (foreseeable %"
                          G_GUINT64_FORMAT "), %u replay%s\n\n", truth->partitions,
                          truth->foreseeable, report->runs, report->runs == 1 ? "" : "s");
  g_string_append (out, "method          threshold  precision  recall  recall_fs     F1"
                   "  lead_med_min  lead_p10_min  false/seg-day   duty\n");
  for (guint m = 0; m < PM_EVAL_N_METHODS; m++)
    {
      PmEvalMetrics metrics;

      pm_eval_tally_compute (&report->tally[m], &metrics);
      g_string_append_printf (out, "%-15s", pm_eval_method_name (m));
      pm_eval_append_cell (out, report->topologies->len == 1
                          ? g_array_index (report->thresholds, double, m) : NAN, 10, 3);
      pm_eval_append_cell (out, metrics.precision, 11, 3);
      pm_eval_append_cell (out, metrics.recall, 8, 3);
      pm_eval_append_cell (out, metrics.recall_foreseeable, 11, 3);
      pm_eval_append_cell (out, metrics.f1, 7, 3);
      pm_eval_append_cell (out, metrics.lead_median_s / 60, 14, 1);
      pm_eval_append_cell (out, metrics.lead_p10_s / 60, 14, 1);
      pm_eval_append_cell (out, metrics.false_alerts_per_segment_day, 15, 4);
      pm_eval_append_cell (out, metrics.duty_cycle, 7, 4);
      g_string_append_c (out, '\n');
    }
  for (guint t = 0; report->topologies->len > 1 && t < report->topologies->len; t++)
    {
      g_string_append_printf (out, "%sthresholds on %s:", t == 0 ? "\n" : "",
                              (const char *) g_ptr_array_index (report->topologies, t));
      for (guint m = PM_EVAL_METHOD_STATIC; m < PM_EVAL_N_METHODS; m++)
        g_string_append_printf (out, " %s %.3f", pm_eval_method_name (m),
                                g_array_index (report->thresholds, double,
                                               t * PM_EVAL_N_METHODS + m));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
