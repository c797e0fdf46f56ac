/* test-routing.c: the routing service fed as the engine feeds it (snapshots with live latencies
 * and predicted risks, the catalogue's usable replicas), with the pair probabilities computed by
 * the isolation sampler; and its HTTP endpoints, GET /v1/route and GET /r/{resource}, through
 * real requests on loopback, every error path included.
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

typedef PmTestRouteFixture Fixture;

static void
update (Fixture *f)
{
  pm_routing_update (f->routing, f->snapshot, f->usable);
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

static gboolean
reasons_mention (const PmRouteAnswer *answer,
                 const char          *text)
{
  for (guint i = 0; i < answer->reasons->len; i++)
    if (strstr (g_ptr_array_index (answer->reasons, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_not_ready (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  g_assert_null (pm_routing_route (f.routing, LON, CRL));
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_nonnull (answer);
    g_assert_cmpint (answer->site, ==, PAR);
    g_assert_cmpint (answer->table_time_s, ==, NOW);
  }
  pm_test_route_fixture_tear_down (&f);
}

/* Paris is cut off from London when both its links fail (0.9 each: p ≈ 0.81, from the isolation
 * sampler, exact on so small a graph): Amsterdam serves; once the risk is gone Paris serves again,
 * being better than Amsterdam by more than the margin. */
static void
test_cut_and_recovery (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, PAR);
    g_assert_cmpfloat (candidate (answer, PAR)->p_cut, <, 0.01);
  }

  f.snapshot->segments[LON_PAR].risk = 0.9;
  f.snapshot->segments[LON_PAR].eta_s = NOW + 14 * 3600 + 5 * 60;
  f.snapshot->segments[PAR_FRA].risk = 0.9;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    const PmRouteCandidate *par = candidate (answer, PAR);

    g_assert_cmpint (answer->site, ==, AMS);
    g_assert_true (par->excluded);
    g_assert_cmpint (par->verdict, ==, PM_ROUTE_CUT_OFF);
    pm_test_assert_between ("p(lon, par cut apart)", par->p_cut, 0.80, 0.82);
    g_assert_true (reasons_mention (answer, "lon--par"));
    g_assert_true (reasons_mention (answer, "14:05"));
  }
  /* From Paris itself nothing is cut: its own replica. */
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, PAR, CRL);
    g_assert_cmpint (answer->site, ==, PAR);
  }

  f.snapshot->segments[LON_PAR].risk = 0.001;
  f.snapshot->segments[LON_PAR].eta_s = 0;
  f.snapshot->segments[PAR_FRA].risk = 0.001;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, PAR);
  }
  pm_test_route_fixture_tear_down (&f);
}

/* The hysteresis survives the tables being rebuilt: a small gain does not move the client. */
static void
test_hysteresis_across_updates (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  f.usable[CRL * N_SITES + PAR] = 0;
  f.snapshot->segments[AMS_FRA].sample.latency_ms = 1;  /* lon: ams 10, fra 11 */
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, AMS);
  }
  /* Frankfurt becomes 1 ms better than Amsterdam (fra 8 via par, ams 9 via par and fra): not
   * enough. */
  f.snapshot->segments[LON_PAR].sample.latency_ms = 4;
  f.snapshot->segments[PAR_FRA].sample.latency_ms = 4;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, AMS);
    g_assert_cmpint (g_array_index (answer->candidates, PmRouteCandidate, 0).verdict, ==,
                     PM_ROUTE_KEPT);
  }
  /* Bristol is in London's region: it gets the same kept choice. */
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, BRI, CRL);
    g_assert_cmpint (answer->site, ==, AMS);
  }
  /* 20 ms better (fra 8, ams 28): it moves. */
  f.snapshot->segments[LON_AMS].sample.latency_ms = 30;
  f.snapshot->segments[AMS_FRA].sample.latency_ms = 20;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, FRA);
  }
  pm_test_route_fixture_tear_down (&f);
}

