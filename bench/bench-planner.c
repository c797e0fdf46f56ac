/* bench-planner.c: one mirroring planner pass on a synthetic 1,000-site / 1,000-resource network,
 * one core (thread CPU time), median of 20 runs, against the budget of 100 ms per pass.
 *
 * The network is a jittered 40 × 25 grid of sites over Europe, each joined to its right and lower
 * neighbours and, for a seeded random share of cells, to its lower-right one (about 2,500
 * segments of 100 Mbit/s or 1 Gbit/s); 30 % of the sites are edges, the one in the middle is the
 * origin, the rest core. The grid is cut into 20 regions of 5 × 4 blocks. 1,000 resources:
 * origins among 8 edges of the origin's region, sizes log-uniform 1 MiB … 10 GiB, demand from
 * 1 … 6 random regions; 3 % of the (resource, edge) pairs hold a usable replica and 0.5 % one
 * underway; half the sites have a measured throughput, the others use the widest path.
 *
 * Two scenarios. A bad day: the segments around two regions (10 % of the sites) are at risk
 * 0.5 … 0.9 with etas 10 min … 2 h ahead, their sites isolated at 0.6 … 0.9; 20 more sites
 * elsewhere are at risk without a cut (unidentified); the other segments have log-uniform
 * background risks 1e-5 … 0.05, 2 % unknown. The worst case: the same with every region but the
 * origin's cut off, 19 sides and 95 % of the sites at risk. There is no reference run: the
 * budget is the yardstick, and "÷ budget" the share of it a pass uses. The figures are printed,
 * never judged.
 *
 * Usage: bench-planner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mirror/pm-planner.h"
#include "pm-bench-time.h"

#define SEED        20240612
#define RUNS        20
#define BUDGET      0.100  /* s per planner pass */
#define COLS        40
#define ROWS        25
#define N_SITES     (COLS * ROWS)
#define N_SEGMENTS  2500  /* at most */
#define N_RESOURCES 1000
#define REGION_COLS 5
#define REGION_ROWS 4
#define N_REGIONS   (REGION_COLS * REGION_ROWS)
#define NOW         1717200000

#define ORIGIN      ((ROWS / 2) * COLS + COLS / 2)

static const guint cut_regions[] = { 6, 13 };
/* The worst case: every region but the origin's cut off. */
static gboolean cut_everything;

static guint
region_of (guint site)
{
  guint row = site / COLS, col = site % COLS;

  return (row * REGION_ROWS / ROWS) * REGION_COLS + col * REGION_COLS / COLS;
}

static gboolean
in_cut_region (guint site)
{
  if (cut_everything)
    return region_of (site) != region_of (ORIGIN);
  for (guint i = 0; i < G_N_ELEMENTS (cut_regions); i++)
    if (region_of (site) == cut_regions[i])
      return TRUE;
  return FALSE;
}

static PmTopology *
grid_topology (GRand *rand)
{
  g_autoptr(GString) json = g_string_new ("{\"type\": \"FeatureCollection\", \"name\": \"planner\","
                                          " \"features\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint origin = ORIGIN, made = 0;
  PmTopology *topology;

  for (guint s = 0; s < N_SITES; s++)
    {
      double lon = -10 + 40.0 * (s % COLS + g_rand_double_range (rand, -0.3, 0.3)) / COLS;
      double lat = 36 + 24.0 * (s / COLS + g_rand_double_range (rand, -0.3, 0.3)) / ROWS;
      const char *role = s == origin ? "origin"
                         : g_rand_double (rand) < 0.3 ? "edge" : "core";

      g_string_append_printf (json,
                              "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
                              " \"coordinates\": [%.5f, %.5f]}, \"properties\": {\"id\":"
                              " \"s%u\", \"role\": \"%s\", \"region\": \"r%u\"}}",
                              s == 0 ? "" : ",", lon, lat, s, role, region_of (s));
    }

  /* Right and lower neighbours first (1,935 segments), then lower-right ones at random. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint s = 0; s < N_SITES && made < N_SEGMENTS; s++)
      {
        guint row = s / COLS, col = s % COLS;
        guint ends[3] = { col + 1 < COLS ? s + 1 : G_MAXUINT,
                          row + 1 < ROWS ? s + COLS : G_MAXUINT,
                          col + 1 < COLS && row + 1 < ROWS ? s + COLS + 1 : G_MAXUINT };

        for (guint k = pass == 0 ? 0 : 2; k < (pass == 0 ? 2u : 3u) && made < N_SEGMENTS; k++)
          {
            if (ends[k] == G_MAXUINT || (pass == 1 && g_rand_double (rand) >= 0.6))  /* ≈ 560 */
              continue;
            g_string_append_printf (json,
                                    ",{\"type\": \"Feature\", \"geometry\": {\"type\":"
                                    " \"LineString\", \"coordinates\": [[0, 0], [1, 1]]},"
                                    " \"properties\": {\"id\": \"l%u\", \"a\": \"s%u\","
                                    " \"b\": \"s%u\", \"bandwidth_bps\": %.0f}}",
                                    made, s, ends[k],
                                    g_rand_boolean (rand) ? 1e9 : 1e8);
            made++;
          }
      }
  g_string_append (json, "]}");
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  topology = pm_topology_new_from_bytes (bytes, "planner grid", &error);
  g_assert_no_error (error);
  return topology;
}

