/* bench-e2e.c: how fast premirror-eval --e2e replays a scenario.
 *
 * One simulated day (after its day of history) of seed 1000, on the demo network and, when the
 * shared data is there, on the largest real topology (UNINETT 2011, 66 sites): the end-to-end
 * comparison of the four policies against the prediction replay of the same day (predictor and
 * three baselines), the reference. Prints seconds per simulated day (the thread's processor
 * time), how many times faster than real time, and the ratio to the reference.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "pm-bench-time.h"
#include "pm-demo.h"
#include "pm-eval-e2e.h"
#include "pm-eval-replay.h"
#include "predict/pm-alerts.h"
#include "predict/pm-predictor.h"

#define SEED 1000
#define DAY_S 86400.0

static double
time_replay (const PmEvalScenario *scenario)
{
  g_auto(PmEvalReport) report = { 0 };
  g_autoptr(GError) error = NULL;
  /* The thresholds the baselines tune to on the demo; the time hardly depends on them. */
  double thresholds[PM_EVAL_N_METHODS] = { PM_ALERT_DEFAULT_FIRE_THRESHOLD, 0.03, 0.05, 0.1 };
  double start;

  pm_eval_report_init (&report);
  start = pm_bench_cpu_seconds ();
  if (!pm_eval_replay_run (scenario, SEED, thresholds, &report, NULL, &error))
    g_error ("%s", error->message);
  return pm_bench_cpu_seconds () - start;
}

static double
time_e2e (const PmEvalScenario *scenario,
          PmResources          *resources)
{
  g_auto(PmE2eReport) report = { 0 };
  g_autoptr(GError) error = NULL;
  double start;

  pm_e2e_report_init (&report);
  start = pm_bench_cpu_seconds ();
  if (!pm_e2e_run_simulated (scenario, resources, SEED, &report, &error))
    g_error ("%s", error->message);
  return pm_bench_cpu_seconds () - start;
}

static void
bench (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmResources) resources = NULL;
  PmEvalScenario scenario;
  double replay_s, e2e_s;

  topology = path != NULL ? pm_topology_new_from_file (path, &error)
                          : pm_demo_load_topology (&error);
  if (topology == NULL)
    g_error ("%s", error->message);
  resources = pm_demo_load_resources_or_file (NULL, topology, &error);
  if (resources == NULL)
    g_error ("%s", error->message);
  scenario = (PmEvalScenario) {
    topology,
    { SEED, PM_SIMULATOR_DEFAULT_SPEED, PM_SIMULATOR_DEFAULT_START },
    NULL, 1, PM_PREDICTOR_DEFAULT_HORIZON_S
  };
  replay_s = time_replay (&scenario);
  e2e_s = time_e2e (&scenario, resources);
  printf ("%-16s %5u sites %5u segments %3u resources: prediction replay %6.2f s/day "
          "(reference), e2e %6.2f s/day = %7.0f × real time, %.2f × the reference\n",
          pm_topology_get_name (topology), pm_topology_get_n_sites (topology),
          pm_topology_get_n_segments (topology), pm_resources_get_n_resources (resources),
          replay_s, e2e_s, DAY_S / e2e_s, e2e_s / replay_s);
}

int
main (void)
{
  const char *data = g_getenv ("PM_SHARED_DATA");
  g_autofree char *uninett = g_build_filename (data != NULL ? data : "../shared/data",
                                               "topologies", "uninett2011.geojson", NULL);

  printf ("premirror-eval --e2e, one simulated day of seed %d (processor time of one core)\n",
          SEED);
  bench (NULL);
  if (g_file_test (uninett, G_FILE_TEST_EXISTS))
    bench (uninett);
  else
    printf ("%s is absent: the real topology is skipped (set PM_SHARED_DATA)\n", uninett);
  return 0;
}
