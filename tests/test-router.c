/* test-router.c: the routing decision core on a small network: the lowest latency wins, a
 * replica behind a segment predicted to fail is avoided and chosen again after recovery,
 * hysteresis against flapping, no candidate, unknown latency, reasons that name the segment.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "route/pm-router.h"
#include "pm-resources.h"
#include "pm-test-route-network.h"
#include "pm-test-util.h"

#define NOW 1717200000  /* 2024-06-01 00:00 UTC */

typedef struct
{
  PmTopology     *topology;
  PmResources    *resources;
  double          latency[N_SEGMENTS];
  double          risk[N_SEGMENTS];
  gint64          eta[N_SEGMENTS];
  guint8          down[N_SEGMENTS];
  guint8          usable[N_RESOURCES * N_SITES];
  double          pair[N_SITES][N_SITES];
  PmRouter       *router;
  PmRouteDecision decision;
} Fixture;

static double
pair_risk (guint    client,
           guint    candidate,
           gpointer user_data)
{
  Fixture *f = user_data;

  return f->pair[client][candidate];
}

static void
set_pair (Fixture *f,
          guint    a,
          guint    b,
          double   p)
{
  f->pair[a][b] = p;
  f->pair[b][a] = p;
}

/* Quiet by default: known latencies, almost no risk, crl usable at ams and par. */
static void
fixture_set_up (Fixture *f)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (RESOURCES);
  g_autoptr(GError) error = NULL;
  static const double latency[N_SEGMENTS] = { 10, 8, 3, 9, 2 };

  memset (f, 0, sizeof *f);
  f->topology = pm_test_topology_from_json (NETWORK, "router.geojson");
  g_assert_cmpuint (pm_topology_get_n_sites (f->topology), ==, N_SITES);
  g_assert_cmpuint (pm_topology_get_n_segments (f->topology), ==, N_SEGMENTS);
  f->resources = pm_resources_new_from_bytes (bytes, "resources.json", f->topology, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_resources_get_n_resources (f->resources), ==, N_RESOURCES);
  for (guint e = 0; e < N_SEGMENTS; e++)
    {
      f->latency[e] = latency[e];
      f->risk[e] = 0.001;
    }
  for (guint a = 0; a < N_SITES; a++)
    for (guint b = 0; b < N_SITES; b++)
      f->pair[a][b] = a == b ? 0.0 : 0.001;
  f->usable[CRL * N_SITES + AMS] = 1;
  f->usable[CRL * N_SITES + PAR] = 1;
  f->router = pm_router_new (NULL);
  pm_route_decision_init (&f->decision);
}

static void
fixture_tear_down (Fixture *f)
{
  pm_route_decision_clear (&f->decision);
  g_clear_pointer (&f->router, pm_router_free);
  g_clear_object (&f->resources);
  g_clear_object (&f->topology);
}

static void
refresh (Fixture *f)
{
  PmRouterInput input = {
    .topology = f->topology,
    .resources = f->resources,
    .now_s = NOW,
    .latency_ms = f->latency,
    .risk = f->risk,
    .eta_s = f->eta,
    .down = f->down,
    .usable = f->usable,
    .pair_risk = pair_risk,
    .pair_risk_data = f,
  };

  pm_router_refresh (f->router, &input);
}

static const char *
reason (Fixture *f,
        guint    i)
{
  GPtrArray *reasons = pm_route_decision_get_reasons (&f->decision);

  g_assert_cmpuint (i, <, reasons->len);
  return g_ptr_array_index (reasons, i);
}

static const PmRouteAlternative *
alternative (Fixture *f,
             guint    i)
{
  g_assert_cmpuint (i, <, f->decision.alternatives->len);
  return &g_array_index (f->decision.alternatives, PmRouteAlternative, i);
}