static PmResources *
random_resources (PmTopology *topology,
                  GRand      *rand,
                  const guint *origins)
{
  g_autoptr(GString) json = g_string_new ("{\"resources\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  PmResources *resources;

  for (guint r = 0; r < N_RESOURCES; r++)
    {
      guint n_demand = g_rand_int_range (rand, 1, 7);
      double size = pow (2, g_rand_double_range (rand, 20, 33.2));

      g_string_append_printf (json,
                              "%s{\"id\": \"res-%u\", \"size_bytes\": %.0f, \"criticality\": %d,"
                              " \"consistency\": \"eventual\", \"origin\": \"%s\", \"demand\": {",
                              r == 0 ? "" : ",", r, size, g_rand_int_range (rand, 1, 6),
                              pm_topology_get_site (topology, origins[r % 8])->id);
      for (guint d = 0; d < n_demand; d++)
        /* A region drawn twice counts once (JSON object members are unique). */
        g_string_append_printf (json, "%s\"r%u\": %.0f", d == 0 ? "" : ", ",
                                (guint) g_rand_int_range (rand, 0, N_REGIONS),
                                g_rand_double_range (rand, 1, 5000));
      g_string_append (json, "}}");
    }
  g_string_append (json, "]}");
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  resources = pm_resources_new_from_bytes (bytes, "planner resources", topology, &error);
  g_assert_no_error (error);
  return resources;
}

typedef struct
{
  PmTopology    *topology;
  PmResources   *resources;
  guint          n_segments;
  double        *risk;
  gint64        *eta;
  double        *isolation;
  guint8        *replicas;
  guint64       *free_bytes;
  double        *throughput;
} World;

/* Risks and isolation of a bad day around the cut regions: see the top of the file. */
static void
set_bad_day (World *w,
             GRand *rand)
{
  for (guint s = 0; s < N_SITES; s++)
      w->isolation[s] = in_cut_region (s) ? g_rand_double_range (rand, 0.6, 0.9)
                        : g_rand_double_range (rand, 0, 0.05);
  for (guint i = 0; i < 20; i++)
    {
      guint s = g_rand_int_range (rand, 0, N_SITES);

      if (!in_cut_region (s))
        w->isolation[s] = 0.35;
    }
  for (guint e = 0; e < w->n_segments; e++)
    {
      const PmSegment *segment = pm_topology_get_segment (w->topology, e);

      w->eta[e] = 0;
      if (in_cut_region (segment->a) != in_cut_region (segment->b)
          || (in_cut_region (segment->a) && region_of (segment->a) != region_of (segment->b)))
        {
          w->risk[e] = g_rand_double_range (rand, 0.5, 0.9);
          w->eta[e] = NOW + g_rand_int_range (rand, 600, 7200);
        }
      else
        w->risk[e] = g_rand_double (rand) < 0.02 ? NAN
                     : pow (10, g_rand_double_range (rand, -5, log10 (0.05)));
    }
}

static void
time_passes (const char  *scenario,
             const World *w)
{
  PmPlannerInput input = {
    .topology = w->topology, .resources = w->resources, .now_s = NOW, .risk = w->risk,
    .eta_s = w->eta, .isolation = w->isolation, .events = NULL, .replicas = w->replicas,
    .free_bytes = w->free_bytes, .throughput_bps = w->throughput,
  };
  g_auto(PmPlannerStats) stats = { 0 };
  double times[RUNS], first_s, median_s;
  guint n_mirrors = 0, n_late = 0;

  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr(GPtrArray) mirrors = NULL;
      double start = pm_bench_cpu_seconds ();

      pm_planner_stats_clear (&stats);
      mirrors = pm_planner_plan (&input, NULL, &stats);
      times[run] = pm_bench_cpu_seconds () - start;
      n_mirrors = mirrors->len;
      n_late = 0;
      for (guint i = 0; i < mirrors->len; i++)
        n_late += ((PmPlannedMirror *) g_ptr_array_index (mirrors, i))->late;
    }
  first_s = times[0];
  median_s = pm_bench_median (times, RUNS);

  printf ("%s:\n", scenario);
  printf ("  cut: %u failing segments, %u pieces, %u at-risk sites in %u cut-off pieces, "
          "%u unidentified\n", stats.n_failing_segments, stats.n_components,
          stats.n_at_risk_sites, stats.n_at_risk_components, stats.n_unidentified);
  printf ("  losses: %u (piece, resource) pairs with demand, %u underway, %u without a "
          "candidate; %u proposals, %u late\n", stats.n_lost, stats.n_underway,
          stats.n_no_candidate, n_mirrors, n_late);
  printf ("  planner pass: median %.2f ms (min %.2f, max %.2f, first %.2f); "
          "÷ budget = %.3f\n", median_s * 1e3, times[0] * 1e3, times[RUNS - 1] * 1e3,
          first_s * 1e3, median_s / BUDGET);
}

