/* bench-router.c: the routing layer's two budgets, one core (thread CPU time), medians of runs.
 *
 * 1. A decision, against the budget of 1 µs: 10,000 sites (a jittered 100 × 100 mesh over
 *    Europe, 20,000 segments), 1,000 resources, each at one of 20 origins with usable replicas at
 *    5 of 200 replica-holding edges. Latencies are measured on 98 % of the segments (1 … 20 ms),
 *    the rest fall back to distance; 2 % of the pairs are cut off (P above the threshold). Each
 *    run answers 200,000 random (client, resource) requests with pm_router_decide — the
 *    lookups every request does — and, as the reference, the same requests answered by the
 *    routing service (pm_routing_route: the lock, the copy of the candidates and the reasons
 *    in words, as the HTTP API gets them).
 * 2. A table refresh, against the budget of 50 ms: 1,000 sites (40 × 25) and 5,000 segments,
 *    50 serving sites, background risks log-uniform 1e-5 … 0.05 and two regions at risk
 *    0.5 … 0.9. Reported: the shortest-path tables alone (pm_router_refresh) and the whole
 *    update of the routing service (tables and the pair probabilities from the isolation
 *    sampler).
 *
 * The figures are printed, never judged: "÷ budget" is the share of the budget used.
 *
 * Usage: bench-router
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>

#include "pm-bench-grid.h"
#include "pm-bench-time.h"
#include "route/pm-router.h"
#include "route/pm-routing.h"

#define SEED            20261126
#define NOW             1717200000
#define DECISION_BUDGET 1e-6
#define REFRESH_BUDGET  0.050
#define N_REQUESTS      200000

static PmResources *
random_resources (PmTopology  *topology,
                  GRand       *rand,
                  guint        n_resources,
                  const guint *origins,
                  guint        n_origins)
{
  g_autoptr(GString) json = g_string_new ("{\"resources\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  PmResources *resources;

  for (guint r = 0; r < n_resources; r++)
    g_string_append_printf (json,
                            "%s{\"id\": \"r%u\", \"size_bytes\": 1048576, \"criticality\": 3,"
                            " \"consistency\": \"eventual\", \"origin\": \"%s\"}",
                            r == 0 ? "" : ",", r,
                            pm_topology_get_site (topology,
                                                  origins[g_rand_int_range (rand, 0,
                                                                            n_origins)])->id);
  g_string_append (json, "]}");
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  resources = pm_resources_new_from_bytes (bytes, "bench resources", topology, &error);
  g_assert_no_error (error);
  return resources;
}

/* n_holders random distinct sites. */
static guint *
random_sites (GRand *rand,
              guint  n_sites,
              guint  n)
{
  guint *sites = g_new (guint, n);

  for (guint i = 0; i < n; i++)
    {
      gboolean fresh;

      do
        {
          sites[i] = g_rand_int_range (rand, 0, n_sites);
          fresh = TRUE;
          for (guint j = 0; j < i && fresh; j++)
            fresh = sites[j] != sites[i];
        }
      while (!fresh);
    }
  return sites;
}

static guint8 *
random_usable (GRand       *rand,
               guint        n_resources,
               guint        n_sites,
               const guint *holders,
               guint        n_holders,
               guint        per_resource)
{
  guint8 *usable = g_new0 (guint8, (gsize) n_resources * n_sites);

  for (guint r = 0; r < n_resources; r++)
    for (guint k = 0; k < per_resource; k++)
      usable[(gsize) r * n_sites + holders[g_rand_int_range (rand, 0, n_holders)]] = 1;
  return usable;
}

typedef struct
{
  guint   n_sites;
  guint8 *cut;  /* n_sites × n_sites bits would do; a byte per pair of the holders is enough */
  int    *holder_index;
} PairTable;

static double
pair_risk_cb (guint    client,
              guint    candidate,
              gpointer user_data)
{
  const PairTable *table = user_data;
  int k = table->holder_index[candidate];

  if (k < 0)
    return 0.0;
  return table->cut[(gsize) k * table->n_sites + client] ? 0.8 : 0.01;
}

