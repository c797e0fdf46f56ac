/* bench-forecast.c: sample ingestion with forecasting on one core: the time-series store, both
 * forecasting models (Holt-Winters and ARIMA) for the three metrics of every segment, and the
 * degradation detectors (anomaly scores) as the predictor runs them; plus the cost of fitting,
 * of a crossing-probability pass over all segments, and the memory per segment.
 *
 * The samples come from the simulator on a synthetic grid backbone, generated before timing.
 * After a day of history is loaded and every segment fitted on it, 8 h of live samples are
 * ingested tick by tick (6 steps = 1 min of virtual time per tick), segment by segment, as the
 * engine does. Loops, each timed on this thread's CPU clock:
 * - reference: pm_series_store_push only, all 8 h;
 * - store + forecast: push, then pm_forecaster_update, the first 4 h;
 * - store + forecast + anomaly: the same, and the detectors, the next 4 h (the models go on
 *   from where the first half left them). As in PmPredictor: latency and loss only, each fed
 *   its minute's mean once a minute (the per-sample sums are timed, the predictor's feature
 *   code is not), rather than a detector per metric fed every sample, which the product never
 *   does;
 * - detectors alone: a second set of detectors, fed the first 4 h untimed, then timed on the
 *   next 4 h: the cost of the detectors, measured rather than subtracted.
 * Rates are segment-samples per second (one segment-sample = the three metrics of one segment
 * at one step); "÷ ref." is the rate over the reference loop's. Then the whole predictor as the
 * engine runs it (PmPredictor: its start-up fit and history walk, then 2 h of live ticks, each
 * pushing a minute of samples and calling pm_predictor_update: ingestion into the forecasters
 * and the seasonally adjusted detectors, features, risk, isolation and alerts every minute,
 * staggered refits). Figures are printed, never judged.
 *
 * Usage: bench-forecast [SEGMENTS]   (default: 1000)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-bench-grid.h"
#include "pm-bench-time.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pm-simulator.h"
#include "predict/pm-anomaly.h"
#include "predict/pm-forecaster.h"
#include "predict/pm-predictor.h"

#define STEP_S        PM_SERIES_DEFAULT_STEP_S
#define TICK_STEPS    6
#define LIVE_STEPS    2880  /* 8 h of live samples: 4 h per timed half */
#define HORIZON_STEPS 180   /* 30 min */
#define TARGET        2e6
#define PREDICTOR_STEPS 720   /* 2 h of live ticks through the whole predictor */
#define MINUTE_STEPS  (60 / STEP_S)

/* The predictor's detectors, in its order: latency and loss. */
#define N_DETECTORS   2

/* A segment's current minute of detector input. */
typedef struct
{
  double sum[N_DETECTORS];
  guint  n[N_DETECTORS];
} Minute;

/* What PmPredictor's ingestion gives its detectors for one sample: the sample joins its minute's
 * sums (unless it is a cut), and at the minute's end each detector gets the minute's mean. */
static double
detect_sample (PmAnomalyDetector **d,
               Minute             *minute,
               gint64              t,
               const PmSample     *sample)
{
  double score = 0;

  if (!(sample->loss_ratio >= 0.99f && isnan (sample->latency_ms)))
    {
      if (!isnan (sample->latency_ms))
        minute->sum[0] += sample->latency_ms, minute->n[0]++;
      if (!isnan (sample->loss_ratio))
        minute->sum[1] += sample->loss_ratio, minute->n[1]++;
    }
  if (t % 60 != 0)
    return 0;
  for (guint k = 0; k < N_DETECTORS; k++)
    {
      score += pm_anomaly_detector_update (d[k], (double) t,
                                           minute->n[k] > 0 ? minute->sum[k] / minute->n[k] : NAN);
      minute->sum[k] = 0;
      minute->n[k] = 0;
    }
  return score;
}

static void
report (const char *loop,
        double      samples,
        double      seconds,
        double      reference_rate)
{
  double rate = samples / seconds;

  printf ("  %-28s  %10.0f  %8.3f  %10.2f  %8.0f", loop, samples, seconds, rate / 1e6,
          seconds / samples * 1e9);
  if (reference_rate > 0)
    printf ("  %7.3f", rate / reference_rate);
  printf ("\n");
}