/* While the predictor still learns, risks are unknown: nobody is excluded for them. */
static void
test_not_predicting (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  f.snapshot->predicting = FALSE;
  f.snapshot->segments[LON_PAR].risk = 0.9;
  f.snapshot->segments[PAR_FRA].risk = 0.9;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, PAR);
    g_assert_true (isnan (candidate (answer, PAR)->p_cut));
  }
  pm_test_route_fixture_tear_down (&f);
}

/* Segments down now carry nothing: Paris, behind two of them, is unreachable; a resource whose
 * only replica is unreachable has no route, and the counters say so. */
static void
test_down_and_no_route (void)
{
  Fixture f;
  PmRoutingStats stats;

  pm_test_route_fixture_set_up (&f);
  f.snapshot->segments[LON_PAR].health = 1.0;
  f.snapshot->segments[PAR_FRA].health = 1.0;
  f.snapshot->segments[BRI_LON].health = 1.0;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, AMS);
    g_assert_cmpint (candidate (answer, PAR)->verdict, ==, PM_ROUTE_UNREACHABLE);
  }
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, AT_BRI);
    g_assert_cmpint (answer->site, ==, -1);
    g_assert_true (isnan (answer->latency_ms));
    g_assert_cmpuint (answer->reasons->len, >=, 2);
    g_assert_true (reasons_mention (answer, "bri"));
  }
  pm_routing_get_stats (f.routing, &stats);
  g_assert_cmpuint (stats.decisions[PM_ROUTE_OUTCOME_CHOSEN], ==, 1);
  g_assert_cmpuint (stats.decisions[PM_ROUTE_OUTCOME_NO_ROUTE], ==, 1);
  g_assert_cmpuint (stats.decisions[PM_ROUTE_OUTCOME_KEPT], ==, 0);
  g_assert_cmpuint (stats.n_refreshes, ==, 1);
  g_assert_cmpint (stats.table_time_s, ==, NOW);
  g_assert_cmpfloat (stats.last_refresh_s, >=, 0.0);
  pm_test_route_fixture_tear_down (&f);
}

/* Only replicas the catalogue marks usable serve (a stale strong replica is not usable); the
 * origin always does. */
static void
test_usable_only (void)
{
  Fixture f;

  pm_test_route_fixture_set_up (&f);
  f.usable[CRL * N_SITES + PAR] = 0;
  f.usable[CRL * N_SITES + AMS] = 0;
  update (&f);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, LON, CRL);
    g_assert_cmpint (answer->site, ==, FRA);
    g_assert_cmpuint (answer->candidates->len, ==, 1);
  }
  pm_routing_update (f.routing, f.snapshot, NULL);
  {
    g_autoptr(PmRouteAnswer) answer = pm_routing_route (f.routing, AMS, CRL);
    g_assert_cmpint (answer->site, ==, FRA);
  }
  pm_test_route_fixture_tear_down (&f);
}

typedef struct
{
  PmRouting   *routing;
  gint         stop;
  guint        n_answers;
} Hammer;

static gpointer
hammer_thread (gpointer data)
{
  Hammer *hammer = data;

  while (!g_atomic_int_get (&hammer->stop))
    {
      g_autoptr(PmRouteAnswer) answer = pm_routing_route (hammer->routing,
                                                          hammer->n_answers % N_SITES, CRL);
      g_assert_nonnull (answer);
      g_assert_true (answer->site == AMS || answer->site == PAR || answer->site == FRA);
      g_assert_cmpuint (answer->reasons->len, >=, answer->candidates->len);
      hammer->n_answers++;
    }
  return NULL;
}

/* Requests keep being answered, from consistent tables, while the engine swaps them. */
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
      f.snapshot->segments[LON_PAR].risk = i % 2 ? 0.9 : 0.001;
      f.snapshot->segments[PAR_FRA].risk = i % 2 ? 0.9 : 0.001;
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
http_set_up (HttpFixture *h,
             gboolean     ready)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *map = pm_test_write_temp_file ("clients.txt",
                                                  "# test clients\n"
                                                  "192.0.2.0/24 par\n"
                                                  "198.51.100.0/24 ams\n"
                                                  "127.0.0.0/8 lon\n"
                                                  "2001:db8::/32 fra\n");

  pm_test_route_fixture_set_up (&h->base);
  if (ready)
    update (&h->base);
  h->locator = pm_client_locator_new (h->base.topology, map, &error);
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

