/* bench-risk.c: the per-tick prediction work that grows with the network — isolation risk of
 * every site and the alert update — on a synthetic 1,000-site / 5,000-segment backbone, one
 * core (thread CPU time), median of several runs.
 *
 * The network is a seeded random geometric graph: 1,000 sites scattered over Europe, each joined
 * to its nearest earlier site (a spanning tree, so it is connected), then the shortest remaining
 * site pairs until there are 5,000 segments. Risks are what a logistic model hands over on a
 * bad day: 80 % of segments near zero (log-uniform 1e-5 … 1e-3, never exactly 0), 20 % spread
 * log-uniformly over 0.01 … 0.9 ("bad day"). "storm" adds a storm cell: every segment with an end
 * within 300 km of a point in the middle of the map is at 0.5 … 0.95, so that some sites have a
 * real chance of being cut off. "zeros" sets the near-zero risks of "bad day" to exactly 0.
 *
 * Reference: one plain breadth-first search from the origin over the whole graph (an array
 * queue, every segment up). The sampler handles 64 worlds per machine word, so "÷ ref" is the
 * recompute time over (worlds / 64) such searches: below 1 means the whole recompute — sampling,
 * reductions and exact parts included — costs less than one plain search per 64 worlds. A
 * naive sampler (one search per world, random numbers not even counted) would be 64 × that.
 * The figures are printed, never judged.
 *
 * Usage: bench-risk [SITES SEGMENTS]   (default: 1000 5000)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm-bench-time.h"
#include "predict/pm-alerts.h"
#include "predict/pm-isolation.h"

#define SEED    20240611
#define RUNS    15
#define TARGET  0.050  /* s: risk + isolation for the whole tick */

typedef struct
{
  guint  a;
  guint  b;
  double d2;
} Pair;

static int
compare_pairs (const void *x,
               const void *y)
{
  const Pair *p = x, *q = y;

  return p->d2 < q->d2 ? -1 : p->d2 > q->d2;
}

static PmTopology *
geometric_topology (guint n_sites,
                    guint n_segments)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(GString) json = g_string_new ("{\"type\": \"FeatureCollection\", \"name\": \"rgg\","
                                          " \"features\": [");
  g_autofree double *lon = g_new (double, n_sites);
  g_autofree double *lat = g_new (double, n_sites);
  g_autoptr(GHashTable) linked = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint made = 0;
  PmTopology *topology;

  g_assert (n_segments >= n_sites - 1);
  for (guint i = 0; i < n_sites; i++)
    {
      lon[i] = g_rand_double_range (rand, -10, 30);
      lat[i] = g_rand_double_range (rand, 36, 60);
      g_string_append_printf (json,
                              "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
                              " \"coordinates\": [%.5f, %.5f]}, \"properties\": {\"id\":"
                              " \"s%u\", \"role\": \"%s\"}}",
                              i == 0 ? "" : ",", lon[i], lat[i], i, i == 0 ? "origin" : "edge");
    }

#define D2(i, j) ((lon[i] - lon[j]) * (lon[i] - lon[j]) + (lat[i] - lat[j]) * (lat[i] - lat[j]))

  g_array_set_size (keys, (gsize) n_segments);
  for (guint i = 0; i < n_sites; i++)
    for (guint j = i + 1; j < n_sites; j++)
      {
        Pair p = { i, j, D2 (i, j) };
        g_array_append_val (pairs, p);
      }
  qsort (pairs->data, pairs->len, sizeof (Pair), compare_pairs);

  /* The tree first: every site to its nearest earlier one. */
  for (guint j = 1; j < n_sites; j++)
    {
      guint best = 0;

      for (guint i = 1; i < j; i++)
        if (D2 (i, j) < D2 (best, j))
          best = i;
      g_array_index (keys, gint64, made) = (gint64) best * n_sites + j;
      g_hash_table_add (linked, &g_array_index (keys, gint64, made));
      made++;
    }
  for (guint k = 0; k < pairs->len && made < n_segments; k++)
    {
      const Pair *p = &g_array_index (pairs, Pair, k);
      gint64 key = (gint64) p->a * n_sites + p->b;

      if (g_hash_table_contains (linked, &key))
        continue;
      g_array_index (keys, gint64, made) = key;
      g_hash_table_add (linked, &g_array_index (keys, gint64, made));
      made++;
    }
  for (guint k = 0; k < made; k++)
    {
      gint64 key = g_array_index (keys, gint64, k);
      guint a = (guint) (key / n_sites), b = (guint) (key % n_sites);

      g_string_append_printf (json,
                              ",{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\","
                              " \"coordinates\": [[%.5f, %.5f], [%.5f, %.5f]]}, \"properties\":"
                              " {\"id\": \"l%u\", \"a\": \"s%u\", \"b\": \"s%u\"}}",
                              lon[a], lat[a], lon[b], lat[b], k, a, b);
    }
  g_string_append (json, "]}");

