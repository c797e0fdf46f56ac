/* test-api.c: the HTTP API server, through real HTTP requests on loopback: address parsing,
 * the read endpoints (shapes, "now", NaN as null), errors (404, 405 with Allow), handlers added by
 * other modules, an address in use, IPv6, stop and restart, and requests served from several
 * threads while the engine publishes new snapshots. Needs no display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>

#include "pm-demo.h"
#include "pm-engine.h"
#include "pm-test-util.h"
#include "route/pm-api-json.h"
#include "route/pm-api-server.h"

#define SNAPSHOT_TIME 1767571200

typedef struct
{
  PmEngine    *engine;
  PmApiServer *server;
  SoupSession *session;
} Fixture;

typedef struct
{
  guint   status;
  char   *content_type;
  char   *allow;
  GBytes *body;
  JsonNode *root;
} Response;

static void
response_clear (Response *response)
{
  g_free (response->content_type);
  g_free (response->allow);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->root, json_node_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

static PmSnapshot *
dup_engine_snapshot_cb (gpointer data)
{
  return pm_engine_dup_snapshot (data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = "sim:?seed=7",
                              .start_paused = TRUE };

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);

  fixture->server = pm_api_server_new (dup_engine_snapshot_cb, g_object_ref (fixture->engine),
                                       g_object_unref);
  pm_api_server_start (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  fixture->session = pm_test_session_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_assert_finalize_object (fixture->server);
  g_assert_finalize_object (fixture->engine);
}

/* What a generator that lets NaN through writes: a bare word where a value starts. */
static void
assert_no_bare_nan (const char *json)
{
  static const char *const words[] = { "nan", "-nan", "NaN", "inf", "-inf", "Infinity",
                                       "-Infinity" };
  static const char starts[] = ":,[";

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    for (guint j = 0; starts[j] != '\0'; j++)
      {
        g_autofree char *needle = g_strdup_printf ("%c%s", starts[j], words[i]);
        if (strstr (json, needle) != NULL)
          g_error ("“%s” in %s", needle, json);
      }
}

/* Sends one request and reads the whole answer; a JSON body is parsed into root. Also checks
 * what every answer of the API must satisfy: a JSON object, never a NaN or an infinity. */
static void
request (SoupSession *session,
         const char  *method,
         const char  *base_url,
         const char  *path,
         Response    *response)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeaders *headers;
  const char *data;
  gsize length;

  g_assert_nonnull (message);
  response->body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (message);
  headers = soup_message_get_response_headers (message);
  response->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  response->allow = g_strdup (soup_message_headers_get_one (headers, "Allow"));

  data = g_bytes_get_data (response->body, &length);
  if (length == 0)
    return;
  g_assert_cmpstr (response->content_type, ==, "application/json");
  text = g_strndup (data, length);
  assert_no_bare_nan (text);
  response->root = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response->root));
}

static JsonObject *
get_ok (Fixture    *fixture,
        const char *path,
        Response   *response)
{
  request (fixture->session, "GET", pm_api_server_get_url (fixture->server), path, response);
  g_assert_cmpuint (response->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (response->root);
  return json_node_get_object (response->root);
}

static gboolean
member_is_null (JsonObject *object,
                const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  return JSON_NODE_HOLDS_NULL (json_object_get_member (object, name));
}

/* A number within [min, max], or null (unknown). */
static void
assert_number_or_null (JsonObject *object,
                       const char *name,
                       double      min,
                       double      max)
{
  JsonNode *node;
  double value;

  if (member_is_null (object, name))
    return;
  node = json_object_get_member (object, name);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_DOUBLE
                 || json_node_get_value_type (node) == G_TYPE_INT64);
  value = json_node_get_double (node);
  g_assert_cmpfloat (value, >=, min);
  g_assert_cmpfloat (value, <=, max);
}

static void
assert_time_or_null (JsonObject *object,
                     const char *name)
{
  if (member_is_null (object, name))
    return;
  g_assert_true (json_node_get_value_type (json_object_get_member (object, name)) == G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, name), >, 0);
}

static void
assert_string_or_null (JsonObject *object,
                       const char *name)
{
  if (member_is_null (object, name))
    return;
  g_assert_nonnull (json_object_get_string_member (object, name));
}

static void
assert_error (Response   *response,
              guint       status,
              const char *code,
              const char *message_part)
{
  JsonObject *error;

  g_assert_cmpuint (response->status, ==, status);
  g_assert_nonnull (response->root);
  g_assert_true (json_object_has_member (json_node_get_object (response->root), "now"));
  error = json_object_get_object_member (json_node_get_object (response->root), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), message_part));
}