int
main (int   argc,
      char *argv[])
{
  guint64 n = 1000;
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmSimulator) sim = NULL;
  g_autoptr(PmSeriesStore) history = NULL;
  g_autoptr(PmForecaster) f = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree PmSample *live = NULL;
  g_autofree PmAnomalyDetector **detectors = NULL;
  g_autofree Minute *minutes = NULL;
  PmAnomalyParams anomaly_params;
  gint64 start = PM_SIMULATOR_DEFAULT_START;
  double t0, fit_s, ref_s, fc_s, all_s, detect_s = 0, cross_s, samples, ref_rate, sink = 0;
  gsize detector_bytes;
  guint n_models[PM_N_FORECAST_MODELS] = { 0 };

  if (argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 100000, &n, NULL))
    {
      fprintf (stderr, "usage: %s [SEGMENTS] (1 to 100000)\n", argv[0]);
      return 2;
    }

  topology = pm_bench_grid_topology ((guint) n);
  sim = pm_simulator_new (topology, NULL);
  history = pm_series_store_new ((guint) n, STEP_S, PM_SERIES_DEFAULT_SPAN_S);
  f = pm_forecaster_new ((guint) n, NULL);

  /* A day of history, and the live samples, generated before any timing. */
  if (!pm_source_advance (PM_SOURCE (sim), history, start, &error))
    g_error ("%s", error->message);
  live = g_new (PmSample, (gsize) n * LIVE_STEPS);
  for (guint s = 0; s < n; s++)
    for (guint i = 0; i < LIVE_STEPS; i++)
      pm_simulator_sample (sim, s, start + (gint64) (i + 1) * STEP_S,
                           &live[(gsize) i * n + s]);

  printf ("bench-forecast: %" G_GUINT64_FORMAT " segments, simulator default scenario, %d s "
          "steps, one core (thread CPU time)\n", n, STEP_S);
  printf ("models per segment: Holt-Winters + ARIMA for latency, jitter and loss; anomaly "
          "detectors for latency and loss on minute means, as the predictor runs them\n");
  printf ("target: >= %.0f M segment-samples/s with forecasting and anomaly scoring\n\n",
          TARGET / 1e6);

  /* Fit every segment on its day of history. */
  t0 = pm_bench_cpu_seconds ();
  for (guint s = 0; s < n; s++)
    pm_forecaster_fit (f, s, history);
  fit_s = pm_bench_cpu_seconds () - t0;
  for (guint s = 0; s < n; s++)
    for (PmMetric m = 0; m < PM_N_METRICS; m++)
      n_models[pm_forecaster_get_model (f, s, m)]++;
  printf ("fit on 24 h of history: %.1f ms per segment (3 metrics x 2 models), %.1f s for all;"
          " in use after the fit: Holt-Winters %u, ARIMA %u series\n\n",
          fit_s / n * 1e3, fit_s, n_models[PM_FORECAST_MODEL_HOLT_WINTERS],
          n_models[PM_FORECAST_MODEL_ARIMA]);

  pm_anomaly_params_init_probe (&anomaly_params);
  detectors = g_new (PmAnomalyDetector *, (gsize) n * N_DETECTORS);
  for (gsize i = 0; i < (gsize) n * N_DETECTORS; i++)
    detectors[i] = pm_anomaly_detector_new (&anomaly_params);
  minutes = g_new0 (Minute, n);

  printf ("  %-28s  %10s  %8s  %10s  %8s  %7s\n", "loop (live)", "samples", "seconds",
          "M samp/s", "ns/samp", "/ ref.");
  samples = (double) n * LIVE_STEPS;

  /* The reference: the store alone, same pushes in the same order, over both halves. */
  {
    g_autoptr(PmSeriesStore) store = pm_series_store_new ((guint) n, STEP_S,
                                                          PM_SERIES_DEFAULT_SPAN_S);
    t0 = pm_bench_cpu_seconds ();
    for (guint tick = 0; tick < LIVE_STEPS; tick += TICK_STEPS)
      for (guint s = 0; s < n; s++)
        for (guint i = tick; i < tick + TICK_STEPS; i++)
          pm_series_store_push (store, s, start + (gint64) (i + 1) * STEP_S,
                                &live[(gsize) i * n + s]);
    ref_s = pm_bench_cpu_seconds () - t0;
  }

  /* The first half with forecasting, the second with forecasting and anomaly scoring: the
   * models go on from where the first half left them, as they would live. */
  {
    g_autoptr(PmSeriesStore) store = pm_series_store_new ((guint) n, STEP_S,
                                                          PM_SERIES_DEFAULT_SPAN_S);
    t0 = pm_bench_cpu_seconds ();
    for (guint tick = 0; tick < LIVE_STEPS / 2; tick += TICK_STEPS)
      for (guint s = 0; s < n; s++)
        for (guint i = tick; i < tick + TICK_STEPS; i++)
          {
            gint64 t = start + (gint64) (i + 1) * STEP_S;
            const PmSample *sample = &live[(gsize) i * n + s];

            pm_series_store_push (store, s, t, sample);
            pm_forecaster_update (f, s, t, sample);
          }
    fc_s = pm_bench_cpu_seconds () - t0;

    t0 = pm_bench_cpu_seconds ();
    for (guint tick = LIVE_STEPS / 2; tick < LIVE_STEPS; tick += TICK_STEPS)
      for (guint s = 0; s < n; s++)
        for (guint i = tick; i < tick + TICK_STEPS; i++)
          {
            gint64 t = start + (gint64) (i + 1) * STEP_S;
            const PmSample *sample = &live[(gsize) i * n + s];
            PmAnomalyDetector **d = &detectors[(gsize) s * N_DETECTORS];

            pm_series_store_push (store, s, t, sample);
            pm_forecaster_update (f, s, t, sample);
            sink += detect_sample (d, &minutes[s], t, sample);
          }
    all_s = pm_bench_cpu_seconds () - t0;
  }

  /* The detectors alone, on a second set that has seen the first half as the first set had. */
  {
    g_autofree PmAnomalyDetector **fresh = g_new (PmAnomalyDetector *, (gsize) n * N_DETECTORS);
    g_autofree Minute *fresh_minutes = g_new0 (Minute, n);

    for (gsize i = 0; i < (gsize) n * N_DETECTORS; i++)
      fresh[i] = pm_anomaly_detector_new (&anomaly_params);
    for (guint half = 0; half < 2; half++)
      {
        t0 = pm_bench_cpu_seconds ();
        for (guint tick = half * LIVE_STEPS / 2; tick < (half + 1) * LIVE_STEPS / 2;
             tick += TICK_STEPS)
          for (guint s = 0; s < n; s++)
            for (guint i = tick; i < tick + TICK_STEPS; i++)
              {
                gint64 t = start + (gint64) (i + 1) * STEP_S;
                const PmSample *sample = &live[(gsize) i * n + s];
                PmAnomalyDetector **d = &fresh[(gsize) s * N_DETECTORS];

                sink += detect_sample (d, &fresh_minutes[s], t, sample);
              }
        if (half == 1)
          detect_s = pm_bench_cpu_seconds () - t0;
      }
    detector_bytes = pm_anomaly_detector_get_memory_size (fresh[0]);
    for (gsize i = 0; i < (gsize) n * N_DETECTORS; i++)
      pm_anomaly_detector_free (fresh[i]);
  }

  ref_rate = samples / ref_s;
  report ("reference (store push)", samples, ref_s, 0);
  report ("store + forecast", samples / 2, fc_s, ref_rate);
  report ("store + forecast + anomaly", samples / 2, all_s, ref_rate);
  report ("anomaly detectors alone", samples / 2, detect_s, ref_rate);
  printf ("  forecasting alone: %.0f ns per segment-sample (%.1f M/s); anomaly scoring alone: "
          "%.0f ns (by difference), %.0f ns measured: %.0f ns per detector update (%d a minute "
          "per segment), %zu B per detector\n", (fc_s - ref_s / 2) / (samples / 2) * 1e9,
          samples / 2 / (fc_s - ref_s / 2) / 1e6, (all_s - fc_s) / (samples / 2) * 1e9,
          detect_s / (samples / 2) * 1e9,
          detect_s / (samples / 2 / MINUTE_STEPS * N_DETECTORS) * 1e9, N_DETECTORS,
          detector_bytes);

  /* What a tick costs on top: crossing probabilities for latency and loss over 30 min. */
  t0 = pm_bench_cpu_seconds ();
  for (guint s = 0; s < n; s++)
    {
      sink += pm_forecaster_crossing_probability (f, s, PM_METRIC_LATENCY, 1000, HORIZON_STEPS);
      sink += pm_forecaster_crossing_probability (f, s, PM_METRIC_LOSS, 0.5, HORIZON_STEPS);
    }
  cross_s = pm_bench_cpu_seconds () - t0;
  printf ("\ncrossing probability (latency and loss, 30 min horizon) for all segments: %.2f ms "
          "per tick (%.1f us per segment)\n", cross_s * 1e3, cross_s / n * 1e6);

  printf ("memory: forecaster %zu B per segment (Holt-Winters %zu B with its %u-slot profile, "
          "ARIMA %zu B, per metric); store %zu B per segment at the 24 h span\n",
          pm_forecaster_get_memory_per_segment (f),
          pm_holt_winters_get_memory_size (pm_forecaster_get_holt_winters (f, 0, 0)),
          PM_HOLT_WINTERS_DEFAULT_PERIOD_S / PM_HOLT_WINTERS_DEFAULT_SLOT_S,
          pm_arima_get_memory_size (pm_forecaster_get_arima (f, 0, 0)),
          pm_series_store_bytes_per_segment (history));
  /* The whole predictor, on the same network: fresh history, start-up, then live ticks. */
  {
    g_autoptr(PmSimulator) sim2 = pm_simulator_new (topology, NULL);
    g_autoptr(PmSeriesStore) store = pm_series_store_new ((guint) n, STEP_S,
                                                          PM_SERIES_DEFAULT_SPAN_S);
    g_autoptr(PmPredictor) predictor = pm_predictor_new (topology, HORIZON_STEPS * STEP_S);
    g_autoptr(GPtrArray) events = g_ptr_array_new ();
    double start_s, live_s;

    if (!pm_source_advance (PM_SOURCE (sim2), store, start, &error))
      g_error ("%s", error->message);
    t0 = pm_bench_cpu_seconds ();
    {
      g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);
      pm_predictor_update (predictor, store, events, start, snapshot);
    }
    start_s = pm_bench_cpu_seconds () - t0;

    t0 = pm_bench_cpu_seconds ();
    for (guint tick = 0; tick < PREDICTOR_STEPS; tick += TICK_STEPS)
      {
        g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);
        gint64 now = start + (gint64) (tick + TICK_STEPS) * STEP_S;

        for (guint s = 0; s < n; s++)
          for (guint i = tick; i < tick + TICK_STEPS; i++)
            pm_series_store_push (store, s, start + (gint64) (i + 1) * STEP_S,
                                  &live[(gsize) i * n + s]);
        pm_predictor_update (predictor, store, events, now, snapshot);
      }
    live_s = pm_bench_cpu_seconds () - t0;
    printf ("\nwhole predictor (pm_predictor_update), %u segments: start-up (fit + walk of the "
            "stored day) %.1f s\n", (guint) n, start_s);
    printf ("  %-28s  %10s  %8s  %10s  %8s  %7s\n", "loop (live, 2 h)", "samples", "seconds",
            "M samp/s", "ns/samp", "/ ref.");
    report ("store + whole predictor", (double) n * PREDICTOR_STEPS, live_s, ref_rate);
    printf ("  per 1-min tick: %.2f ms (risk, isolation, alerts and refits included)\n",
            live_s / (PREDICTOR_STEPS / TICK_STEPS) * 1e3);
  }

  if (sink == 42.4242)
    printf ("\n");  /* keeps the scores alive */

  for (gsize i = 0; i < (gsize) n * N_DETECTORS; i++)
    pm_anomaly_detector_free (detectors[i]);
  return 0;
}
