/* test-forecaster.c: both models per segment and metric, the choice between them, crossing
 * probabilities on synthetic ramps and on the simulator's degradations, missing data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-sim-params.h"
#include "pm-simulator.h"
#include "pm-test-util.h"
#include "predict/pm-forecaster.h"

#define STEP      10
#define DAY       (24 * 3600)
#define DAY_STEPS (DAY / STEP)
#define T0        PM_SIMULATOR_DEFAULT_START
#define HORIZON   180  /* 30 min */

/* Segment 0: a strong daily cycle plus white noise (Holt-Winters' case). Segment 1: AR(1)
 * noise about a constant (ARIMA's case). Each metric has its own scale. */
typedef struct
{
  GRand *rand;
  double ar[PM_N_METRICS];
} Gen;

static const double scale[PM_N_METRICS] = { 10, 1, 0.01 };

static void
generate (Gen      *gen,
          guint     segment,
          gsize     i,
          PmSample *out)
{
  double v[PM_N_METRICS];

  for (guint m = 0; m < PM_N_METRICS; m++)
    {
      double phase = 2 * G_PI * (double) (i % DAY_STEPS) / DAY_STEPS;

      if (segment == 0)
        {
          v[m] = scale[m] * (2 + sin (phase) + 0.04 * pm_test_gauss (gen->rand));
        }
      else
        {
          gen->ar[m] = 0.7 * gen->ar[m] + 0.1 * pm_test_gauss (gen->rand);
          v[m] = scale[m] * (2 + gen->ar[m]);
        }
    }
  *out = (PmSample) { (float) v[0], (float) v[1], (float) v[2] };
}