static void
assert_factors (JsonObject *object)
{
  JsonArray *factors = json_object_get_array_member (object, "factors");

  g_assert_nonnull (factors);
  g_assert_cmpuint (json_array_get_length (factors), <=, PM_MAX_FACTORS);
  for (guint i = 0; i < json_array_get_length (factors); i++)
    {
      JsonObject *factor = json_array_get_object_element (factors, i);

      g_assert_nonnull (json_object_get_string_member (factor, "name"));
      assert_number_or_null (factor, "weight", -1e6, 1e6);
      g_assert_nonnull (json_object_get_string_member (factor, "text"));
    }
}

static void
test_api_address_parse (void)
{
  static const struct
  {
    const char *text;
    const char *host;  /* NULL: refused */
    guint16     port;
    const char *message_part;
  } cases[] = {
    { "127.0.0.1:8470", "127.0.0.1", 8470, NULL },
    { "0.0.0.0:0", "0.0.0.0", 0, NULL },
    { "[::1]:8470", "::1", 8470, NULL },
    { "[::]:65535", "::", 65535, NULL },
    { "127.0.0.1:99999", NULL, 0, "0 to 65535" },
    { "127.0.0.1:-1", NULL, 0, "0 to 65535" },
    { "127.0.0.1:+80", NULL, 0, "0 to 65535" },
    { "127.0.0.1:80x", NULL, 0, "0 to 65535" },
    { "127.0.0.1:", NULL, 0, "0 to 65535" },
    { "127.0.0.1", NULL, 0, "ADDR:PORT" },
    { "", NULL, 0, "ADDR:PORT" },
    { ":8470", NULL, 0, "numeric IP address" },
    { "localhost:8470", NULL, 0, "“localhost” is not a numeric IP address" },
    { "256.1.1.1:80", NULL, 0, "numeric IP address" },
    { "::1:8470", NULL, 0, "brackets" },
    { "[::1]", NULL, 0, "[::1]:8470" },
    { "[::1:8470", NULL, 0, "[::1]:8470" },
    { "[127.0.0.1]:80", NULL, 0, "not a numeric IPv6 address" },
    { "[::1]:", NULL, 0, "0 to 65535" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetSocketAddress) address = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok = pm_api_address_parse (cases[i].text, &address, &error);

      if (cases[i].host != NULL)
        {
          g_autofree char *host = NULL;

          g_assert_no_error (error);
          g_assert_true (ok);
          host = g_inet_address_to_string (g_inet_socket_address_get_address (address));
          g_assert_cmpstr (host, ==, cases[i].host);
          g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, cases[i].port);
        }
      else
        {
          g_autofree char *prefix = g_strdup_printf ("--api %s: ", cases[i].text);

          g_assert_false (ok);
          g_assert_null (address);
          g_assert_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS);
          if (!g_str_has_prefix (error->message, prefix)
              || strstr (error->message, cases[i].message_part) == NULL)
            g_error ("“%s”: unexpected message “%s”", cases[i].text, error->message);
        }
    }

  {
    g_autoptr(GInetSocketAddress) address = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (pm_api_address_parse ("none", &address, &error));
    g_assert_no_error (error);
    g_assert_null (address);
  }
}

static void
test_api_health (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PmSnapshot) snapshot = pm_engine_dup_snapshot (fixture->engine);
  g_auto(Response) response = { 0 };
  JsonObject *health = get_ok (fixture, "/v1/health", &response);
  JsonObject *source;

  g_assert_true (g_str_has_prefix (pm_api_server_get_url (fixture->server), "http://127.0.0.1:"));
  g_assert_cmpuint (pm_api_server_get_port (fixture->server), >, 0);

  g_assert_cmpint (json_object_get_int_member (health, "now"), ==, snapshot->time_s);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (health, "catalog"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (health, "dns_zone"), ==, "premirror.test.");
  source = json_object_get_object_member (health, "source");
  g_assert_nonnull (source);
  g_assert_cmpstr (json_object_get_string_member (source, "state"), ==, "connected");
  g_assert_nonnull (strstr (json_object_get_string_member (source, "description"), "seed 7"));
  g_assert_true (member_is_null (source, "error"));
}