#undef D2

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  topology = pm_topology_new_from_bytes (bytes, "rgg", &error);
  g_assert_no_error (error);
  return topology;
}

typedef enum
{
  BAD_DAY,
  STORM,
  ZEROS,
} Scenario;

static double *
scenario_risks (PmTopology *topology,
                Scenario    scenario)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 1);
  guint n = pm_topology_get_n_segments (topology);
  double *risk = g_new (double, n);
  PmLatLon eye = { .lat = 48, .lon = 10 };

  for (guint i = 0; i < n; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);

      if (g_rand_double (rand) < 0.8)
        risk[i] = scenario == ZEROS ? 0 : pow (10, g_rand_double_range (rand, -5, -3));
      else
        risk[i] = exp (g_rand_double_range (rand, log (0.01), log (0.9)));
      if (scenario == STORM
          && MIN (pm_geo_distance_km (pm_topology_get_site (topology, segment->a)->location, eye),
                  pm_geo_distance_km (pm_topology_get_site (topology, segment->b)->location, eye))
             < 300)
        risk[i] = g_rand_double_range (rand, 0.5, 0.95);
    }
  return risk;
}

/* The reference: plain BFS over the topology's own adjacency. */
static guint
plain_bfs (PmTopology *topology,
           guint       origin,
           guint      *queue,
           guint8     *seen)
{
  guint n = pm_topology_get_n_sites (topology), head = 0, tail = 0;

  memset (seen, 0, n);
  seen[origin] = 1;
  queue[tail++] = origin;
  while (head < tail)
    {
      guint u = queue[head++], m;
      const guint *segments = pm_topology_get_site_segments (topology, u, &m);

      for (guint j = 0; j < m; j++)
        {
          guint v = pm_topology_segment_peer (topology, segments[j], u);

          if (!seen[v])
            {
              seen[v] = 1;
              queue[tail++] = v;
            }
        }
    }
  return tail;
}

static double
time_reference (PmTopology *topology)
{
  guint n = pm_topology_get_n_sites (topology), reached = 0;
  g_autofree guint *queue = g_new (guint, n);
  g_autofree guint8 *seen = g_new (guint8, n);
  double times[RUNS];

  for (guint r = 0; r < RUNS; r++)
    {
      double t0 = pm_bench_cpu_seconds ();

      for (guint k = 0; k < 100; k++)
        reached += plain_bfs (topology, (guint) pm_topology_get_origin (topology), queue, seen);
      times[r] = (pm_bench_cpu_seconds () - t0) / 100;
    }
  g_assert (reached == RUNS * 100 * n);
  return pm_bench_median (times, RUNS);
}