/* GET base + path_and_query; returns the status, the parsed JSON answer in reply. */
static guint
get (HttpFixture *h,
     const char  *path_and_query,
     JsonNode   **reply)
{
  g_autofree char *url = g_strconcat (pm_api_server_get_url (h->server), path_and_query, NULL);

  return pm_test_http_request (h->session, "GET", url, NULL, NULL, reply);
}

static const char *
member_string (JsonNode   *root,
               const char *path)
{
  g_auto(GStrv) names = g_strsplit (path, ".", -1);
  JsonObject *object = json_node_get_object (root);

  for (guint i = 0; names[i + 1] != NULL; i++)
    object = json_object_get_object_member (object, names[i]);
  return json_object_get_string_member (object, names[g_strv_length (names) - 1]);
}

static void
assert_error (HttpFixture *h,
              const char  *path_and_query,
              guint        status,
              const char  *code)
{
  g_autoptr(JsonNode) reply = NULL;

  g_test_message ("%s", path_and_query);
  g_assert_cmpuint (get (h, path_and_query, &reply), ==, status);
  g_assert_cmpstr (member_string (reply, "error.code"), ==, code);
  g_assert_cmpuint (strlen (member_string (reply, "error.message")), >, 0);
}

static void
test_http_route (void)
{
  HttpFixture h;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *expected_url = NULL;
  JsonArray *alternatives;

  http_set_up (&h, TRUE);
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&site=lon", &reply), ==, 200);
  g_assert_cmpstr (member_string (reply, "site"), ==, "par");
  g_assert_cmpstr (member_string (reply, "client.site"), ==, "lon");
  g_assert_cmpstr (member_string (reply, "client.located_by"), ==, "site");
  expected_url = g_strconcat (pm_api_server_get_url (h.server), "/edges/par/crl", NULL);
  g_assert_cmpstr (member_string (reply, "url"), ==, expected_url);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (reply), "latency_ms"),
                     ==, 3.0);
  alternatives = json_object_get_array_member (json_node_get_object (reply), "alternatives");
  g_assert_cmpuint (json_array_get_length (alternatives), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (alternatives, 0),
                                                  "verdict"), ==, "chosen");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (reply), "reasons")), >=, 3);
  g_clear_pointer (&reply, json_node_unref);

  /* A location near Amsterdam: Amsterdam's own replica. */
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&lat=52.3&lon=4.8", &reply), ==, 200);
  g_assert_cmpstr (member_string (reply, "client.site"), ==, "ams");
  g_assert_cmpstr (member_string (reply, "client.located_by"), ==, "location");
  g_assert_cmpstr (member_string (reply, "site"), ==, "ams");
  g_clear_pointer (&reply, json_node_unref);

  /* An address in Paris's prefix. */
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&client=192.0.2.77", &reply), ==, 200);
  g_assert_cmpstr (member_string (reply, "client.site"), ==, "par");
  g_assert_cmpstr (member_string (reply, "client.located_by"), ==, "address");
  g_assert_cmpstr (member_string (reply, "site"), ==, "par");
  g_clear_pointer (&reply, json_node_unref);

  /* IPv6, then an address in no prefix: routed as from the origin. */
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&client=2001:db8:5::1", &reply), ==, 200);
  g_assert_cmpstr (member_string (reply, "client.site"), ==, "fra");
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (get (&h, "/v1/route?resource=crl&client=203.0.113.9", &reply), ==, 200);
  g_assert_cmpstr (member_string (reply, "client.site"), ==, "fra");
  g_assert_cmpstr (member_string (reply, "client.located_by"), ==, "default");
  g_assert_cmpstr (member_string (reply, "site"), ==, "fra");
  http_tear_down (&h);
}