static void
test_api_head (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(Response) response = { 0 };

  request (fixture->session, "HEAD", pm_api_server_get_url (fixture->server), "/v1/health",
           &response);
  g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (response.content_type, ==, "application/json");
  g_assert_cmpuint (g_bytes_get_size (response.body), ==, 0);
}

static void
test_api_topology (Fixture       *fixture,
                   gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  g_autoptr(PmSnapshot) snapshot = pm_engine_dup_snapshot (fixture->engine);
  g_auto(Response) response = { 0 };
  JsonObject *root = get_ok (fixture, "/v1/topology", &response);
  JsonArray *sites = json_object_get_array_member (root, "sites");
  JsonArray *segments = json_object_get_array_member (root, "segments");
  static const char *const states[] = { "good", "degraded", "down", "no_data", NULL };
  guint n_with_latency = 0;

  g_assert_cmpint (json_object_get_int_member (root, "now"), ==, snapshot->time_s);
  g_assert_cmpuint (json_array_get_length (sites), ==, pm_topology_get_n_sites (topology));
  g_assert_cmpuint (json_array_get_length (segments), ==, pm_topology_get_n_segments (topology));

  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);
      const PmSite *expected = pm_topology_get_site (topology, i);

      g_assert_cmpstr (json_object_get_string_member (site, "id"), ==, expected->id);
      g_assert_cmpstr (json_object_get_string_member (site, "name"), ==, expected->name);
      g_assert_cmpstr (json_object_get_string_member (site, "role"), ==,
                       pm_site_role_to_string (expected->role));
      g_assert_cmpstr (json_object_get_string_member (site, "region"), ==, expected->region);
      g_assert_cmpfloat (json_object_get_double_member (site, "lat"), ==, expected->location.lat);
      g_assert_cmpfloat (json_object_get_double_member (site, "lon"), ==, expected->location.lon);
      assert_string_or_null (site, "address");
      assert_string_or_null (site, "address6");
      assert_number_or_null (site, "isolation", 0, 1);
    }

  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);
      const PmSegment *expected = pm_topology_get_segment (topology, i);
      const PmSegmentState *state = &snapshot->segments[i];

      g_assert_cmpstr (json_object_get_string_member (segment, "id"), ==, expected->id);
      g_assert_cmpstr (json_object_get_string_member (segment, "a"), ==,
                       pm_topology_get_site (topology, expected->a)->id);
      g_assert_cmpstr (json_object_get_string_member (segment, "b"), ==,
                       pm_topology_get_site (topology, expected->b)->id);
      assert_string_or_null (segment, "circuit_id");
      assert_number_or_null (segment, "length_km", 0, 40075);
      assert_number_or_null (segment, "bandwidth_bps", 1, 1e15);
      assert_time_or_null (segment, "sample_time");
      assert_number_or_null (segment, "latency_ms", 0, 1e6);
      assert_number_or_null (segment, "jitter_ms", 0, 1e6);
      assert_number_or_null (segment, "loss_ratio", 0, 1);
      assert_number_or_null (segment, "health", 0, 1);
      assert_number_or_null (segment, "risk", 0, 1);
      g_assert_true (g_strv_contains (states, json_object_get_string_member (segment, "state")));

      /* The same numbers as the snapshot, NaN as null, floats without widening noise. */
      g_assert_cmpint (isnan (state->sample.latency_ms), ==,
                       member_is_null (segment, "latency_ms"));
      g_assert_cmpint (isnan (state->risk), ==, member_is_null (segment, "risk"));
      if (!isnan (state->sample.latency_ms))
        {
          double latency = json_object_get_double_member (segment, "latency_ms");
          g_assert_cmpfloat ((float) latency, ==, state->sample.latency_ms);
          n_with_latency++;
        }
    }
  g_assert_cmpuint (n_with_latency, >, 0);
}

static void
test_api_risk (Fixture       *fixture,
               gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  g_autoptr(PmSnapshot) snapshot = pm_engine_dup_snapshot (fixture->engine);
  g_auto(Response) response = { 0 };
  JsonObject *root = get_ok (fixture, "/v1/risk", &response);
  JsonArray *segments = json_object_get_array_member (root, "segments");
  JsonArray *sites = json_object_get_array_member (root, "sites");

  g_assert_cmpint (json_object_get_int_member (root, "now"), ==, snapshot->time_s);
  g_assert_cmpint (json_object_get_int_member (root, "horizon_s"), ==, snapshot->horizon_s);
  g_assert_cmpuint (json_array_get_length (segments), ==, pm_topology_get_n_segments (topology));
  g_assert_cmpuint (json_array_get_length (sites), ==, pm_topology_get_n_sites (topology));

  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);

      g_assert_cmpstr (json_object_get_string_member (segment, "id"), ==,
                       pm_topology_get_segment (topology, i)->id);
      assert_number_or_null (segment, "risk", 0, 1);
      assert_time_or_null (segment, "eta");
      assert_factors (segment);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (segment, "factors")),
                        ==, snapshot->segments[i].n_factors);
    }
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);

      g_assert_cmpstr (json_object_get_string_member (site, "id"), ==,
                       pm_topology_get_site (topology, i)->id);
      assert_number_or_null (site, "isolation", 0, 1);
    }
}

