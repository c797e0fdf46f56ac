/* test-routing-what-if.c: where a client would be sent if the predicted partitions happen. On
 * the shared small network: the what-if answer differs from the current one when a predicted
 * failure moves the best path, gives no route when every candidate is behind the predicted cut
 * and says which segments cut each lost candidate; what counts as predicted (risk, expected
 * time within the horizon, down now); looks that leave the hysteresis and the counters alone;
 * locations mapped to the nearest site; what-ifs on another thread while the tables are
 * swapped; and GET /v1/route?…&assume=predicted with its validation, through real requests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "pm-resources.h"
#include "pm-test-route-network.h"
#include "pm-test-util.h"
#include "route/pm-api-route.h"
#include "route/pm-client-locator.h"
#include "route/pm-routing.h"

#define NOW PM_TEST_ROUTE_NOW
#define ETA (NOW + 14 * 3600 + 5 * 60)  /* 14:05 UTC the same day */

typedef PmTestRouteFixture Fixture;

static void
update (Fixture *f)
{
  pm_routing_update (f->routing, f->snapshot, f->usable);
}

static void
predict (Fixture *f,
         guint    segment,
         double   risk,
         gint64   eta_s)
{
  f->snapshot->segments[segment].risk = risk;
  f->snapshot->segments[segment].eta_s = eta_s;
}

static const PmRouteCandidate *
candidate (const PmRouteAnswer *answer,
           guint                site)
{
  for (guint i = 0; i < answer->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (answer->candidates, PmRouteCandidate, i);
      if (c->site == site)
        return c;
    }
  g_error ("site %u is no candidate", site);
}

/* The reason that starts with prefix, or fails the test listing them all. */
static const char *
reason_starting (const PmRouteAnswer *answer,
                 const char          *prefix)
{
  for (guint i = 0; i < answer->reasons->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (answer->reasons, i), prefix))
      return g_ptr_array_index (answer->reasons, i);
  for (guint i = 0; i < answer->reasons->len; i++)
    g_test_message ("reason: %s", (const char *) g_ptr_array_index (answer->reasons, i));
  g_error ("no reason starts with “%s”", prefix);
}

static gboolean
assumed (const PmRouteAnswer *answer,
         guint                segment)
{
  for (guint i = 0; i < answer->assumptions->len; i++)
    if (g_array_index (answer->assumptions, PmRouteAssumption, i).segment == segment)
      return TRUE;
  return FALSE;
}

static void
test_not_ready (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  g_assert_null (pm_routing_route_assuming_predicted (f.routing, LON, CRL));
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route_assuming_predicted (f.routing, LON, CRL);

    g_assert_nonnull (answer);
    g_assert_true (answer->assumed_predicted);
    g_assert_cmpint (answer->site, ==, PAR);
    g_assert_cmpint (answer->table_time_s, ==, NOW);
    g_assert_cmpuint (answer->assumptions->len, ==, 0);
    reason_starting (answer, "no segment is down or predicted to fail within 30 min");
  }
  pm_test_route_fixture_tear_down (&f);
}

/* London–Paris is predicted to fail (0.6), but Paris stays reachable the long way round, so
 * today nobody is cut off and Paris serves London at 3 ms. If the failure happens, Paris is 27
 * ms away (lon–ams–fra–par) and Amsterdam, at 10 ms, is where London goes. */