static void
bench_isolation (PmTopology   *topology,
                 const char   *scenario,
                 const double *risk,
                 guint         n_samples,
                 double        reference)
{
  g_autoptr(PmIsolation) isolation = pm_isolation_new (topology);
  guint n_sites = pm_topology_get_n_sites (topology);
  g_autofree PmIsolationEstimate *out = g_new (PmIsolationEstimate, n_sites);
  PmIsolationParams params;
  PmIsolationInfo info = { 0 };
  double times[RUNS], t, max_se = 0, max_iso = 0;
  guint at_risk = 0;

  pm_isolation_params_init (&params);
  params.n_samples = n_samples;
  pm_isolation_set_params (isolation, &params);
  pm_isolation_compute (isolation, risk, out, &info);  /* warm-up */
  for (guint r = 0; r < RUNS; r++)
    {
      double t0 = pm_bench_cpu_seconds ();

      pm_isolation_compute (isolation, risk, out, &info);
      times[r] = pm_bench_cpu_seconds () - t0;
    }
  t = pm_bench_median (times, RUNS);
  for (guint s = 0; s < n_sites; s++)
    {
      max_se = MAX (max_se, out[s].std_error);
      max_iso = MAX (max_iso, out[s].probability);
      at_risk += out[s].probability >= 0.01;
    }
  printf ("%-8s  %6u  %-5s %5u %5u  %7.2f  %6.2f  %6.4f  %6.3f  %5u\n", scenario,
          info.n_samples, info.method == PM_ISOLATION_EXACT ? "exact" : "MC", info.n_core,
          info.n_uncertain, t * 1e3, t / (reference * MAX (info.n_samples, 64) / 64), max_se,
          max_iso, at_risk);
}

static void
bench_pairs (PmTopology   *topology,
             const double *risk)
{
  g_autoptr(PmIsolation) isolation = pm_isolation_new (topology);
  guint n_sites = pm_topology_get_n_sites (topology), n_pairs = 16 * n_sites;
  g_autofree PmSitePair *pairs = g_new (PmSitePair, n_pairs);
  g_autofree PmIsolationEstimate *out = g_new (PmIsolationEstimate, n_pairs);
  double times[5];

  /* 16 client sites, each against every site. */
  for (guint i = 0; i < n_pairs; i++)
    pairs[i] = (PmSitePair) { (i / n_sites) * 61 % n_sites, i % n_sites };
  for (guint r = 0; r < G_N_ELEMENTS (times); r++)
    {
      double t0 = pm_bench_cpu_seconds ();

      pm_isolation_compute_pairs (isolation, risk, pairs, n_pairs, out, NULL);
      times[r] = pm_bench_cpu_seconds () - t0;
    }
  printf ("pairs: 16 client sites × %u sites = %u pairs, one sampling: %.2f ms\n", n_sites,
          n_pairs, pm_bench_median (times, G_N_ELEMENTS (times)) * 1e3);
}

static void
bench_alerts (PmTopology   *topology,
              const double *risk)
{
  guint n_seg = pm_topology_get_n_segments (topology), n_sites = pm_topology_get_n_sites (topology);
  g_autoptr(PmAlertManager) alerts = pm_alert_manager_new (topology, NULL);
  g_autofree PmSegmentState *segments = g_new0 (PmSegmentState, n_seg);
  g_autofree PmSiteState *sites = g_new0 (PmSiteState, n_sites);
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 2);
  double times[RUNS], export_times[RUNS];
  gint64 now = 1700000000;
  guint n_active = 0;

  for (guint i = 0; i < n_seg; i++)
    {
      segments[i].risk = risk[i];
      segments[i].eta_s = risk[i] > 0.5 ? now + 600 : 0;
      segments[i].n_factors = 3;
      for (guint f = 0; f < 3; f++)
        segments[i].factors[f] = (PmRiskFactor) { "loss_trend", 0.5 - f * 0.1, "loss rising" };
    }
  for (guint s = 0; s < n_sites; s++)
    sites[s].isolation = g_rand_double (rand) < 0.05 ? g_rand_double (rand) : 0.001;

  /* Ten virtual minutes of 10-s ticks first, so that alerts exist, are pending and firing. */
  for (guint k = 0; k < 60; k++, now += 10)
    {
      pm_alert_manager_update_segments (alerts, now, segments, n_seg);
      pm_alert_manager_update_sites (alerts, now, sites, n_sites);
      pm_alert_manager_expire (alerts, now);
    }
  for (guint r = 0; r < RUNS; r++, now += 10)
    {
      g_autoptr(GPtrArray) exported = NULL;
      double t0;

      /* Noise, so that the update does real work each tick. */
      for (guint i = 0; i < n_seg; i++)
        if (risk[i] > 0.01)
          segments[i].risk = CLAMP (risk[i] + g_rand_double_range (rand, -0.1, 0.1), 0, 1);
      t0 = pm_bench_cpu_seconds ();
      pm_alert_manager_update_segments (alerts, now, segments, n_seg);
      pm_alert_manager_update_sites (alerts, now, sites, n_sites);
      pm_alert_manager_expire (alerts, now);
      times[r] = pm_bench_cpu_seconds () - t0;
      t0 = pm_bench_cpu_seconds ();
      exported = pm_alert_manager_export (alerts, now);
      export_times[r] = pm_bench_cpu_seconds () - t0;
      n_active = exported->len;
    }
  printf ("alerts: update of %u segments + %u sites: %.3f ms; export of %u alerts: %.3f ms\n",
          n_seg, n_sites, pm_bench_median (times, RUNS) * 1e3, n_active,
          pm_bench_median (export_times, RUNS) * 1e3);
}