static void
test_api_alerts (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PmSnapshot) snapshot = pm_engine_dup_snapshot (fixture->engine);
  g_auto(Response) response = { 0 };
  JsonObject *root = get_ok (fixture, "/v1/alerts", &response);
  JsonArray *alerts = json_object_get_array_member (root, "alerts");

  g_assert_cmpint (json_object_get_int_member (root, "now"), ==, snapshot->time_s);
  g_assert_nonnull (alerts);
  g_assert_cmpuint (json_array_get_length (alerts), ==, snapshot->alerts->len);
}

static void
test_api_errors (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *url = pm_api_server_get_url (fixture->server);
  static const char *const unknown[] = { "/", "/nope", "/v1", "/v1/health/", "/v1/healthz",
                                         "//v1/health", "/V1/HEALTH" };
  static const char *const refused[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_auto(Response) response = { 0 };

      request (fixture->session, "GET", url, unknown[i], &response);
      assert_error (&response, SOUP_STATUS_NOT_FOUND, "not_found", unknown[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_auto(Response) response = { 0 };

      request (fixture->session, refused[i], url, "/v1/alerts", &response);
      assert_error (&response, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", refused[i]);
      g_assert_cmpstr (response.allow, ==, "GET, HEAD");
    }
}

/* Echoes what the server gives a handler: the name it was added with, its captures, its query. */
static void
echo_cb (PmApiServer        *server,
         const PmApiRequest *request,
         gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);
  GHashTableIter iter;
  gpointer key, value;

  pm_api_json_add_string (builder, "handler", user_data);
  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, request->params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    pm_api_json_add_string (builder, key, value);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "query");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, request->query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    pm_api_json_add_string (builder, key, value);
  json_builder_end_object (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static JsonObject *
get_echo (Fixture    *fixture,
          const char *path,
          const char *handler,
          Response   *response)
{
  JsonObject *root = get_ok (fixture, path, response);

  g_assert_cmpstr (json_object_get_string_member (root, "handler"), ==, handler);
  return root;
}

static void
test_api_handlers (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *url = pm_api_server_get_url (fixture->server);
  g_autofree char *destroyed = NULL;

  pm_api_server_add_handler (fixture->server, "GET", "/v1/things/{id}", echo_cb, "thing", NULL);
  pm_api_server_add_handler (fixture->server, "GET", "/v1/things/special", echo_cb, "special",
                             NULL);
  pm_api_server_add_handler (fixture->server, "POST", "/v1/things/{id}/ack", echo_cb, "ack",
                             NULL);
  pm_api_server_add_handler (fixture->server, "GET", "/edges/{site}/*", echo_cb, "edges", NULL);

  {
    g_auto(Response) response = { 0 };
    JsonObject *root = get_echo (fixture, "/v1/things/a%20b?x=1&y=a%26b", "thing", &response);
    JsonObject *params = json_object_get_object_member (root, "params");
    JsonObject *query = json_object_get_object_member (root, "query");

    g_assert_cmpstr (json_object_get_string_member (params, "id"), ==, "a b");
    g_assert_cmpuint (json_object_get_size (params), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (query, "x"), ==, "1");
    g_assert_cmpstr (json_object_get_string_member (query, "y"), ==, "a&b");
  }
  {
    /* A literal segment wins over a capture, whichever was added first. */
    g_auto(Response) response = { 0 };
    get_echo (fixture, "/v1/things/special", "special", &response);
  }
  {
    g_auto(Response) response = { 0 };
    JsonObject *root = get_echo (fixture, "/edges/lon/docs/a.txt", "edges", &response);
    JsonObject *params = json_object_get_object_member (root, "params");

    g_assert_cmpstr (json_object_get_string_member (params, "site"), ==, "lon");
    g_assert_cmpstr (json_object_get_string_member (params, "*"), ==, "docs/a.txt");
  }
  {
    g_auto(Response) response = { 0 };

    request (fixture->session, "POST", url, "/v1/things/x/ack", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (response.root),
                                                    "handler"), ==, "ack");
  }
  {
    g_auto(Response) response = { 0 };

    request (fixture->session, "GET", url, "/v1/things/x/ack", &response);
    assert_error (&response, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "POST");
    g_assert_cmpstr (response.allow, ==, "POST");
  }
  {
    g_auto(Response) response = { 0 };

    request (fixture->session, "DELETE", url, "/v1/things/x", &response);
    g_assert_cmpstr (response.allow, ==, "GET, HEAD");
  }
  {
    /* An encoded "/" never sneaks into a capture; an empty segment is no capture either. */
    static const char *const unknown[] = { "/v1/things/a%2Fb", "/v1/things/", "/edges/lon",
                                           "/v1/things/a/b" };

    for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
      {
        g_auto(Response) response = { 0 };

        request (fixture->session, "GET", url, unknown[i], &response);
        assert_error (&response, SOUP_STATUS_NOT_FOUND, "not_found", "No such endpoint");
      }
  }

  /* Handler data is released with the server. */
  pm_api_server_add_handler (fixture->server, "GET", "/v1/owned", echo_cb, g_strdup ("owned"),
                             g_free);
  {
    g_auto(Response) response = { 0 };
    get_echo (fixture, "/v1/owned", "owned", &response);
  }
}

static PmSnapshot *
synthetic_snapshot (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = pm_demo_load_topology (&error);
  PmSnapshot *snapshot;
  PmSegmentState *segment;
  PmAlert *alert;

  g_assert_no_error (error);
  snapshot = pm_snapshot_new (topology);
  snapshot->time_s = SNAPSHOT_TIME;
  snapshot->horizon_s = 1800;
  snapshot->source_description = g_strdup ("Synthetic");
  snapshot->source_state = PM_SOURCE_STATE_FAILED;
  snapshot->source_error = g_strdup ("probe host unreachable");

  segment = &snapshot->segments[0];
  segment->sample = (PmSample) { 12.3f, 0.5f, NAN };
  segment->sample_time = SNAPSHOT_TIME - 10;
  segment->health = 0.75;
  segment->risk = 0.25;
  segment->eta_s = SNAPSHOT_TIME + 600;
  segment->n_factors = 2;
  segment->factors[0] = (PmRiskFactor) { "loss_trend", 1.25, "loss rising 0.4%/min" };
  /* A text cut inside a character, and a weight nobody could compute. */
  segment->factors[1] = (PmRiskFactor) { "weather", NAN, "storm \xc3" };
  snapshot->segments[1].risk = INFINITY;
  snapshot->sites[0].isolation = 0.5;

  alert = g_new0 (PmAlert, 1);
  alert->id = g_strdup ("segment:fra--ams:1");
  alert->subject = PM_ALERT_SEGMENT;
  alert->index = 0;
  alert->state = PM_ALERT_FIRING;
  alert->probability = 0.9;
  alert->eta_s = SNAPSHOT_TIME + 600;
  alert->pending_since = SNAPSHOT_TIME - 120;
  alert->fired_at = SNAPSHOT_TIME - 60;
  alert->acknowledged = TRUE;
  alert->acknowledged_by = g_strdup ("alice");
  alert->silenced_until = SNAPSHOT_TIME + 3600;
  alert->silence_reason = g_strdup ("known, carrier ticket open");
  alert->n_factors = 1;
  alert->factors[0] = segment->factors[0];
  g_ptr_array_add (snapshot->alerts, alert);

  alert = g_new0 (PmAlert, 1);
  alert->id = g_strdup ("site:lon:1");
  alert->subject = PM_ALERT_SITE;
  alert->index = 2;
  alert->state = PM_ALERT_PENDING;
  alert->probability = NAN;
  alert->pending_since = SNAPSHOT_TIME - 5;
  g_ptr_array_add (snapshot->alerts, alert);
  return snapshot;
}

static void
test_api_snapshot_values (void)
{
  g_autoptr(PmSnapshot) snapshot = synthetic_snapshot ();
  g_autoptr(PmApiServer) server = pm_test_api_server_new (snapshot);
  g_autoptr(SoupSession) session = pm_test_session_new ();
  g_autoptr(GError) error = NULL;
  const PmSegment *segment0 = pm_topology_get_segment (snapshot->topology, 0);
  const char *url;

  pm_api_server_set_dns_zone (server, "example.net.");
  pm_api_server_start (server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  url = pm_api_server_get_url (server);

  {
    g_auto(Response) response = { 0 };
    JsonObject *root, *source;

    request (session, "GET", url, "/v1/health", &response);
    root = json_node_get_object (response.root);
    g_assert_cmpint (json_object_get_int_member (root, "now"), ==, SNAPSHOT_TIME);
    g_assert_cmpstr (json_object_get_string_member (root, "status"), ==, "failed");
    g_assert_cmpstr (json_object_get_string_member (root, "dns_zone"), ==, "example.net.");
    source = json_object_get_object_member (root, "source");
    g_assert_cmpstr (json_object_get_string_member (source, "state"), ==, "failed");
    g_assert_cmpstr (json_object_get_string_member (source, "error"), ==,
                     "probe host unreachable");
  }
  {
    g_auto(Response) response = { 0 };
    JsonObject *root, *segment, *segment1, *site;

    request (session, "GET", url, "/v1/topology", &response);
    root = json_node_get_object (response.root);
    segment = json_array_get_object_element (json_object_get_array_member (root, "segments"), 0);
    g_assert_cmpstr (json_object_get_string_member (segment, "id"), ==, segment0->id);
    g_assert_cmpfloat (json_object_get_double_member (segment, "latency_ms"), ==, 12.3);
    g_assert_cmpfloat (json_object_get_double_member (segment, "jitter_ms"), ==, 0.5);
    g_assert_true (member_is_null (segment, "loss_ratio"));
    g_assert_cmpint (json_object_get_int_member (segment, "sample_time"), ==, SNAPSHOT_TIME - 10);
    g_assert_cmpfloat (json_object_get_double_member (segment, "health"), ==, 0.75);
    g_assert_cmpfloat (json_object_get_double_member (segment, "risk"), ==, 0.25);
    segment1 = json_array_get_object_element (json_object_get_array_member (root, "segments"), 1);
    g_assert_true (member_is_null (segment1, "risk"));
    g_assert_true (member_is_null (segment1, "health"));
    g_assert_true (member_is_null (segment1, "latency_ms"));
    g_assert_true (member_is_null (segment1, "sample_time"));
    g_assert_cmpstr (json_object_get_string_member (segment1, "state"), ==, "no_data");
    site = json_array_get_object_element (json_object_get_array_member (root, "sites"), 0);
    g_assert_cmpfloat (json_object_get_double_member (site, "isolation"), ==, 0.5);
    site = json_array_get_object_element (json_object_get_array_member (root, "sites"), 1);
    g_assert_true (member_is_null (site, "isolation"));
  }
  {
    g_auto(Response) response = { 0 };
    JsonObject *root, *segment, *factor;
    JsonArray *factors;

    request (session, "GET", url, "/v1/risk", &response);
    root = json_node_get_object (response.root);
    g_assert_cmpint (json_object_get_int_member (root, "horizon_s"), ==, 1800);
    segment = json_array_get_object_element (json_object_get_array_member (root, "segments"), 0);
    g_assert_cmpfloat (json_object_get_double_member (segment, "risk"), ==, 0.25);
    g_assert_cmpint (json_object_get_int_member (segment, "eta"), ==, SNAPSHOT_TIME + 600);
    factors = json_object_get_array_member (segment, "factors");
    g_assert_cmpuint (json_array_get_length (factors), ==, 2);
    factor = json_array_get_object_element (factors, 0);
    g_assert_cmpstr (json_object_get_string_member (factor, "name"), ==, "loss_trend");
    g_assert_cmpfloat (json_object_get_double_member (factor, "weight"), ==, 1.25);
    g_assert_cmpstr (json_object_get_string_member (factor, "text"), ==, "loss rising 0.4%/min");
    factor = json_array_get_object_element (factors, 1);
    g_assert_true (member_is_null (factor, "weight"));
    g_assert_true (g_str_has_prefix (json_object_get_string_member (factor, "text"), "storm "));
    segment = json_array_get_object_element (json_object_get_array_member (root, "segments"), 1);
    g_assert_true (member_is_null (segment, "risk"));
    g_assert_true (member_is_null (segment, "eta"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (segment, "factors")),
                      ==, 0);
  }
  {
    g_auto(Response) response = { 0 };
    JsonObject *root, *alert;
    JsonArray *alerts;

    request (session, "GET", url, "/v1/alerts", &response);
    root = json_node_get_object (response.root);
    alerts = json_object_get_array_member (root, "alerts");
    g_assert_cmpuint (json_array_get_length (alerts), ==, 2);

    alert = json_array_get_object_element (alerts, 0);
    g_assert_cmpstr (json_object_get_string_member (alert, "id"), ==, "segment:fra--ams:1");
    g_assert_cmpstr (json_object_get_string_member (alert, "subject"), ==, "segment");
    g_assert_cmpstr (json_object_get_string_member (alert, "target"), ==, segment0->id);
    g_assert_cmpstr (json_object_get_string_member (alert, "state"), ==, "firing");
    g_assert_cmpfloat (json_object_get_double_member (alert, "probability"), ==, 0.9);
    g_assert_cmpint (json_object_get_int_member (alert, "eta"), ==, SNAPSHOT_TIME + 600);
    g_assert_cmpint (json_object_get_int_member (alert, "pending_since"), ==, SNAPSHOT_TIME - 120);
    g_assert_cmpint (json_object_get_int_member (alert, "fired_at"), ==, SNAPSHOT_TIME - 60);
    g_assert_true (member_is_null (alert, "resolved_at"));
    g_assert_true (json_object_get_boolean_member (alert, "acknowledged"));
    g_assert_cmpstr (json_object_get_string_member (alert, "acknowledged_by"), ==, "alice");
    g_assert_cmpint (json_object_get_int_member (alert, "silenced_until"), ==,
                     SNAPSHOT_TIME + 3600);
    g_assert_cmpstr (json_object_get_string_member (alert, "silence_reason"), ==,
                     "known, carrier ticket open");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (alert, "factors")), ==,
                      1);

    alert = json_array_get_object_element (alerts, 1);
    g_assert_cmpstr (json_object_get_string_member (alert, "subject"), ==, "site");
    g_assert_cmpstr (json_object_get_string_member (alert, "target"), ==,
                     pm_topology_get_site (snapshot->topology, 2)->id);
    g_assert_cmpstr (json_object_get_string_member (alert, "state"), ==, "pending");
    g_assert_true (member_is_null (alert, "probability"));
    g_assert_true (member_is_null (alert, "eta"));
    g_assert_true (member_is_null (alert, "fired_at"));
    g_assert_false (json_object_get_boolean_member (alert, "acknowledged"));
    g_assert_true (member_is_null (alert, "acknowledged_by"));
    g_assert_true (member_is_null (alert, "silenced_until"));
    g_assert_true (member_is_null (alert, "silence_reason"));
  }
}

static void
test_api_not_ready (void)
{
  g_autoptr(PmApiServer) server = pm_test_api_server_new (NULL);
  g_autoptr(SoupSession) session = pm_test_session_new ();
  g_autoptr(GError) error = NULL;
  static const char *const paths[] = { "/v1/health", "/v1/topology", "/v1/risk", "/v1/alerts" };

  pm_api_server_start (server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_auto(Response) response = { 0 };

      request (session, "GET", pm_api_server_get_url (server), paths[i], &response);
      assert_error (&response, SOUP_STATUS_SERVICE_UNAVAILABLE, "not_ready", "first state");
      g_assert_true (member_is_null (json_node_get_object (response.root), "now"));
    }
}

static void
test_api_address_in_use (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PmApiServer) second = pm_api_server_new (dup_engine_snapshot_cb,
                                                     g_object_ref (fixture->engine),
                                                     g_object_unref);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u",
                                              pm_api_server_get_port (fixture->server));
  g_autofree char *prefix = g_strdup_printf ("--api %s: ", address);
  g_autoptr(GError) error = NULL;
  g_auto(Response) response = { 0 };

  g_assert_false (pm_api_server_start (second, address, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, "already in use"));
  g_assert_null (pm_api_server_get_url (second));

  /* The failed start leaves the first server serving and the second one startable. */
  get_ok (fixture, "/v1/health", &response);
  g_clear_error (&error);
  g_assert_true (pm_api_server_start (second, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_api_server_get_port (second), !=, pm_api_server_get_port (fixture->server));
}