static void
test_http_errors (void)
{
  HttpFixture h;

  http_set_up (&h, TRUE);
  assert_error (&h, "/v1/route?site=lon", 400, "missing_parameter");
  assert_error (&h, "/v1/route?resource=nope&site=lon", 404, "unknown_resource");
  assert_error (&h, "/v1/route?resource=crl", 400, "invalid_client");
  assert_error (&h, "/v1/route?resource=crl&site=lon&client=192.0.2.1", 400, "invalid_client");
  assert_error (&h, "/v1/route?resource=crl&site=lon&lat=1&lon=2", 400, "invalid_client");
  assert_error (&h, "/v1/route?resource=crl&site=nowhere", 404, "unknown_site");
  assert_error (&h, "/v1/route?resource=crl&lat=91&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=-90.0001&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=0&lon=180.5", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=nan&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=1e400&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=12abc&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=%2012&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=&lon=0", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&lat=10", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&client=300.1.1.1", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&client=192.0.2.0%2F24", 400, "invalid_parameter");
  assert_error (&h, "/v1/route?resource=crl&site=lon&debug=1", 400, "unknown_parameter");
  assert_error (&h, "/r/nope", 404, "unknown_resource");
  assert_error (&h, "/r/crl?site=lon", 400, "unknown_parameter");
  http_tear_down (&h);
}

static void
test_http_not_ready (void)
{
  HttpFixture h;

  http_set_up (&h, FALSE);
  assert_error (&h, "/v1/route?resource=crl&site=lon", 503, "not_ready");
  assert_error (&h, "/r/crl", 503, "not_ready");
  http_tear_down (&h);
}

/* /r/ without following the redirect: status, Location. */
static guint
get_redirect (HttpFixture *h,
              const char  *path,
              const char  *host,
              char       **location)
{
  g_autofree char *url = g_strconcat (pm_api_server_get_url (h->server), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  if (host != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "Host", host);
  body = soup_session_send_and_read (h->session, message, NULL, &error);
  g_assert_no_error (error);
  *location = g_strdup (soup_message_headers_get_one (
    soup_message_get_response_headers (message), "Location"));
  return soup_message_get_status (message);
}

static void
test_http_redirect (void)
{
  HttpFixture h;
  g_autofree char *location = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(JsonNode) reply = NULL;

  http_set_up (&h, TRUE);
  /* The test's requests come from 127.0.0.1, which the client map puts in London. */
  g_assert_cmpuint (get_redirect (&h, "/r/crl", NULL, &location), ==, 307);
  expected = g_strconcat (pm_api_server_get_url (h.server), "/edges/par/crl", NULL);
  g_assert_cmpstr (location, ==, expected);
  g_clear_pointer (&location, g_free);

  /* The Host the client used is the base of the URL; one that is not a host is not. */
  g_assert_cmpuint (get_redirect (&h, "/r/crl", "cdn.example.net:8470", &location), ==, 307);
  g_assert_cmpstr (location, ==, "http://cdn.example.net:8470/edges/par/crl");
  g_clear_pointer (&location, g_free);
  g_assert_cmpuint (get_redirect (&h, "/r/crl", "bad_host!", &location), ==, 307);
  g_assert_cmpstr (location, ==, expected);
  g_clear_pointer (&location, g_free);

  /* No route: 503 with the reasons. */
  h.base.snapshot->segments[BRI_LON].health = 1.0;
  update (&h.base);
  g_assert_cmpuint (get (&h, "/r/at-bri", &reply), ==, 503);
  g_assert_cmpstr (member_string (reply, "error.code"), ==, "no_route");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (reply), "reasons")), >=, 2);
  http_tear_down (&h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/routing/not-ready", test_not_ready);
  g_test_add_func ("/routing/cut-and-recovery", test_cut_and_recovery);
  g_test_add_func ("/routing/hysteresis-across-updates", test_hysteresis_across_updates);
  g_test_add_func ("/routing/not-predicting", test_not_predicting);
  g_test_add_func ("/routing/down-and-no-route", test_down_and_no_route);
  g_test_add_func ("/routing/usable-only", test_usable_only);
  g_test_add_func ("/routing/concurrent", test_concurrent);
  g_test_add_func ("/routing/http/route", test_http_route);
  g_test_add_func ("/routing/http/errors", test_http_errors);
  g_test_add_func ("/routing/http/not-ready", test_http_not_ready);
  g_test_add_func ("/routing/http/redirect", test_http_redirect);
  return g_test_run ();
}
