/* test-predictor.c: the prediction pipeline on simulated scenarios with ground truth: risk rises
 * before degradations end in a cut, announced maintenance raises risk for its window, and quiet
 * segments stay quiet. Several seeds, two networks; seeds 1000–1009 are kept for evaluation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-demo.h"
#include "pm-test-util.h"
#include "predict/pm-predictor.h"
#include "predict/pm-risk-model.h"
#include "telemetry/pm-simulator.h"

#define HORIZON  (30 * 60)
#define MINUTE   60
#define WARMUP_S (24 * 3600)

typedef struct
{
  guint  degradations;          /* degradation partitions scored */
  guint  degradations_warned;   /* … with risk ≥ 0.5 within 4 H before the start */
  guint  warned_explained;      /* … whose top factor then is one the probes measured */
  guint  window_minutes;        /* segment-minutes inside [start − H, end) of outage maintenance */
  double window_risk;           /* … their summed risk */
  guint  quiet_minutes;         /* segment-minutes far (> 4 H) from any partition of the segment
                                 * and outside announced outage windows */
  guint  quiet_high;            /* … with risk ≥ 0.5 */
  double quiet_risk;
} Outcome;

static gboolean
near_partition (const GArray *truth,
                guint         segment,
                gint64        t)
{
  for (guint i = 0; i < truth->len; i++)
    {
      const PmPartition *p = &g_array_index (truth, PmPartition, i);
      if (p->segment == segment && t >= p->start_s - 4 * HORIZON && t < p->end_s + HORIZON)
        return TRUE;
    }
  return FALSE;
}

static void
run_scenario (PmTopology *topology,
              guint64     seed,
              int         days,
              Outcome    *outcome)
{
  PmSimulatorConfig config = { seed, 60, PM_SIMULATOR_DEFAULT_START };
  g_autoptr(PmSimulator) simulator = pm_simulator_new (topology, &config);
  g_autoptr(PmPredictor) predictor = pm_predictor_new (topology, HORIZON);
  g_autoptr(PmSeriesStore) store = pm_series_store_new (pm_topology_get_n_segments (topology),
                                                        PM_SERIES_DEFAULT_STEP_S,
                                                        PM_SERIES_DEFAULT_SPAN_S);
  gint64 start = config.start_s;
  gint64 end = start + (gint64) days * 86400;
  g_autoptr(GArray) truth = pm_simulator_get_partitions (simulator, start - 86400, end + 86400);
  guint n = pm_topology_get_n_segments (topology);
  g_autofree double *max_before = g_new0 (double, truth->len);
  g_autofree gboolean *explained = g_new0 (gboolean, truth->len);
  /* Announced outage windows (seen through the horizon) are meant to raise the risk, whether or
   * not they end up cutting: their minutes are not quiet ones. */
  g_autofree gboolean *in_window = g_new0 (gboolean, n);
  g_autoptr(GError) error = NULL;

  for (gint64 t = start - 86400 + WARMUP_S; t < end; t += MINUTE)
    {
      g_autoptr(GPtrArray) events = pm_simulator_get_events (simulator, t, t + HORIZON);
      g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);

      g_assert_true (pm_source_advance (PM_SOURCE (simulator), store, t, &error));
      pm_predictor_update (predictor, store, events, t, snapshot);
      if (t < start)
        continue;

      for (guint i = 0; i < truth->len; i++)
        {
          const PmPartition *p = &g_array_index (truth, PmPartition, i);
          double risk = snapshot->segments[p->segment].risk;

          if (t < p->start_s && t >= p->start_s - 4 * HORIZON && !isnan (risk)
              && risk > max_before[i])
            {
              const PmSegmentState *state = &snapshot->segments[p->segment];
              const char *top = state->n_factors > 0 ? state->factors[0].name : "";

              max_before[i] = risk;
              /* A degradation's warning must be explained by what the probes saw. */
              explained[i] = *top != '\0' && state->factors[0].text[0] != '\0'
                             && g_strcmp0 (top, "maintenance") != 0
                             && g_strcmp0 (top, "weather") != 0 && g_strcmp0 (top, "history") != 0;
            }
        }
      memset (in_window, 0, sizeof (gboolean) * n);
      for (guint e = 0; e < events->len; e++)
        {
          const PmEvent *event = g_ptr_array_index (events, e);
          int segment = event->circuit_id != NULL
                          ? pm_test_segment_by_circuit (topology, event->circuit_id) : -1;
          double risk;

          if (event->kind != PM_EVENT_MAINTENANCE || event->impact != PM_IMPACT_OUTAGE
              || segment < 0 || event->issued_s > t || t < event->start_s - HORIZON
              || t >= event->end_s)
            continue;
          in_window[segment] = TRUE;
          risk = snapshot->segments[segment].risk;
          if (!isnan (risk) && snapshot->segments[segment].n_factors > 0
              && g_strcmp0 (snapshot->segments[segment].factors[0].name, "down") != 0)
            {
              outcome->window_minutes++;
              outcome->window_risk += risk;
            }
        }
      for (guint s = 0; s < n; s++)
        if (!near_partition (truth, s, t) && !in_window[s] && !isnan (snapshot->segments[s].risk))
          {
            outcome->quiet_minutes++;
            outcome->quiet_high += snapshot->segments[s].risk >= 0.5;
          outcome->quiet_risk += snapshot->segments[s].risk;
          }
    }
  {
    PmRiskModel *model = pm_predictor_get_risk_model (predictor);
    g_autoptr(GString) weights = g_string_new (NULL);
    for (guint f = 0; f < PM_RISK_N_FEATURES; f++)
      g_string_append_printf (weights, " %s=%.2f", pm_risk_feature_name (f),
                              pm_risk_model_get_weight (model, f));
    g_test_message ("seed %" G_GUINT64_FORMAT ": bias=%.2f%s", seed,
                    pm_risk_model_get_bias (model), weights->str);
  }
  for (guint i = 0; i < truth->len; i++)
    {
      const PmPartition *p = &g_array_index (truth, PmPartition, i);
      if (p->kind == PM_PARTITION_DEGRADATION && p->start_s >= start + 4 * HORIZON
          && p->start_s < end)
        {
          outcome->degradations++;
          outcome->degradations_warned += max_before[i] >= 0.5;
          outcome->warned_explained += max_before[i] >= 0.5 && explained[i];
        }
    }
}