static void
test_api_ipv6 (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PmApiServer) server = pm_api_server_new (dup_engine_snapshot_cb,
                                                     g_object_ref (fixture->engine),
                                                     g_object_unref);
  g_autoptr(GError) error = NULL;
  g_auto(Response) response = { 0 };

  if (!pm_api_server_start (server, "[::1]:0", &error))
    {
      g_autofree char *message = g_strdup_printf ("no IPv6 loopback here: %s", error->message);
      g_test_skip (message);
      return;
    }
  g_assert_true (g_str_has_prefix (pm_api_server_get_url (server), "http://[::1]:"));
  request (fixture->session, "GET", pm_api_server_get_url (server), "/v1/health", &response);
  g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
}

static void
test_api_none_and_restart (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(PmApiServer) server = pm_api_server_new (dup_engine_snapshot_cb,
                                                     g_object_ref (fixture->engine),
                                                     g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *first_url = NULL;

  g_assert_true (pm_api_server_start (server, "none", &error));
  g_assert_no_error (error);
  g_assert_null (pm_api_server_get_url (server));
  g_assert_cmpuint (pm_api_server_get_port (server), ==, 0);
  pm_api_server_stop (server);

  g_assert_true (pm_api_server_start (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  first_url = g_strdup (pm_api_server_get_url (server));
  pm_api_server_stop (server);
  pm_api_server_stop (server);
  g_assert_null (pm_api_server_get_url (server));
  g_assert_null (pm_api_server_get_context (server));

  /* Stopped means closed: nothing answers on the old port any more. */
  {
    g_autofree char *url = g_strconcat (first_url, "/v1/health", NULL);
    g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (fixture->session, message, NULL, &error);

    g_assert_null (body);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_clear_error (&error);
  }

  g_assert_true (pm_api_server_start (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  {
    g_auto(Response) response = { 0 };
    request (fixture->session, "GET", pm_api_server_get_url (server), "/v1/health", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
  }
  /* Finalized while running: the thread is joined on the way. */
}

#define N_CLIENTS  4
#define N_REQUESTS 40

static gpointer
client_thread (gpointer data)
{
  const char *url = data;
  g_autoptr(SoupSession) session = pm_test_session_new ();

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_auto(Response) response = { 0 };

      request (session, "GET", url, i % 2 == 0 ? "/v1/topology" : "/v1/risk", &response);
      g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    }
  return NULL;
}

/* The API thread reads snapshots while the engine replaces them: the handover must hold. */
static void
test_api_concurrent (Fixture       *fixture,
                     gconstpointer  data)
{
  GThread *threads[N_CLIENTS];
  guint n_ticks = 0;

  for (guint i = 0; i < N_CLIENTS; i++)
    threads[i] = g_thread_new ("client", client_thread,
                               (gpointer) pm_api_server_get_url (fixture->server));
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      /* Tick between joins: the engine publishes while the clients ask. */
      for (guint t = 0; t < 20; t++, n_ticks++)
        pm_engine_tick (fixture->engine);
      g_thread_join (threads[i]);
    }
  g_assert_cmpuint (n_ticks, ==, 20 * N_CLIENTS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/api/address/parse", test_api_address_parse);
  g_test_add ("/api/health", Fixture, NULL, fixture_set_up, test_api_health, fixture_tear_down);
  g_test_add ("/api/head", Fixture, NULL, fixture_set_up, test_api_head, fixture_tear_down);
  g_test_add ("/api/topology", Fixture, NULL, fixture_set_up, test_api_topology,
              fixture_tear_down);
  g_test_add ("/api/risk", Fixture, NULL, fixture_set_up, test_api_risk, fixture_tear_down);
  g_test_add ("/api/alerts", Fixture, NULL, fixture_set_up, test_api_alerts, fixture_tear_down);
  g_test_add ("/api/errors", Fixture, NULL, fixture_set_up, test_api_errors, fixture_tear_down);
  g_test_add ("/api/handlers", Fixture, NULL, fixture_set_up, test_api_handlers,
              fixture_tear_down);
  g_test_add_func ("/api/snapshot-values", test_api_snapshot_values);
  g_test_add_func ("/api/not-ready", test_api_not_ready);
  g_test_add ("/api/address-in-use", Fixture, NULL, fixture_set_up, test_api_address_in_use,
              fixture_tear_down);
  g_test_add ("/api/ipv6", Fixture, NULL, fixture_set_up, test_api_ipv6, fixture_tear_down);
  g_test_add ("/api/none-and-restart", Fixture, NULL, fixture_set_up, test_api_none_and_restart,
              fixture_tear_down);
  g_test_add ("/api/concurrent", Fixture, NULL, fixture_set_up, test_api_concurrent,
              fixture_tear_down);

  return g_test_run ();
}