static void
test_differs_from_now (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  predict (&f, LON_PAR, 0.6, ETA);
  update (&f);
  {
    g_autoptr(PmRouteAnswer) now = pm_routing_route (f.routing, LON, CRL);
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON, CRL);

    g_assert_false (now->assumed_predicted);
    g_assert_null (now->assumptions);
    g_assert_cmpint (now->site, ==, PAR);
    g_assert_cmpfloat (now->latency_ms, ==, 3.0);

    g_assert_cmpint (what_if->site, ==, AMS);
    g_assert_cmpfloat (what_if->latency_ms, ==, 10.0);
    g_assert_cmpuint (what_if->candidates->len, ==, 3);
    /* Chosen first, then the rest by latency: ams 10, fra 18, par 27. */
    g_assert_cmpuint (g_array_index (what_if->candidates, PmRouteCandidate, 0).site, ==, AMS);
    g_assert_cmpint (g_array_index (what_if->candidates, PmRouteCandidate, 0).verdict, ==,
                     PM_ROUTE_CHOSEN);
    g_assert_cmpuint (g_array_index (what_if->candidates, PmRouteCandidate, 1).site, ==, FRA);
    g_assert_cmpuint (g_array_index (what_if->candidates, PmRouteCandidate, 2).site, ==, PAR);
    g_assert_cmpfloat (candidate (what_if, PAR)->latency_ms, ==, 27.0);
    g_assert_cmpint (candidate (what_if, PAR)->verdict, ==, PM_ROUTE_SLOWER);
    g_assert_false (candidate (what_if, PAR)->excluded);
    /* The present chance of being cut apart rides along, small. */
    g_assert_cmpfloat (candidate (what_if, PAR)->p_cut, <, 0.05);

    g_assert_cmpuint (what_if->assumptions->len, ==, 1);
    g_assert_true (assumed (what_if, LON_PAR));
    g_assert_cmpstr (reason_starting (what_if, "ams chosen"), ==,
                     "ams chosen: 10.0 ms from lon, the lowest of 3 still reachable");
    reason_starting (what_if, "par still reachable: 27.0 ms from lon");
    g_assert_cmpstr (reason_starting (what_if, "treated as down"), ==,
                     "treated as down: lon–par (p = 0.60, 14:05 UTC), within 30 min");
  }
  pm_test_route_fixture_tear_down (&f);
}

/* Both of London's links to the continent are predicted to fail (0.6 each: cut apart with p =
 * 0.36, below the exclusion threshold, so today Paris serves). If they fail, every replica of crl
 * is on the far side: no route, and each lost candidate names the cut. Bristol's own resource
 * stays reachable from London. */
static void
test_no_route_behind_cut (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  predict (&f, LON_PAR, 0.6, ETA);
  predict (&f, LON_AMS, 0.7, 0);
  update (&f);
  {
    g_autoptr(PmRouteAnswer) now = pm_routing_route (f.routing, LON, CRL);
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON, CRL);

    g_assert_cmpint (now->site, ==, PAR);
    g_assert_cmpint (what_if->site, ==, -1);
    g_assert_true (isnan (what_if->latency_ms));
    g_assert_cmpuint (what_if->candidates->len, ==, 3);
    for (guint i = 0; i < what_if->candidates->len; i++)
      {
        const PmRouteCandidate *c = &g_array_index (what_if->candidates, PmRouteCandidate, i);

        g_assert_true (c->excluded);
        g_assert_cmpint (c->verdict, ==, PM_ROUTE_UNREACHABLE);
        g_assert_true (isinf (c->latency_ms));
      }
    /* The summary comes first, as in every answer without a route. */
    g_assert_cmpstr (g_ptr_array_index (what_if->reasons, 0), ==,
                     "no replica of crl reachable from lon if the predicted partitions happen: "
                     "all 3 candidates are cut off");
    /* Riskiest first. */
    g_assert_cmpstr (reason_starting (what_if, "par unreachable"), ==,
                     "par unreachable if lon–ams (p = 0.70) and lon–par (p = 0.60, 14:05 UTC) "
                     "fail");
    reason_starting (what_if, "fra unreachable if lon–ams");
    g_assert_cmpuint (what_if->assumptions->len, ==, 2);
    g_assert_cmpuint (g_array_index (what_if->assumptions, PmRouteAssumption, 0).segment, ==,
                      LON_AMS);
  }
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON,
                                                                            AT_BRI);

    g_assert_cmpint (what_if->site, ==, BRI);
    g_assert_cmpfloat (what_if->latency_ms, ==, 2.0);
  }
  /* Paris's own clients keep Paris. */
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, PAR, CRL);

    g_assert_cmpint (what_if->site, ==, PAR);
    g_assert_cmpfloat (what_if->latency_ms, ==, 0.0);
  }
  pm_test_route_fixture_tear_down (&f);
}

/* A site behind a single predicted failure is explained by that one link, the smaller cut. */
static void
test_single_link_cut (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  predict (&f, BRI_LON, 0.81, ETA);
  update (&f);
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, AMS,
                                                                            AT_BRI);

    g_assert_cmpint (what_if->site, ==, -1);
    g_assert_cmpstr (g_ptr_array_index (what_if->reasons, 0), ==,
                     "no replica of at-bri reachable from ams if the predicted partitions "
                     "happen: its only candidate is cut off");
    g_assert_cmpstr (reason_starting (what_if, "bri unreachable"), ==,
                     "bri unreachable if bri–lon fails (p = 0.81, 14:05 UTC)");
  }
  pm_test_route_fixture_tear_down (&f);
}