static void
bench_decision (void)
{
  const guint cols = 100, rows = 100, n_segments = 20000, n_resources = 1000;
  const guint n_origins = 20, n_holders = 200, runs = 7;
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);
  g_autoptr(PmTopology) topology = pm_bench_mesh_topology (cols, rows, n_segments, rand);
  guint n_sites = pm_topology_get_n_sites (topology);
  g_autofree guint *origins = random_sites (rand, n_sites, n_origins);
  g_autofree guint *holders = random_sites (rand, n_sites, n_holders);
  g_autoptr(PmResources) resources = random_resources (topology, rand, n_resources, origins,
                                                       n_origins);
  g_autofree guint8 *usable = random_usable (rand, n_resources, n_sites, holders, n_holders, 5);
  g_autofree double *latency = g_new (double, n_segments);
  g_autofree guint *clients = g_new (guint, N_REQUESTS);
  g_autofree guint *wanted = g_new (guint, N_REQUESTS);
  double core[16], service[16], refresh_s;
  PairTable table = { n_sites, NULL, NULL };
  PmRouterInput input = { 0 };
  PmRouteDecision decision;
  g_autoptr(PmRouter) router = pm_router_new (NULL);
  g_autoptr(PmRouting) routing = pm_routing_new (topology, resources, NULL);
  g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);
  guint n_chosen = 0;

  for (guint e = 0; e < n_segments; e++)
    latency[e] = g_rand_double (rand) < 0.98 ? g_rand_double_range (rand, 1, 20) : NAN;
  table.holder_index = g_new (int, n_sites);
  for (guint s = 0; s < n_sites; s++)
    table.holder_index[s] = -1;
  for (guint k = 0; k < n_holders; k++)
    table.holder_index[holders[k]] = (int) k;
  table.cut = g_new (guint8, (gsize) n_holders * n_sites);
  for (gsize i = 0; i < (gsize) n_holders * n_sites; i++)
    table.cut[i] = g_rand_double (rand) < 0.02;
  for (guint i = 0; i < N_REQUESTS; i++)
    {
      clients[i] = g_rand_int_range (rand, 0, n_sites);
      wanted[i] = g_rand_int_range (rand, 0, n_resources);
    }

  input.topology = topology;
  input.resources = resources;
  input.now_s = NOW;
  input.latency_ms = latency;
  input.usable = usable;
  input.pair_risk = pair_risk_cb;
  input.pair_risk_data = &table;
  refresh_s = pm_bench_cpu_seconds ();
  pm_router_refresh (router, &input);
  refresh_s = pm_bench_cpu_seconds () - refresh_s;

  pm_route_decision_init (&decision);
  for (guint run = 0; run < runs; run++)
    {
      double t = pm_bench_cpu_seconds ();

      for (guint i = 0; i < N_REQUESTS; i++)
        n_chosen += pm_router_decide (router, clients[i], wanted[i], &decision);
      core[run] = (pm_bench_cpu_seconds () - t) / N_REQUESTS;
    }
  pm_route_decision_clear (&decision);

  /* The service, fed as the engine feeds it: no risk, so its update is the tables alone. */
  snapshot->time_s = NOW;
  snapshot->predicting = TRUE;
  for (guint e = 0; e < n_segments; e++)
    {
      snapshot->segments[e].sample.latency_ms = (float) latency[e];
      snapshot->segments[e].risk = 0.0;
    }
  pm_routing_update (routing, snapshot, usable);
  for (guint run = 0; run < runs; run++)
    {
      double t = pm_bench_cpu_seconds ();

      for (guint i = 0; i < N_REQUESTS / 10; i++)
        pm_route_answer_free (pm_routing_route (routing, clients[i], wanted[i]));
      service[run] = (pm_bench_cpu_seconds () - t) / (N_REQUESTS / 10);
    }

  printf ("decision: %u sites, %u segments, %u resources, %u serving sites, %u requests per run,"
          " median of %u runs (%u of %u chosen)\n",
          n_sites, n_segments, n_resources, n_origins + n_holders, N_REQUESTS, runs,
          n_chosen / runs, N_REQUESTS);
  printf ("  tables for it (pm_router_refresh):  %8.1f ms\n", refresh_s * 1e3);
  printf ("  pm_router_decide (lookups):         %8.3f µs   %.2f ÷ budget (1 µs)\n",
          pm_bench_median (core, runs) * 1e6, pm_bench_median (core, runs) / DECISION_BUDGET);
  printf ("  pm_routing_route (answer + reasons, reference): %8.3f µs   %.1f × the lookups\n",
          pm_bench_median (service, runs) * 1e6,
          pm_bench_median (service, runs) / pm_bench_median (core, runs));
  g_free (table.cut);
  g_free (table.holder_index);
}