static void
test_picks_better_model (void)
{
  g_autoptr(PmSeriesStore) store = pm_series_store_new (2, STEP, DAY);
  g_autoptr(PmForecaster) f = pm_forecaster_new (2, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  Gen gen = { rand, { 0 } };
  PmSample s;

  for (gsize i = 0; i < DAY_STEPS; i++)
    for (guint seg = 0; seg < 2; seg++)
      {
        generate (&gen, seg, i, &s);
        g_assert_true (pm_series_store_push (store, seg, T0 + (gint64) i * STEP, &s));
      }
  for (guint seg = 0; seg < 2; seg++)
    g_assert_true (pm_forecaster_fit (f, seg, store));

  /* A day of live samples after the fit. */
  for (gsize i = DAY_STEPS; i < 2 * DAY_STEPS; i++)
    for (guint seg = 0; seg < 2; seg++)
      {
        generate (&gen, seg, i, &s);
        g_assert_true (pm_forecaster_update (f, seg, T0 + (gint64) i * STEP, &s));
      }

  for (guint seg = 0; seg < 2; seg++)
    for (PmMetric m = 0; m < PM_N_METRICS; m++)
      {
        PmForecastModel want = seg == 0 ? PM_FORECAST_MODEL_HOLT_WINTERS : PM_FORECAST_MODEL_ARIMA;
        double e_hw = pm_forecaster_get_model_error (f, seg, m, PM_FORECAST_MODEL_HOLT_WINTERS);
        double e_arima = pm_forecaster_get_model_error (f, seg, m, PM_FORECAST_MODEL_ARIMA);
        PmForecastModel got = pm_forecaster_get_model (f, seg, m);

        g_test_message ("segment %u %s: Holt-Winters RMSE %.5f, ARIMA RMSE %.5f, using %s", seg,
                        pm_metric_to_string (m), e_hw, e_arima, pm_forecast_model_to_string (got));
        g_assert_cmpint (got, ==, want);
        if (seg == 0)
          g_assert_cmpfloat (e_hw, <, e_arima);
        else
          g_assert_cmpfloat (e_arima, <, e_hw);
      }
}

/* Missing fields, infinities and old samples: counted, never turned into values. */
static void
test_missing_data (void)
{
  g_autoptr(PmForecaster) f = pm_forecaster_new (1, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);
  PmSample s = { 0 };
  double mean, sd, error, error_sd;
  gint64 t = T0;

  for (guint i = 0; i < 600; i++, t += STEP)
    {
      s = (PmSample) { (float) (20 + 0.1 * pm_test_gauss (rand)),
                       (float) (1 + 0.01 * pm_test_gauss (rand)),
                       0.001f };
      g_assert_true (pm_forecaster_update (f, 0, t, &s));
    }
  pm_forecaster_get_last_residual (f, 0, PM_METRIC_LATENCY, &error, &error_sd);
  g_assert_true (isfinite (error) && error_sd > 0);

  /* The probe got no answer: loss 1, latency and jitter missing. */
  s = (PmSample) { NAN, NAN, 1 };
  g_assert_true (pm_forecaster_update (f, 0, t, &s));
  t += STEP;
  s = (PmSample) { INFINITY, -INFINITY, 1 };
  g_assert_true (pm_forecaster_update (f, 0, t, &s));
  g_assert_cmpuint (pm_forecaster_get_steps_since_value (f, 0, PM_METRIC_LATENCY), ==, 2);
  g_assert_cmpuint (pm_forecaster_get_n_missing (f, 0, PM_METRIC_LATENCY), ==, 2);
  g_assert_cmpuint (pm_forecaster_get_steps_since_value (f, 0, PM_METRIC_LOSS), ==, 0);
  pm_forecaster_get_last_residual (f, 0, PM_METRIC_LATENCY, &error, NULL);
  g_assert_true (isnan (error));

  /* The latency forecast stays where it was, only less sure. */
  g_assert_true (pm_forecaster_forecast (f, 0, PM_METRIC_LATENCY, 1, &mean, &sd));
  pm_test_assert_between ("latency forecast after the gap", mean, 19.5, 20.5);
  g_assert_true (isfinite (sd));

  /* An old or repeated time is refused. */
  g_assert_false (pm_forecaster_update (f, 0, t, &s));
  g_assert_false (pm_forecaster_update (f, 0, T0, &s));

  /* After an hour with no latency, there is no latency forecast at all (not a stale one), and
   * no crossing probability: unknown, never "safe". The next value starts it again. */
  for (guint i = 0; i < 360; i++)
    {
      t += STEP;
      g_assert_true (pm_forecaster_update (f, 0, t, &s));
    }
  g_assert_false (pm_forecaster_forecast (f, 0, PM_METRIC_LATENCY, 1, &mean, &sd));
  g_assert_true (isnan (pm_forecaster_crossing_probability (f, 0, PM_METRIC_LATENCY, 100,
                                                            HORIZON)));
  g_assert_true (pm_forecaster_forecast (f, 0, PM_METRIC_LOSS, 1, &mean, &sd));
  s = (PmSample) { 20.1f, 1, 0.001f };
  t += STEP;
  g_assert_true (pm_forecaster_update (f, 0, t, &s));
  g_assert_true (pm_forecaster_forecast (f, 0, PM_METRIC_LATENCY, 1, &mean, &sd));
  pm_test_assert_between ("latency forecast after the restart", mean, 19.5, 20.5);

  /* A forecaster that never saw a value knows nothing. */
  {
    g_autoptr(PmForecaster) empty = pm_forecaster_new (1, NULL);

    g_assert_false (pm_forecaster_forecast (empty, 0, PM_METRIC_LOSS, 5, &mean, &sd));
    g_assert_true (isnan (mean));
    g_assert_true (isnan (pm_forecaster_crossing_probability (empty, 0, PM_METRIC_LOSS, 0.5,
                                                              HORIZON)));
    g_assert_true (isnan (pm_forecaster_get_trend_per_minute (empty, 0, PM_METRIC_LOSS)));
  }
}

/* Loss flat at 0.2% for a day, then a ramp to 30% over an hour: the probability of crossing
 * 10% within 30 min rises as the ramp proceeds and is high well before the crossing. */
static void
test_crossing_synthetic_ramp (void)
{
  const double threshold = 0.1, base = 0.002, top = 0.3;
  const gsize ramp_start = DAY_STEPS + 1800, ramp_steps = 360;
  /* The ramp reaches the threshold here. */
  const gsize crossing = ramp_start + (gsize) ((threshold - base) / (top - base) * ramp_steps);
  g_autoptr(PmSeriesStore) store = pm_series_store_new (1, STEP, DAY);
  g_autoptr(PmForecaster) f = pm_forecaster_new (1, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  double previous = 0, p_before = NAN, p_lead = NAN;
  guint first_step;

  for (gsize i = 0; i < crossing; i++)
    {
      double loss = base + 0.0005 * pm_test_gauss (rand);
      PmSample s;

      if (i >= ramp_start)
        loss += (top - base) * (double) (i - ramp_start) / ramp_steps;
      s = (PmSample) { (float) (15 + 0.1 * pm_test_gauss (rand)), 0.5f, (float) MAX (loss, 0) };
      if (i < DAY_STEPS)
        {
          g_assert_true (pm_series_store_push (store, 0, T0 + (gint64) i * STEP, &s));
          if (i == DAY_STEPS - 1)
            g_assert_true (pm_forecaster_fit (f, 0, store));
          continue;
        }
      g_assert_true (pm_forecaster_update (f, 0, T0 + (gint64) i * STEP, &s));

      if ((i - DAY_STEPS) % 12 == 0)
        {
          double p = pm_forecaster_crossing_probability_full (f, 0, PM_METRIC_LOSS, threshold,
                                                              HORIZON, &first_step);

          if (i >= ramp_start - 180 && i < ramp_start)
            p_before = isnan (p_before) ? p : MAX (p_before, p);
          if (i > ramp_start + 60)
            {
              /* Rising all along the ramp (a little noise allowed). */
              if (p < previous - 0.05)
                g_error ("crossing probability fell from %.3f to %.3f %" G_GSIZE_FORMAT
                         " steps into the ramp", previous, p, i - ramp_start);
              previous = MAX (previous, p);
            }
          if (i + 30 <= crossing)
            p_lead = p;
          if (i >= ramp_start)
            g_test_message ("%" G_GSIZE_FORMAT " min into the ramp (crossing at %" G_GSIZE_FORMAT
                            "): P %.3f, first step %u, model %s", (i - ramp_start) / 6,
                            (crossing - ramp_start) / 6, p, first_step,
                            pm_forecast_model_to_string (
                              pm_forecaster_get_model (f, 0, PM_METRIC_LOSS)));
        }
    }
  pm_test_assert_between ("P(cross) in the 30 min before the ramp", p_before, 0, 0.05);
  pm_test_assert_between ("P(cross) 5 min before the crossing", p_lead, 0.9, 1);
  pm_test_assert_between ("loss trend at the crossing (per min)",
                  pm_forecaster_get_trend_per_minute (f, 0, PM_METRIC_LOSS),
                  0.5 * (top - base) / 60, 2 * (top - base) / 60);
  pm_forecaster_crossing_probability_full (f, 0, PM_METRIC_LOSS, threshold, HORIZON,
                                           &first_step);
  g_assert_cmpuint (first_step, >=, 1);
  g_assert_cmpuint (first_step, <=, 6);
}

/* The simulator's degradations that end in a cut: as latency creeps towards a level it will
 * reach, the probability of reaching it within 30 min rises, on several seeds. */
static PmTopology *
topology_for_simulation (void)
{
  g_autofree char *path = pm_test_shared_data_path ("topologies/geant2012.geojson");
  g_autoptr(GError) error = NULL;
  PmTopology *topology;

  if (path == NULL)
    return NULL;
  topology = pm_topology_new_from_file (path, &error);
  g_assert_no_error (error);
  return topology;
}

typedef struct
{
  double before;  /* 30 min before the first effect */
  double early;   /* the excess first reaches 10% of its final value */
  double late;    /* the excess first reaches 30% of it (the threshold is at 60%) */
} Probabilities;

static gboolean
probabilities_for_episode (PmSimulator        *sim,
                           PmSeriesStore      *store,
                           PmForecaster       *f,
                           const PmSimEpisode *ep,
                           Probabilities      *out)
{
  gint64 t_end = ep->cut_start_s - STEP, t;
  PmSample s, clean;
  double threshold, final_excess, excess;
  gboolean early_done = FALSE;

  /* The latency the ramp ends at, over the undisturbed latency then. */
  pm_simulator_sample (sim, ep->segment, t_end, &s);
  _pm_simulator_sample_clean (sim, ep->segment, t_end, &clean);
  final_excess = s.latency_ms - clean.latency_ms;
  if (!(final_excess > 8 * _pm_simulator_get_sigma_ms (sim, ep->segment)))
    return FALSE;
  threshold = clean.latency_ms + 0.6 * final_excess;

  g_assert_true (pm_forecaster_fit (f, ep->segment, store));
  *out = (Probabilities) { NAN, NAN, NAN };
  for (t = T0 + STEP; t < t_end; t += STEP)
    {
      pm_simulator_sample (sim, ep->segment, t, &s);
      pm_forecaster_update (f, ep->segment, t, &s);
      if (t >= ep->onset_s - 1800 && isnan (out->before))
        out->before = pm_forecaster_crossing_probability (f, ep->segment, PM_METRIC_LATENCY,
                                                          threshold, HORIZON);
      if (t < ep->onset_s)
        continue;
      _pm_simulator_sample_clean (sim, ep->segment, t, &clean);
      excess = s.latency_ms - clean.latency_ms;
      if (!early_done && excess >= 0.1 * final_excess)
        {
          out->early = pm_forecaster_crossing_probability (f, ep->segment, PM_METRIC_LATENCY,
                                                           threshold, HORIZON);
          early_done = TRUE;
        }
      if (excess >= 0.3 * final_excess)
        {
          out->late = pm_forecaster_crossing_probability (f, ep->segment, PM_METRIC_LATENCY,
                                                          threshold, HORIZON);
          break;
        }
    }
  return !isnan (out->before) && !isnan (out->early) && !isnan (out->late);
}

static void
test_crossing_simulator (void)
{
  g_autoptr(PmTopology) topology = topology_for_simulation ();
  Probabilities sum = { 0 };
  guint n = 0, rising = 0;

  if (topology == NULL)
    return;

  for (guint64 seed = 1; seed <= 3; seed++)
    {
      PmSimulatorConfig config = { seed, PM_SIMULATOR_DEFAULT_SPEED, T0 };
      g_autoptr(PmSimulator) sim = pm_simulator_new (topology, &config);
      guint n_segments = pm_topology_get_n_segments (topology);
      g_autoptr(PmSeriesStore) store = pm_series_store_new (n_segments, STEP, DAY);
      g_autoptr(PmForecaster) f = pm_forecaster_new (n_segments, NULL);
      g_autoptr(GArray) episodes = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gboolean *used = g_new0 (gboolean, n_segments);
      guint taken = 0;

      /* A day of history up to T0, then the next day live. */
      g_assert_true (pm_source_advance (PM_SOURCE (sim), store, T0, &error));
      g_assert_no_error (error);
      episodes = _pm_simulator_get_episodes (sim, T0 + 3600, T0 + DAY);

      for (guint i = 0; i < episodes->len; i++)
        {
          const PmSimEpisode *ep = &g_array_index (episodes, PmSimEpisode, i);
          Probabilities p;

          /* One degradation per segment, with a clean hour before it; five per seed keep the
           * test short. */
          if (ep->kind != PM_PARTITION_DEGRADATION || ep->cut_start_s < 0
              || ep->onset_s < T0 + 3600 || used[ep->segment] || taken == 5)
            continue;
          used[ep->segment] = TRUE;
          if (!probabilities_for_episode (sim, store, f, ep, &p))
            continue;
          taken++;
          g_test_message ("seed %" G_GUINT64_FORMAT " segment %u: P %.3f -> %.3f -> %.3f", seed,
                          ep->segment, p.before, p.early, p.late);
          sum.before += p.before;
          sum.early += p.early;
          sum.late += p.late;
          rising += p.late > p.before;
          n++;
        }
    }

  g_test_message ("%u episodes: mean P %.3f -> %.3f -> %.3f; rising in %u", n, sum.before / n,
                  sum.early / n, sum.late / n, rising);
  g_assert_cmpuint (n, >=, 10);
  g_assert_cmpfloat (sum.before / n, <, sum.early / n);
  g_assert_cmpfloat (sum.early / n, <, sum.late / n);
  g_assert_cmpuint (rising, >=, (guint) ceil (0.8 * n));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forecaster/picks-better-model", test_picks_better_model);
  g_test_add_func ("/forecaster/missing-data", test_missing_data);
  g_test_add_func ("/forecaster/crossing-synthetic-ramp", test_crossing_synthetic_ramp);
  g_test_add_func ("/forecaster/crossing-simulator", test_crossing_simulator);
  return g_test_run ();
}