/* What counts as predicted: a risk at the threshold; an expected failure within the horizon even
 * at a lower risk; not one beyond it; a segment down now (said so); nothing while the predictor
 * still learns, except what is down. */
static void
test_what_counts (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  predict (&f, LON_AMS, 0.5, 0);
  predict (&f, LON_PAR, 0.3, NOW + 600);
  predict (&f, PAR_FRA, 0.3, NOW + 3600);
  predict (&f, AMS_FRA, 0.49, 0);
  f.snapshot->segments[BRI_LON].health = 1.0;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON, CRL);
    const PmRouteAssumption *first;

    g_assert_cmpuint (what_if->assumptions->len, ==, 3);
    g_assert_true (assumed (what_if, LON_AMS));
    g_assert_true (assumed (what_if, LON_PAR));
    g_assert_true (assumed (what_if, BRI_LON));
    g_assert_false (assumed (what_if, PAR_FRA));
    g_assert_false (assumed (what_if, AMS_FRA));
    /* Down now comes first. */
    first = &g_array_index (what_if->assumptions, PmRouteAssumption, 0);
    g_assert_cmpuint (first->segment, ==, BRI_LON);
    g_assert_true (first->down_now);
    g_assert_cmpfloat (first->risk, ==, 1.0);
    g_assert_cmpint (what_if->site, ==, -1);
  }
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON,
                                                                            AT_BRI);

    g_assert_cmpint (what_if->site, ==, -1);
    g_assert_cmpstr (reason_starting (what_if, "bri unreachable"), ==,
                     "bri unreachable: no path from lon without segments that are down: "
                     "bri–lon (down now)");
  }

  f.snapshot->predicting = FALSE;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON, CRL);

    g_assert_cmpuint (what_if->assumptions->len, ==, 1);
    g_assert_true (assumed (what_if, BRI_LON));
    g_assert_cmpint (what_if->site, ==, PAR);
    reason_starting (what_if, "no risk is known yet");
  }
  pm_test_route_fixture_tear_down (&f);
}

/* A look (and a what-if) neither records the region's choice nor counts as a decision. Frankfurt
 * is best at first and is looked at; then Amsterdam becomes 1 ms better than Frankfurt: a client
 * goes to Amsterdam, which it would not if the look had been taken for Frankfurt's choice. */
static void
test_peek_leaves_history (void)
{
  Fixture f;
  PmRoutingStats stats;

  pm_test_route_fixture_set_up (&f);
  f.usable[CRL * N_SITES + PAR] = 0;
  f.snapshot->segments[LON_PAR].sample.latency_ms = 1;  /* lon: fra 10 via par */
  f.snapshot->segments[LON_AMS].sample.latency_ms = 20; /* ams 18 via par and fra */
  update (&f);
  {
    g_autoptr(PmRouteAnswer) look = pm_routing_route_full (f.routing, LON, CRL,
                                                           PM_ROUTE_FLAG_PEEK);
    g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (f.routing, LON, CRL);

    g_assert_cmpint (look->site, ==, FRA);
    g_assert_cmpint (what_if->site, ==, FRA);
  }
  pm_routing_get_stats (f.routing, &stats);
  for (guint i = 0; i < PM_ROUTE_N_OUTCOMES; i++)
    g_assert_cmpuint (stats.decisions[i], ==, 0);

  f.snapshot->segments[LON_AMS].sample.latency_ms = 9;  /* ams 9, fra 10 */
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);

    g_assert_cmpint (answer->site, ==, AMS);
    g_assert_cmpint (g_array_index (answer->candidates, PmRouteCandidate, 0).verdict, ==,
                     PM_ROUTE_CHOSEN);
  }
  pm_routing_get_stats (f.routing, &stats);
  g_assert_cmpuint (stats.decisions[PM_ROUTE_OUTCOME_CHOSEN], ==, 1);
  pm_test_route_fixture_tear_down (&f);
}