/* min_warned: the share of degradation cuts warned that this network reliably reaches on its
 * seeds (demo 98/135, GÉANT 50/92 when set), less a margin: a regression floor, not the issue's
 * targets. */
static void
check_outcome (const char    *name,
               const Outcome *o,
               double         min_warned)
{
  double window_mean = o->window_risk / MAX (o->window_minutes, 1);
  double quiet_mean = o->quiet_risk / MAX (o->quiet_minutes, 1);

  g_test_message ("%s: degradations warned %u/%u (%u explained by telemetry), mean risk in "
                  "outage windows %.3f over %u minutes, quiet %.4f (high in %u/%u minutes)", name,
                  o->degradations_warned, o->degradations, o->warned_explained, window_mean,
                  o->window_minutes, quiet_mean, o->quiet_high, o->quiet_minutes);
  g_assert_cmpuint (o->degradations, >=, 5);
  /* A floor that catches regressions; the targets (recall, precision, lead time)
   * are measured by premirror-eval on held-out seeds. */
  g_assert_cmpfloat ((double) o->degradations_warned / o->degradations, >=, min_warned);
  /* Every such warning is explained by what the probes measured, not by a prior. */
  g_assert_cmpfloat (o->warned_explained, >=, 0.9 * o->degradations_warned);
  /* An announced outage window (seen through the horizon) raises the risk well above quiet
   * times, which almost never reach an alerting level. */
  g_assert_cmpuint (o->window_minutes, >, 0);
  g_assert_cmpfloat (window_mean, >=, 0.1);
  g_assert_cmpfloat (window_mean, >=, 5 * quiet_mean);
  g_assert_cmpfloat ((double) o->quiet_high / o->quiet_minutes, <=, 0.004);
}

static void
test_predictor_demo_seeds (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = pm_demo_load_topology (&error);
  Outcome outcome = { 0 };

  g_assert_no_error (error);
  for (guint64 seed = 11; seed <= 12; seed++)
    run_scenario (topology, seed, 2, &outcome);
  check_outcome ("demo, seeds 11–12", &outcome, 0.65);
}

static void
test_predictor_geant_seeds (void)
{
  g_autofree char *path = pm_test_shared_data_path ("topologies/geant2012.geojson");
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };

  if (path == NULL)
    return;
  topology = pm_topology_new_from_file (path, &error);
  g_assert_no_error (error);
  for (guint64 seed = 21; seed <= 22; seed++)
    run_scenario (topology, seed, 2, &outcome);
  check_outcome ("GÉANT 2012, seeds 21–22", &outcome, 0.48);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/predictor/demo-seeds", test_predictor_demo_seeds);
  g_test_add_func ("/predictor/geant-seeds", test_predictor_geant_seeds);

  return g_test_run ();
}
