/* bench-simulator.c: simulator + time-series store throughput on one core, and memory per
 * segment, for networks of 100, 1,000 and 10,000 segments.
 *
 * Each size runs two loops over the same store shape, each with its reference:
 * - history: the simulator's first advance, which fills the store's span in one call;
 * - live: advances of 60 virtual seconds at a time, as the console does at 60× speed;
 * - ref. hist / ref. live: the store alone, pushing a constant sample in the same order.
 * The ratio to the reference shows how much of the store's own speed is left once the
 * simulator computes the samples. The figures are printed, never judged: a slow machine does
 * not fail.
 *
 * Usage: bench-simulator [SEGMENTS…]   (default: 100 1000 10000)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-bench-grid.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pm-sim-params.h"
#include "pm-simulator.h"

#define STEP_S          PM_SERIES_DEFAULT_STEP_S
#define CHUNK_S         60
#define HISTORY_SAMPLES 20000000.0  /* history span capped so the store stays a few 100 MB */
#define LIVE_SAMPLES    10000000.0
#define TARGET          5e6

/* CPU time of this thread: "one core" even on a busy machine. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static void
report (guint       n_segments,
        const char *phase,
        double      samples,
        double      seconds,
        double      reference_rate)
{
  double rate = samples / seconds;

  printf ("%8u  %-9s  %11.0f  %8.3f  %11.2f", n_segments, phase, samples, seconds, rate / 1e6);
  if (reference_rate > 0)
    printf ("  %10.2f", rate / reference_rate);
  printf ("\n");
}

static void
run (guint n_segments)
{
  g_autoptr(PmTopology) topology = pm_bench_grid_topology (n_segments);
  g_autoptr(PmSimulator) sim = pm_simulator_new (topology, NULL);
  gint64 span_steps = MIN (PM_SERIES_DEFAULT_SPAN_S / STEP_S,
                           (gint64) (HISTORY_SAMPLES / n_segments));
  gint64 live_steps = (gint64) (LIVE_SAMPLES / n_segments);
  gint64 live_span_s = (live_steps / (CHUNK_S / STEP_S)) * CHUNK_S;
  gint64 start = PM_SIMULATOR_DEFAULT_START;
  g_autoptr(PmSeriesStore) store = pm_series_store_new (n_segments, STEP_S, span_steps * STEP_S);
  g_autoptr(PmSeriesStore) plain = pm_series_store_new (n_segments, STEP_S, span_steps * STEP_S);
  g_autoptr(GError) error = NULL;
  PmSample constant = { 12.5f, 0.4f, 0.001f };
  double t0, history_s, live_s, history_reference_s, reference_s;
  double live_samples = (double) (live_span_s / STEP_S) * n_segments;
  double history_samples = (double) span_steps * n_segments;

  /* history: one call fills [start − span, start]. */
  t0 = cpu_seconds ();
  if (!pm_source_advance (PM_SOURCE (sim), store, start, &error))
    g_error ("%s", error->message);
  history_s = cpu_seconds () - t0;

  /* live: a minute of virtual time per call. */
  t0 = cpu_seconds ();
  for (gint64 t = start + CHUNK_S; t <= start + live_span_s; t += CHUNK_S)
    if (!pm_source_advance (PM_SOURCE (sim), store, t, &error))
      g_error ("%s", error->message);
  live_s = cpu_seconds () - t0;

  /* The references: the store alone, the same pushes in the same order, first into a fresh
   * store (its pages touched for the first time, as in history), then live. */
  t0 = cpu_seconds ();
  for (gint64 b = (start - (span_steps - 1) * STEP_S) / PM_SIM_BLOCK_S; b <= start / PM_SIM_BLOCK_S;
       b++)
    for (guint s = 0; s < n_segments; s++)
      for (gint64 u = MAX (b * PM_SIM_BLOCK_S, start - (span_steps - 1) * STEP_S);
           u < MIN ((b + 1) * PM_SIM_BLOCK_S, start + 1); u += STEP_S)
        pm_series_store_push (plain, s, u, &constant);
  history_reference_s = cpu_seconds () - t0;

  t0 = cpu_seconds ();
  for (gint64 t = start + CHUNK_S; t <= start + live_span_s; t += CHUNK_S)
    for (guint s = 0; s < n_segments; s++)
      for (gint64 u = t - CHUNK_S + STEP_S; u <= t; u += STEP_S)
        pm_series_store_push (plain, s, u, &constant);
  reference_s = cpu_seconds () - t0;

  report (n_segments, "history", history_samples, history_s,
          history_samples / history_reference_s);
  report (n_segments, "live", live_samples, live_s, live_samples / reference_s);
  report (n_segments, "ref. hist", history_samples, history_reference_s, 0);
  report (n_segments, "ref. live", live_samples, reference_s, 0);
  printf ("%8u  memory    store %zu B/segment (this run's %" G_GINT64_FORMAT " h span), "
          "simulator %zu B/segment\n",
          n_segments, pm_series_store_bytes_per_segment (store),
          span_steps * STEP_S / 3600, _pm_simulator_get_memory_bytes (sim) / n_segments);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  guint sizes[16] = { 100, 1000, 10000 };
  guint n_sizes = 3;

  if (argc > 1)
    {
      n_sizes = 0;
      for (int i = 1; i < argc && n_sizes < G_N_ELEMENTS (sizes); i++)
        {
          guint64 n;
          if (!g_ascii_string_to_unsigned (argv[i], 10, 1, 1000000, &n, NULL))
            {
              fprintf (stderr, "usage: %s [SEGMENTS…] (each 1 to 1000000)\n", argv[0]);
              return 2;
            }
          sizes[n_sizes++] = (guint) n;
        }
    }

  {
    g_autoptr(PmSeriesStore) standard = pm_series_store_new (1, PM_SERIES_DEFAULT_STEP_S,
                                                             PM_SERIES_DEFAULT_SPAN_S);
    printf ("bench-simulator: default scenario (seed %d), %d s steps, one core (thread CPU "
            "time)\n", PM_SIMULATOR_DEFAULT_SEED, STEP_S);
    printf ("references: plain pm_series_store_push of a constant sample, same store, same "
            "order\n");
    printf ("store memory at the default 24 h span: %zu B/segment\n",
            pm_series_store_bytes_per_segment (standard));
    printf ("target: ≥ %.0f M segment-samples/s (live)\n\n", TARGET / 1e6);
  }
  printf ("%8s  %-9s  %11s  %8s  %11s  %10s\n", "segments", "phase", "samples", "seconds",
          "M samples/s", "÷ ref.");
  for (guint i = 0; i < n_sizes; i++)
    run (sizes[i]);
  return 0;
}