static void
bench_refresh (void)
{
  const guint cols = 40, rows = 25, n_segments = 5000, n_resources = 1000, runs = 10;
  const guint n_origins = 10, n_holders = 40;
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + 1);
  g_autoptr(PmTopology) topology = pm_bench_mesh_topology (cols, rows, n_segments, rand);
  guint n_sites = pm_topology_get_n_sites (topology);
  g_autofree guint *origins = random_sites (rand, n_sites, n_origins);
  g_autofree guint *holders = random_sites (rand, n_sites, n_holders);
  g_autoptr(PmResources) resources = random_resources (topology, rand, n_resources, origins,
                                                       n_origins);
  g_autofree guint8 *usable = random_usable (rand, n_resources, n_sites, holders, n_holders, 5);
  g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (topology);
  g_autoptr(PmRouting) routing = pm_routing_new (topology, resources, NULL);
  g_autofree double *latency = g_new (double, n_segments);
  g_autofree double *risk = g_new (double, n_segments);
  double tables[16], update[16];
  guint n_serving = 0, n_at_risk = 0;

  snapshot->time_s = NOW;
  snapshot->predicting = TRUE;
  for (guint e = 0; e < n_segments; e++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, e);
      const PmSite *a = pm_topology_get_site (topology, segment->a);
      gboolean at_risk = g_str_equal (a->region, "r1-1") || g_str_equal (a->region, "r0-3");

      latency[e] = g_rand_double_range (rand, 1, 20);
      risk[e] = at_risk ? g_rand_double_range (rand, 0.5, 0.9)
                        : exp (g_rand_double_range (rand, log (1e-5), log (0.05)));
      n_at_risk += at_risk;
      snapshot->segments[e].sample.latency_ms = (float) latency[e];
      snapshot->segments[e].risk = risk[e];
      snapshot->segments[e].eta_s = at_risk ? NOW + 1800 : 0;
    }
  for (guint s = 0; s < n_sites; s++)
    for (guint r = 0; r < n_resources; r++)
      if (usable[(gsize) r * n_sites + s])
        {
          n_serving++;
          break;
        }

  for (guint run = 0; run < runs; run++)
    {
      g_autoptr(PmRouter) router = pm_router_new (NULL);
      PmRouterInput input = { .topology = topology, .resources = resources, .now_s = NOW,
                              .latency_ms = latency, .risk = risk, .usable = usable };
      double t = pm_bench_cpu_seconds ();

      pm_router_refresh (router, &input);
      tables[run] = pm_bench_cpu_seconds () - t;
      t = pm_bench_cpu_seconds ();
      pm_routing_update (routing, snapshot, usable);
      update[run] = pm_bench_cpu_seconds () - t;
    }

  printf ("refresh: %u sites, %u segments (%u at risk 0.5 … 0.9), %u resources, ≈ %u serving "
          "sites, median of %u runs\n",
          n_sites, n_segments, n_at_risk, n_resources, n_serving + n_origins, runs);
  printf ("  shortest-path tables (pm_router_refresh):           %7.2f ms   %.2f ÷ budget (50 ms)\n",
          pm_bench_median (tables, runs) * 1e3, pm_bench_median (tables, runs) / REFRESH_BUDGET);
  printf ("  whole update, with the pair probabilities:          %7.2f ms   %.2f ÷ budget (50 ms)\n",
          pm_bench_median (update, runs) * 1e3, pm_bench_median (update, runs) / REFRESH_BUDGET);
}

int
main (void)
{
  bench_refresh ();
  bench_decision ();
  return 0;
}