static void
test_lowest_latency (void)
{
  Fixture f;

  fixture_set_up (&f);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);
  g_assert_cmpfloat_with_epsilon (f.decision.latency_ms, 3.0, 1e-6);
  /* The chosen first, then by latency: ams 10, fra 12 via par. */
  g_assert_cmpuint (f.decision.alternatives->len, ==, 3);
  g_assert_cmpuint (alternative (&f, 0)->site, ==, PAR);
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_CHOSEN);
  g_assert_cmpuint (alternative (&f, 1)->site, ==, AMS);
  g_assert_cmpfloat_with_epsilon (alternative (&f, 1)->latency_ms, 10.0, 1e-6);
  g_assert_cmpuint (alternative (&f, 2)->site, ==, FRA);
  g_assert_cmpfloat_with_epsilon (alternative (&f, 2)->latency_ms, 12.0, 1e-6);
  g_assert_false (alternative (&f, 2)->excluded);
  g_assert_cmpstr (reason (&f, 0), ==, "par chosen: 3.0 ms from lon, the lowest of 3 eligible");
  g_assert_cmpstr (reason (&f, 1), ==, "ams eligible: 10.0 ms from lon");

  /* From Amsterdam its own replica, at no distance. */
  g_assert_true (pm_router_decide (f.router, AMS, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);
  g_assert_cmpfloat (f.decision.latency_ms, ==, 0.0);
  fixture_tear_down (&f);
}

static void
test_predicted_cut (void)
{
  Fixture f;

  fixture_set_up (&f);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);

  /* lon--par predicted to fail at 14:05: par is avoided although it is the closest. */
  f.risk[LON_PAR] = 0.7;
  f.eta[LON_PAR] = NOW + 14 * 3600 + 5 * 60;
  set_pair (&f, LON, PAR, 0.82);
  set_pair (&f, BRI, PAR, 0.85);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);
  g_assert_cmpuint (alternative (&f, 0)->site, ==, AMS);
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_CHOSEN);
  g_assert_cmpuint (alternative (&f, 2)->site, ==, PAR);
  g_assert_true (alternative (&f, 2)->excluded);
  g_assert_cmpint (alternative (&f, 2)->verdict, ==, PM_ROUTE_CUT_OFF);
  g_assert_cmpstr (reason (&f, 2), ==,
                   "par excluded: cut off from lon with p = 0.82 "
                   "(segment lon--par predicted to fail at 14:05 UTC)");
  /* Named with the reasons, lazily: the path walk is kept off the hot path. */
  g_assert_cmpint (alternative (&f, 2)->segment, ==, LON_PAR);
  g_assert_cmpfloat (alternative (&f, 2)->segment_risk, ==, 0.7);

  /* From Bristol the path is bri--lon, lon--par: the reason names the riskier one. */
  g_assert_true (pm_router_decide (f.router, BRI, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);
  g_assert_cmpstr (reason (&f, 2), ==,
                   "par excluded: cut off from bri with p = 0.85 "
                   "(segment lon--par predicted to fail at 14:05 UTC)");

  /* Reasons asked for after a refresh cannot trust the paths any more: the segment is left out. */
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  refresh (&f);
  g_assert_cmpstr (reason (&f, 2), ==, "par excluded: cut off from lon with p = 0.82");

  /* Recovered: par is better by 7 ms, more than the margin, and wins again. */
  f.risk[LON_PAR] = 0.001;
  f.eta[LON_PAR] = 0;
  set_pair (&f, LON, PAR, 0.001);
  set_pair (&f, BRI, PAR, 0.001);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_CHOSEN);
  fixture_tear_down (&f);
}

static void
test_hysteresis (void)
{
  Fixture f;

  fixture_set_up (&f);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);

  /* ams becomes 2 ms better: below the margin, par stays. */
  f.latency[LON_AMS] = 1;
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_KEPT);
  g_assert_cmpstr (reason (&f, 0), ==,
                   "par kept: 3.0 ms from lon; no other is faster by 5.0 ms or more");
  /* The memory is per region: Bristol, also in uk, is kept on par too. */
  g_assert_true (pm_router_decide (f.router, BRI, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);

  /* ams now 6 ms better: over the margin, it switches. */
  f.latency[LON_PAR] = 7;
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);

  /* par becomes a little better again: no flap back. */
  f.latency[LON_PAR] = 0.5;
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);

  /* ams ineligible: the switch is forced whatever the margin. */
  f.latency[LON_PAR] = 3;
  set_pair (&f, LON, AMS, 0.9);
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, PAR);
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_CHOSEN);

  /* Forgetting the history lets the best win outright. */
  set_pair (&f, LON, AMS, 0.001);
  f.latency[LON_AMS] = 1;
  refresh (&f);
  pm_router_reset_history (f.router);
  g_assert_true (pm_router_decide (f.router, LON, CRL, &f.decision));
  g_assert_cmpint (f.decision.site, ==, AMS);
  fixture_tear_down (&f);
}