int
main (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(PmTopology) topology = grid_topology (rand);
  g_autoptr(PmResources) resources = NULL;
  guint n_segments = pm_topology_get_n_segments (topology);
  g_autofree double *risk = g_new (double, n_segments);
  g_autofree gint64 *eta = g_new0 (gint64, n_segments);
  g_autofree double *isolation = g_new (double, N_SITES);
  g_autofree guint8 *replicas = g_new0 (guint8, (gsize) N_RESOURCES * N_SITES);
  g_autofree guint64 *free_bytes = g_new (guint64, N_SITES);
  g_autofree double *throughput = g_new0 (double, N_SITES);
  guint origins[8], n_origins = 0, n_edges = 0;
  World world;

  for (guint s = 0; s < N_SITES; s++)
    {
      const PmSite *site = pm_topology_get_site (topology, s);

      n_edges += site->role == PM_SITE_ROLE_EDGE;
      /* In the origin's region, which no scenario cuts off. */
      if (site->role == PM_SITE_ROLE_EDGE && region_of (s) == region_of (ORIGIN) && n_origins < 8)
        origins[n_origins++] = s;
      free_bytes[s] = site->role == PM_SITE_ROLE_CORE
                      ? 0 : (guint64) pow (2, g_rand_double_range (rand, 30, 41));
      throughput[s] = g_rand_boolean (rand) ? 0 : g_rand_double_range (rand, 1e6, 1e8);
    }
  g_assert (n_origins == 8);

  resources = random_resources (topology, rand, origins);
  for (guint r = 0; r < N_RESOURCES; r++)
    for (guint s = 0; s < N_SITES; s++)
      if (pm_topology_get_site (topology, s)->role == PM_SITE_ROLE_EDGE)
        {
          double x = g_rand_double (rand);

          replicas[(gsize) r * N_SITES + s] = x < 0.03 ? PM_PLANNER_REPLICA_USABLE
                                              : x < 0.035 ? PM_PLANNER_REPLICA_UNDERWAY
                                              : PM_PLANNER_REPLICA_NONE;
        }

  world = (World) { topology, resources, n_segments, risk, eta, isolation, replicas, free_bytes,
                    throughput };
  printf ("bench-planner: %u sites (%u edges), %u segments, %u regions, %u resources (seed %d);"
          " one core (thread CPU time), median of %d runs; budget %.0f ms per pass\n\n",
          N_SITES, n_edges, n_segments, N_REGIONS, N_RESOURCES, SEED, RUNS, BUDGET * 1e3);
  set_bad_day (&world, rand);
  time_passes ("bad day (two regions cut off)", &world);
  cut_everything = TRUE;
  set_bad_day (&world, rand);
  time_passes ("worst case (every region but the origin's cut off)", &world);
  return 0;
}