int
main (int   argc,
      char *argv[])
{
  guint64 n_sites = 1000, n_segments = 5000;
  g_autoptr(PmTopology) topology = NULL;
  g_autofree double *bad_day = NULL, *storm = NULL, *zeros = NULL;
  double reference;

  if (argc == 3
      && (!g_ascii_string_to_unsigned (argv[1], 10, 2, 100000, &n_sites, NULL)
          || !g_ascii_string_to_unsigned (argv[2], 10, n_sites - 1, 1000000, &n_segments, NULL)))
    argc = 0;
  if (argc != 1 && argc != 3)
    {
      fprintf (stderr, "usage: %s [SITES SEGMENTS] (SEGMENTS ≥ SITES − 1)\n", argv[0]);
      return 2;
    }

  topology = geometric_topology ((guint) n_sites, (guint) n_segments);
  bad_day = scenario_risks (topology, BAD_DAY);
  storm = scenario_risks (topology, STORM);
  zeros = scenario_risks (topology, ZEROS);
  reference = time_reference (topology);

  printf ("bench-risk: random geometric graph, %u sites, %u segments (seed %d), one core "
          "(thread CPU time), median of %d runs\n", (guint) n_sites, (guint) n_segments, SEED,
          RUNS);
  printf ("reference: one plain BFS from the origin, all segments up: %.1f µs\n",
          reference * 1e6);
  printf ("target: risk + isolation ≤ %.0f ms per tick\n\n", TARGET * 1e3);
  printf ("%-8s  %6s  %-5s %5s %5s  %7s  %6s  %6s  %6s  %5s\n", "risks", "worlds", "how",
          "core", "uncer", "ms", "÷ ref", "max SE", "max P", "≥1 %");
  bench_isolation (topology, "bad day", bad_day, 4096, reference);
  bench_isolation (topology, "bad day", bad_day, PM_ISOLATION_DEFAULT_SAMPLES, reference);
  bench_isolation (topology, "bad day", bad_day, 20480, reference);
  bench_isolation (topology, "storm", storm, 4096, reference);
  bench_isolation (topology, "storm", storm, PM_ISOLATION_DEFAULT_SAMPLES, reference);
  bench_isolation (topology, "storm", storm, 20480, reference);
  bench_isolation (topology, "zeros", zeros, PM_ISOLATION_DEFAULT_SAMPLES, reference);
  printf ("(core: nodes left to solve after merging and peeling; uncer: their uncertain segments;\n"
          " ÷ ref: time over worlds/64 plain BFS; ≥1 %%: sites with isolation ≥ 0.01)\n\n");
  bench_pairs (topology, storm);
  bench_alerts (topology, storm);
  return 0;
}