static void
test_no_candidate (void)
{
  Fixture f;

  fixture_set_up (&f);
  f.risk[BRI_LON] = 0.9;
  set_pair (&f, LON, BRI, 0.95);
  refresh (&f);
  g_assert_false (pm_router_decide (f.router, LON, AT_BRI, &f.decision));
  g_assert_cmpint (f.decision.site, ==, -1);
  g_assert_true (isnan (f.decision.latency_ms));
  g_assert_cmpuint (f.decision.alternatives->len, ==, 1);
  g_assert_cmpstr (reason (&f, 0), ==,
                   "no eligible replica of at-bri for lon: its only candidate is excluded");
  g_assert_cmpstr (reason (&f, 1), ==,
                   "bri excluded: cut off from lon with p = 0.95 (segment bri--lon at risk 0.90)");

  /* Down: no path at all. */
  f.risk[BRI_LON] = 0.001;
  set_pair (&f, LON, BRI, 0.001);
  f.down[BRI_LON] = 1;
  refresh (&f);
  g_assert_false (pm_router_decide (f.router, LON, AT_BRI, &f.decision));
  g_assert_cmpint (alternative (&f, 0)->verdict, ==, PM_ROUTE_UNREACHABLE);
  g_assert_cmpstr (reason (&f, 1), ==,
                   "bri excluded: no path from lon without segments that are down");

  /* Certain to fail counts as down too. */
  f.down[BRI_LON] = 0;
  f.risk[BRI_LON] = 1.0;
  refresh (&f);
  g_assert_false (pm_router_decide (f.router, LON, AT_BRI, &f.decision));

  /* Back up: served again. */
  f.risk[BRI_LON] = 0.001;
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, AT_BRI, &f.decision));
  g_assert_cmpint (f.decision.site, ==, BRI);
  fixture_tear_down (&f);
}

static void
test_unknown_latency (void)
{
  Fixture f;
  double baseline;

  fixture_set_up (&f);
  baseline = pm_segment_baseline_rtt_ms (pm_topology_get_segment (f.topology, BRI_LON));
  g_assert_cmpfloat (baseline, >, 0.5);
  f.latency[BRI_LON] = NAN;
  refresh (&f);
  g_assert_true (pm_router_decide (f.router, LON, AT_BRI, &f.decision));
  g_assert_cmpfloat_with_epsilon (f.decision.latency_ms, baseline, 1e-3);

  /* No latencies at all: every segment at its baseline. */
  {
    PmRouterInput input = {
      .topology = f.topology,
      .resources = f.resources,
      .now_s = NOW,
      .usable = f.usable,
    };
    double via_par = 0;

    via_par += pm_segment_baseline_rtt_ms (pm_topology_get_segment (f.topology, BRI_LON));
    via_par += pm_segment_baseline_rtt_ms (pm_topology_get_segment (f.topology, LON_PAR));
    pm_router_refresh (f.router, &input);
    g_assert_true (pm_router_decide (f.router, BRI, CRL, &f.decision));
    g_assert_cmpint (f.decision.site, ==, PAR);
    g_assert_cmpfloat_with_epsilon (f.decision.latency_ms, via_par, 1e-3);
    /* Without predictions nothing is excluded. */
    g_assert_true (isnan (alternative (&f, 0)->p_cut));
  }
  fixture_tear_down (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/router/lowest-latency", test_lowest_latency);
  g_test_add_func ("/router/predicted-cut", test_predicted_cut);
  g_test_add_func ("/router/hysteresis", test_hysteresis);
  g_test_add_func ("/router/no-candidate", test_no_candidate);
  g_test_add_func ("/router/unknown-latency", test_unknown_latency);
  return g_test_run ();
}