/* Locations map to the nearest site, including ones far out at sea. */
static void
test_nearest_site (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  g_assert_cmpint (pm_routing_nearest_site (f.routing, 52.3, 4.8), ==, AMS);
  g_assert_cmpint (pm_routing_nearest_site (f.routing, 48.86, 2.35), ==, PAR);
  /* The middle of the North Atlantic: Bristol is the westernmost. */
  g_assert_cmpint (pm_routing_nearest_site (f.routing, 45.0, -30.0), ==, BRI);
  /* The Indian Ocean, the other side of the world. */
  g_assert_cmpint (pm_routing_nearest_site (f.routing, -30.0, 80.0), >=, 0);
  pm_test_route_fixture_tear_down (&f);
}

typedef struct
{
  PmRouting *routing;
  gint       stop;
  guint      n_answers;
} Hammer;

static gpointer
hammer_thread (gpointer data)
{
  Hammer *hammer = data;

  while (!g_atomic_int_get (&hammer->stop))
    {
      g_autoptr(PmRouteAnswer) answer = pm_routing_route_assuming_predicted (
        hammer->routing, hammer->n_answers % N_SITES, CRL);

      g_assert_nonnull (answer);
      g_assert_true (answer->site == -1 || answer->site == AMS || answer->site == PAR ||
                     answer->site == FRA);
      g_assert_cmpuint (answer->reasons->len, >, answer->candidates->len);
      hammer->n_answers++;
    }
  return NULL;
}

/* What-ifs keep being answered from consistent inputs while the engine swaps the tables. */
static void
test_concurrent (void)
{
  Fixture f;
  Hammer hammer = { 0 };
  GThread *thread;

  pm_test_route_fixture_set_up (&f);
  update (&f);
  hammer.routing = f.routing;
  thread = g_thread_new ("hammer", hammer_thread, &hammer);
  for (guint i = 0; i < 200; i++)
    {
      predict (&f, LON_PAR, i % 2 ? 0.9 : 0.001, i % 2 ? ETA : 0);
      predict (&f, LON_AMS, i % 3 ? 0.9 : 0.001, 0);
      update (&f);
    }
  g_atomic_int_set (&hammer.stop, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (hammer.n_answers, >, 0);
  pm_test_route_fixture_tear_down (&f);
}

/* HTTP ------------------------------------------------------------------------------------- */

typedef struct
{
  Fixture          base;
  PmClientLocator *locator;
  PmApiServer     *server;
  SoupSession     *session;
} HttpFixture;

static void
http_set_up (HttpFixture *h)
{
  g_autoptr(GError) error = NULL;

  pm_test_route_fixture_set_up (&h->base);
  h->locator = pm_client_locator_new (h->base.topology, NULL, &error);
  g_assert_no_error (error);
  h->server = pm_test_api_server_new (h->base.snapshot);
  pm_api_route_register (h->server, h->base.routing, h->locator);
  pm_api_server_start (h->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  h->session = pm_test_session_new ();
}

static void
http_tear_down (HttpFixture *h)
{
  g_clear_object (&h->session);
  pm_api_server_stop (h->server);
  g_assert_finalize_object (h->server);
  pm_client_locator_free (h->locator);
  pm_test_route_fixture_tear_down (&h->base);
}

static guint
get (HttpFixture *h,
     const char  *path_and_query,
     JsonNode   **reply)
{
  g_autofree char *url = g_strconcat (pm_api_server_get_url (h->server), path_and_query, NULL);

  return pm_test_http_request (h->session, "GET", url, NULL, NULL, reply);
}

static void
assert_error (HttpFixture *h,
              const char  *path_and_query,
              guint        status,
              const char  *code)
{
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *error;

  g_test_message ("%s", path_and_query);
  g_assert_cmpuint (get (h, path_and_query, &reply), ==, status);
  error = json_object_get_object_member (json_node_get_object (reply), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
}

static void
test_http_assume_predicted (void)
{
  HttpFixture h;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *root, *down;
  JsonArray *assumed_down, *reasons;

  http_set_up (&h);
  predict (&h.base, LON_PAR, 0.6, ETA);
  update (&h.base);

  /* Without assume: today's answer, and nothing about assumptions. */
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&lat=51.5&lon=-0.1", &reply), ==, 200);
  root = json_node_get_object (reply);
  g_assert_cmpstr (json_object_get_string_member (root, "site"), ==, "par");
  g_assert_false (json_object_has_member (root, "assume"));
  g_assert_false (json_object_has_member (root, "assumed_down"));
  g_clear_pointer (&reply, json_node_unref);

  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&lat=51.5&lon=-0.1&assume=predicted",
                         &reply), ==, 200);
  root = json_node_get_object (reply);
  g_assert_cmpstr (json_object_get_string_member (root, "assume"), ==, "predicted");
  g_assert_cmpstr (json_object_get_string_member (root, "site"), ==, "ams");
  g_assert_cmpfloat (json_object_get_double_member (root, "latency_ms"), ==, 10.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "client"),
                                                  "located_by"), ==, "location");
  assumed_down = json_object_get_array_member (root, "assumed_down");
  g_assert_cmpuint (json_array_get_length (assumed_down), ==, 1);
  down = json_array_get_object_element (assumed_down, 0);
  g_assert_cmpstr (json_object_get_string_member (down, "segment"), ==, "lon--par");
  g_assert_cmpstr (json_object_get_string_member (down, "a"), ==, "lon");
  g_assert_cmpstr (json_object_get_string_member (down, "b"), ==, "par");
  g_assert_cmpfloat (json_object_get_double_member (down, "risk"), ==, 0.6);
  g_assert_cmpint (json_object_get_int_member (down, "eta"), ==, ETA);
  g_assert_false (json_object_get_boolean_member (down, "down_now"));
  reasons = json_object_get_array_member (root, "reasons");
  g_assert_cmpstr (json_array_get_string_element (reasons, 0), ==,
                   "ams chosen: 10.0 ms from lon, the lowest of 3 still reachable");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "alternatives")),
                    ==, 3);
  g_clear_pointer (&reply, json_node_unref);

  /* Behind the cut: still a 200, with no site and the reasons. */
  predict (&h.base, LON_AMS, 0.7, 0);
  update (&h.base);
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&site=lon&assume=predicted", &reply), ==,
                    200);
  root = json_node_get_object (reply);
  g_assert_true (json_object_get_null_member (root, "site"));
  g_assert_true (json_object_get_null_member (root, "url"));
  g_assert_true (json_object_get_null_member (root, "latency_ms"));
  pm_test_assert_contains (json_array_get_string_element (json_object_get_array_member (root,
                                                                                       "reasons"),
                                                          0),
                           "all 3 candidates are cut off");
  g_clear_pointer (&reply, json_node_unref);

  /* Today's answer for the same client is unchanged, and the look left no trace in it. */
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&site=lon", &reply), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "site"), ==,
                   "par");
  http_tear_down (&h);
}

static void
test_http_assume_errors (void)
{
  HttpFixture h;

  http_set_up (&h);
  update (&h.base);
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=yes", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=Predicted", 400,
                "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=predicted%20", 400,
                "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=now", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&assumed=predicted", 400,
                "unknown_parameter");
  /* The other parameters are checked as without it. */
  assert_error (&h, "/v1/route?site=lon&assume=predicted", 400, "missing_parameter");
  assert_error (&h, "/v1/route?resource=crl&assume=predicted", 400, "invalid_client");
  assert_error (&h, "/v1/route?resource=crl&lat=91&lon=0&assume=predicted", 400,
                "invalid_parameter");
  /* The redirect sends real clients: it takes no what-if. */
  assert_error (&h, "/r/crl?assume=predicted", 400, "unknown_parameter");
  http_tear_down (&h);
}

static void
test_http_assume_not_ready (void)
{
  HttpFixture h;

  http_set_up (&h);
  assert_error (&h, "/v1/route?resource=crl&site=lon&assume=predicted", 503, "not_ready");
  http_tear_down (&h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/routing-what-if/not-ready", test_not_ready);
  g_test_add_func ("/routing-what-if/differs-from-now", test_differs_from_now);
  g_test_add_func ("/routing-what-if/no-route-behind-cut", test_no_route_behind_cut);
  g_test_add_func ("/routing-what-if/single-link-cut", test_single_link_cut);
  g_test_add_func ("/routing-what-if/what-counts", test_what_counts);
  g_test_add_func ("/routing-what-if/peek-leaves-history", test_peek_leaves_history);
  g_test_add_func ("/routing-what-if/nearest-site", test_nearest_site);
  g_test_add_func ("/routing-what-if/concurrent", test_concurrent);
  g_test_add_func ("/routing-what-if/http/assume-predicted", test_http_assume_predicted);
  g_test_add_func ("/routing-what-if/http/assume-errors", test_http_assume_errors);
  g_test_add_func ("/routing-what-if/http/assume-not-ready", test_http_assume_not_ready);
  return g_test_run ();
}
