/* test-api-http.c: the HTTP side of the API server, through real requests on loopback:
 * GET /metrics (exact samples from a snapshot built here, label escaping, NaN, the latency
 * histogram, the routing counters, promtool's verdict), GET /edges/{site}/… (byte-exact files,
 * HEAD, and every path that must not be served), the request limits (413, 414) and HTTPS.
 * Needs no display; promtool, openssl and curl are used when installed and skipped otherwise.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "pm-test-util.h"
#include "route/pm-api-edges.h"
#include "route/pm-api-metrics.h"
#include "route/pm-api-server.h"
#include "route/pm-routing.h"

#define SNAPSHOT_TIME 1767571200
#define METRICS_TYPE  "text/plain; version=0.0.4; charset=utf-8"

/* "q\"u\\o\nte" in JSON: a site id with a double quote, a backslash and a line feed. */
#define ODD_ID_JSON "q\\u0022u\\\\o\\nte"
#define ODD_ID      "q\"u\\o\nte"

#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[8.6821,50.1109]},"                 \
  "'properties':{'id':'fra','role':'origin','region':'eu-central'}},"                             \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[2.3522,48.8566]},"                 \
  "'properties':{'id':'par','role':'edge','region':'eu-west'}},"                                  \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.1278,51.5074]},"                \
  "'properties':{'id':'lon','role':'edge','storage':'https://store.example/lon/'}},"             \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[4.8952,52.3702]},"                 \
  "'properties':{'id':'" ODD_ID_JSON "','role':'edge'}},"                                         \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--par','a':'fra','b':'par'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--lon','a':'fra','b':'lon'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--odd','a':'fra','b':'" ODD_ID_JSON "'}}"                                \
  "]}"

#define RESOURCES                                                                                 \
  "{'resources':["                                                                                \
  "{'id':'fw','size_bytes':6000,'criticality':3,'consistency':'eventual','origin':'fra'}"         \
  "]}"

typedef struct
{
  PmTopology  *topology;
  PmSnapshot  *snapshot;
  char        *data_dir;
  PmApiServer *server;
  SoupSession *session;
} Fixture;

typedef struct
{
  guint   status;
  char   *content_type;
  char   *content_length;
  char   *last_modified;
  GBytes *body;
  char   *text;  /* the body as text (NUL-terminated copy) */
} Response;

static void
response_clear (Response *response)
{
  g_free (response->content_type);
  g_free (response->content_length);
  g_free (response->last_modified);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->text);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

/* A snapshot with known values: one segment at risk with an expected time, one unknown; one
 * site's isolation known; one alert firing and one pending. */
static PmSnapshot *
make_snapshot (PmTopology *topology)
{
  PmSnapshot *snapshot = pm_snapshot_new (topology);
  PmAlert firing = { .id = (char *) "segment:fra--par:1", .subject = PM_ALERT_SEGMENT,
                     .state = PM_ALERT_FIRING, .probability = 0.25 };
  PmAlert pending = { .id = (char *) "site:par:1", .subject = PM_ALERT_SITE, .index = 1,
                      .state = PM_ALERT_PENDING, .probability = 0.125 };
  int par_link = pm_topology_lookup_segment (topology, "fra--par");
  int par = pm_topology_lookup_site (topology, "par");

  g_assert_cmpint (par_link, >=, 0);
  g_assert_cmpint (par, >=, 0);
  snapshot->time_s = SNAPSHOT_TIME;
  snapshot->source_state = PM_SOURCE_STATE_CONNECTED;
  snapshot->source_description = g_strdup ("test");
  snapshot->horizon_s = 3600;
  snapshot->predicting = TRUE;
  snapshot->segments[par_link].risk = 0.25;
  snapshot->segments[par_link].eta_s = SNAPSHOT_TIME + 3600;
  snapshot->segments[par_link].health = 0.9;
  snapshot->sites[par].isolation = 0.125;
  g_ptr_array_add (snapshot->alerts, pm_alert_copy (&firing));
  g_ptr_array_add (snapshot->alerts, pm_alert_copy (&pending));
  return snapshot;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->topology = pm_test_topology_from_json (NETWORK, "network.geojson");
  fixture->snapshot = make_snapshot (fixture->topology);
  fixture->data_dir = pm_test_make_temp_dir ();
  fixture->server = pm_test_api_server_new (fixture->snapshot);
  /* A test that passes data registers /metrics itself, with its routing service. */
  if (data == NULL)
    pm_api_metrics_register (fixture->server, NULL);
  pm_api_edges_register (fixture->server, fixture->topology, fixture->data_dir);
  fixture->session = pm_test_session_new ();
}

static void
fixture_start (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  pm_api_server_start (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_assert_finalize_object (fixture->server);
  g_clear_pointer (&fixture->snapshot, pm_snapshot_unref);
  g_clear_object (&fixture->topology);
  g_free (fixture->data_dir);
}

/* Sends one request (with a body unless body is NULL: its length is announced, or with
 * chunked TRUE it is sent chunked) and reads the whole answer. */
static void
send_full (SoupSession *session,
           const char  *method,
           const char  *url,
           GBytes      *body,
           gboolean     chunked,
           gboolean     expect_continue,
           Response    *response)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  g_assert_nonnull (message);
  if (body != NULL && chunked)
    {
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (body);

      soup_message_set_request_body (message, "application/json", stream, -1);
    }
  else if (body != NULL)
    {
      soup_message_set_request_body_from_bytes (message, "application/json", body);
    }
  if (expect_continue)
    soup_message_headers_set_expectations (soup_message_get_request_headers (message),
                                           SOUP_EXPECTATION_CONTINUE);
  response->body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (message);
  headers = soup_message_get_response_headers (message);
  response->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  response->content_length = g_strdup (soup_message_headers_get_one (headers, "Content-Length"));
  response->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  response->text = g_strndup (g_bytes_get_data (response->body, NULL),
                              g_bytes_get_size (response->body));
}

static void
get (Fixture    *fixture,
     const char *method,
     const char *path,
     Response   *response)
{
  g_autofree char *url = g_strconcat (pm_api_server_get_url (fixture->server), path, NULL);

  send_full (fixture->session, method, url, NULL, FALSE, FALSE, response);
}

/* Fails unless the answer is the API's JSON error with that status and code, whose message
 * contains message_part (unless NULL). */
static void
assert_error (Response   *response,
              guint       status,
              const char *code,
              const char *message_part)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (response->status != status)
    g_error ("expected %u, got %u: %s", status, response->status, response->text);
  g_assert_cmpstr (response->content_type, ==, "application/json");
  root = json_from_string (response->text, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (json_node_get_object (root), "now"));
  object = json_object_get_object_member (json_node_get_object (root), "error");
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, code);
  if (message_part != NULL)
    pm_test_assert_contains (json_object_get_string_member (object, "message"), message_part);
}

/* Fails unless text has this exact line. */
static void
assert_line (const char *text,
             const char *line)
{
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree char *framed = g_strconcat ("\n", text, NULL);

  if (strstr (framed, needle) == NULL)
    g_error ("no line “%s” in:\n%s", line, text);
}

static void
assert_no_line_starting (const char *text,
                         const char *start)
{
  g_autofree char *needle = g_strconcat ("\n", start, NULL);
  g_autofree char *framed = g_strconcat ("\n", text, NULL);

  if (strstr (framed, needle) != NULL)
    g_error ("a line starts with “%s” in:\n%s", start, text);
}

/* The value of the sample whose text before the value is exactly series. */
static double
sample_value (const char *text,
              const char *series)
{
  g_autofree char *needle = g_strconcat ("\n", series, " ", NULL);
  g_autofree char *framed = g_strconcat ("\n", text, NULL);
  const char *found = strstr (framed, needle);

  if (found == NULL)
    g_error ("no sample %s in:\n%s", series, text);
  return g_ascii_strtod (found + strlen (needle), NULL);
}

static void
get_metrics (Fixture  *fixture,
             Response *response)
{
  get (fixture, "GET", "/metrics", response);
  g_assert_cmpuint (response->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (response->content_type, ==, METRICS_TYPE);
  g_assert_true (g_str_has_suffix (response->text, "\n"));
}

/* promtool's verdict on an exposition, or a skip note when it is not installed. */
static void
check_with_promtool (const char *text)
{
  g_autofree char *promtool = g_find_program_in_path ("promtool");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (promtool == NULL)
    {
      g_test_message ("promtool not installed (Debian package prometheus): exposition not "
                      "checked by it");
      return;
    }
  dir = pm_test_make_temp_dir ();
  path = g_build_filename (dir, "metrics.txt", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  command = g_strdup_printf ("sh -c 'exec \"$0\" check metrics < \"$1\"' '%s' '%s'", promtool,
                             path);
  g_spawn_command_line_sync (command, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("promtool check metrics failed:\n%s%s", out, err);
  g_test_message ("promtool check metrics: ok %s%s", out, err);
}

static void
test_metrics_content (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(Response) response = { 0 };

  fixture_start (fixture);
  get_metrics (fixture, &response);

  assert_line (response.text, "# TYPE premirror_segment_risk gauge");
  pm_test_assert_contains (response.text, "# HELP premirror_segment_risk ");
  assert_line (response.text, "premirror_segment_risk{segment=\"fra--par\",a=\"fra\",b=\"par\"} 0.25");
  /* Unknown is NaN, never left out. */
  assert_line (response.text, "premirror_segment_risk{segment=\"fra--lon\",a=\"fra\",b=\"lon\"} NaN");
  assert_line (response.text,
               "premirror_segment_risk{segment=\"fra--odd\",a=\"fra\",b=\"q\\\"u\\\\o\\nte\"} NaN");

  assert_line (response.text, "# TYPE premirror_segment_eta_seconds gauge");
  assert_line (response.text, "premirror_segment_eta_seconds{segment=\"fra--par\",a=\"fra\","
                              "b=\"par\"} 1767574800");
  assert_no_line_starting (response.text, "premirror_segment_eta_seconds{segment=\"fra--lon\"");

  assert_line (response.text, "premirror_segment_down{segment=\"fra--par\",a=\"fra\",b=\"par\"} 0");
  assert_line (response.text, "premirror_segment_down{segment=\"fra--lon\",a=\"fra\",b=\"lon\"} NaN");

  assert_line (response.text, "# TYPE premirror_site_isolation gauge");
  assert_line (response.text, "premirror_site_isolation{site=\"par\",region=\"eu-west\"} 0.125");
  assert_line (response.text, "premirror_site_isolation{site=\"fra\",region=\"eu-central\"} NaN");
  /* The id escapes its double quote, backslash and line feed; the region defaults to the id. */
  assert_line (response.text, "premirror_site_isolation{site=\"q\\\"u\\\\o\\nte\","
                              "region=\"q\\\"u\\\\o\\nte\"} NaN");

  assert_line (response.text, "# TYPE premirror_alerts_firing gauge");
  assert_line (response.text, "premirror_alerts_firing 1");
  assert_line (response.text, "premirror_source_up 1");

  assert_line (response.text, "# TYPE premirror_http_request_duration_seconds histogram");
  pm_test_assert_contains (response.text,
                           "premirror_http_request_duration_seconds_bucket{le=\"0.0005\"} ");
  pm_test_assert_contains (response.text,
                           "premirror_http_request_duration_seconds_bucket{le=\"5\"} ");
  pm_test_assert_contains (response.text,
                           "premirror_http_request_duration_seconds_bucket{le=\"+Inf\"} ");
  /* Without a routing service, no routing samples. */
  assert_no_line_starting (response.text, "premirror_route_");

  check_with_promtool (response.text);

  {
    g_auto(Response) head = { 0 };

    get (fixture, "HEAD", "/metrics", &head);
    g_assert_cmpuint (head.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (head.content_type, ==, METRICS_TYPE);
    g_assert_cmpuint (g_bytes_get_size (head.body), ==, 0);
  }
}

static void
test_metrics_source_down (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(Response) response = { 0 };

  fixture->snapshot->source_state = PM_SOURCE_STATE_STALE;
  fixture_start (fixture);
  get_metrics (fixture, &response);
  assert_line (response.text, "premirror_source_up 0");
}

/* Every request counts once in the histogram, its buckets are cumulative, and its answers
 * count by status code. */
static void
test_metrics_histogram (Fixture       *fixture,
                        gconstpointer  data)
{
  g_auto(Response) before = { 0 };
  g_auto(Response) after = { 0 };
  double count_before, count_after, previous = 0;
  PmApiHistogram histogram;
  static const char *const bounds[] = { "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                        "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf" };

  fixture_start (fixture);
  get_metrics (fixture, &before);
  count_before = sample_value (before.text, "premirror_http_request_duration_seconds_count");

  for (guint i = 0; i < 3; i++)
    {
      g_auto(Response) response = { 0 };

      get (fixture, "GET", "/v1/health", &response);
      g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    }
  {
    g_auto(Response) response = { 0 };

    get (fixture, "GET", "/no/such/endpoint", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_NOT_FOUND);
  }

  get_metrics (fixture, &after);
  count_after = sample_value (after.text, "premirror_http_request_duration_seconds_count");
  /* The first /metrics, three health checks and the 404; not the /metrics being answered. */
  g_assert_cmpfloat (count_after, ==, count_before + 5);

  for (guint i = 0; i < G_N_ELEMENTS (bounds); i++)
    {
      g_autofree char *series = g_strdup_printf ("premirror_http_request_duration_seconds_bucket"
                                                 "{le=\"%s\"}", bounds[i]);
      double value = sample_value (after.text, series);

      g_assert_cmpfloat (value, >=, previous);
      previous = value;
    }
  g_assert_cmpfloat (previous, ==, count_after);
  g_assert_cmpfloat (sample_value (after.text, "premirror_http_request_duration_seconds_sum"),
                     >=, 0);
  g_assert_cmpfloat (sample_value (after.text, "premirror_http_requests_total{code=\"200\"}"),
                     >=, 4);
  g_assert_cmpfloat (sample_value (after.text, "premirror_http_requests_total{code=\"404\"}"),
                     ==, 1);

  pm_api_server_get_latency_histogram (fixture->server, &histogram);
  g_assert_cmpuint (histogram.count, >=, (guint64) count_after + 1);
  g_assert_cmpfloat (histogram.bounds[0], ==, 0.0005);
  g_assert_cmpfloat (histogram.bounds[PM_API_LATENCY_N_BUCKETS - 1], ==, 5);
  g_assert_cmpuint (histogram.cumulative[PM_API_LATENCY_N_BUCKETS - 1], <=, histogram.count);
  check_with_promtool (after.text);
}

/* With a routing service, its counters appear: one refresh, every decision counted once. */
static void
test_metrics_routing (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (RESOURCES);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = pm_resources_new_from_bytes (bytes, "resources.json",
                                                                  fixture->topology, &error);
  g_autoptr(PmRouting) routing = NULL;
  g_auto(Response) response = { 0 };
  double decisions = 0;

  g_assert_no_error (error);
  routing = pm_routing_new (fixture->topology, resources, NULL);
  pm_routing_update (routing, fixture->snapshot, NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PmRouteAnswer) answer = pm_routing_route (routing, 1, 0);

      g_assert_nonnull (answer);
    }

  pm_api_metrics_register (fixture->server, routing);
  fixture_start (fixture);
  get_metrics (fixture, &response);

  assert_line (response.text, "# TYPE premirror_route_decisions_total counter");
  for (guint i = 0; i < PM_ROUTE_N_OUTCOMES; i++)
    {
      g_autofree char *series = g_strdup_printf ("premirror_route_decisions_total"
                                                 "{outcome=\"%s\"}",
                                                 pm_route_outcome_to_string (i));
      decisions += sample_value (response.text, series);
    }
  g_assert_cmpfloat (decisions, ==, 3);
  assert_line (response.text, "premirror_route_table_refreshes_total 1");
  assert_line (response.text, "# TYPE premirror_route_table_refresh_seconds gauge");
  assert_line (response.text, "# TYPE premirror_route_table_refresh_seconds_total counter");
  g_assert_cmpfloat (sample_value (response.text, "premirror_route_table_refresh_seconds"), >=, 0);
  check_with_promtool (response.text);

  /* The handler borrows the routing service: stop serving before it goes. */
  pm_api_server_stop (fixture->server);
}

/* Before the engine's first tick, /metrics still answers, with the server's own figures. */
static void
test_metrics_no_snapshot (void)
{
  g_autoptr(PmApiServer) server = pm_test_api_server_new (NULL);
  g_autoptr(SoupSession) session = pm_test_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_auto(Response) response = { 0 };

  pm_api_metrics_register (server, NULL);
  pm_api_server_start (server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  url = g_strconcat (pm_api_server_get_url (server), "/metrics", NULL);
  send_full (session, "GET", url, NULL, FALSE, FALSE, &response);
  g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
  assert_no_line_starting (response.text, "premirror_segment_risk");
  pm_test_assert_contains (response.text, "premirror_http_request_duration_seconds_count ");
  check_with_promtool (response.text);
}

static char *
edge_path (Fixture    *fixture,
           const char *site,
           const char *relative)
{
  return g_build_filename (fixture->data_dir, "edges", site, relative, NULL);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static void
test_edges_serve (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char contents[] = "replica\0with a NUL\r\nand \xff bytes";
  g_autofree char *path = edge_path (fixture, "par", "fw/v1/fw.bin");
  g_autofree char *spaced = edge_path (fixture, "par", "fw/a b.txt");
  g_autofree char *empty = edge_path (fixture, "par", "empty");
  g_autofree char *size = g_strdup_printf ("%zu", sizeof contents);

  write_file (path, contents, sizeof contents);
  write_file (spaced, "spaced", -1);
  write_file (empty, "", 0);
  fixture_start (fixture);

  {
    g_auto(Response) response = { 0 };

    get (fixture, "GET", "/edges/par/fw/v1/fw.bin", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (response.content_type, ==, "application/octet-stream");
    g_assert_cmpstr (response.content_length, ==, size);
    g_assert_nonnull (response.last_modified);
    g_assert_cmpmem (g_bytes_get_data (response.body, NULL), g_bytes_get_size (response.body),
                     contents, sizeof contents);
  }
  {
    g_auto(Response) response = { 0 };

    get (fixture, "HEAD", "/edges/par/fw/v1/fw.bin", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (response.content_type, ==, "application/octet-stream");
    g_assert_cmpstr (response.content_length, ==, size);
    g_assert_cmpuint (g_bytes_get_size (response.body), ==, 0);
  }
  {
    g_auto(Response) response = { 0 };

    get (fixture, "GET", "/edges/par/fw/a%20b.txt", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (response.text, ==, "spaced");
  }
  {
    g_auto(Response) response = { 0 };

    get (fixture, "GET", "/edges/par/empty", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpuint (g_bytes_get_size (response.body), ==, 0);
  }
}

/* A large replica is served without being read into memory: a sparse 1 GiB file answers HEAD
 * at once and GET streams it whole. */
static void
test_edges_large (Fixture       *fixture,
                  gconstpointer  data)
{
  const goffset size = G_GOFFSET_CONSTANT (1) << 30;
  g_autofree char *path = edge_path (fixture, "par", "big.img");
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *buffer = g_malloc (1 << 20);
  goffset total = 0;
  int fd;

  write_file (path, "", 0);
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  g_assert_cmpint (pwrite (fd, "end", 3, size - 3), ==, 3);
  close (fd);
  fixture_start (fixture);

  {
    g_auto(Response) response = { 0 };

    get (fixture, "HEAD", "/edges/par/big.img", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (response.content_length, ==, "1073741824");
  }

  if (!g_test_slow ())
    {
      g_test_message ("GET of 1 GiB runs with -m slow only");
      return;
    }
  url = g_strconcat (pm_api_server_get_url (fixture->server), "/edges/par/big.img", NULL);
  message = soup_message_new ("GET", url);
  stream = soup_session_send (fixture->session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  for (;;)
    {
      gssize n = g_input_stream_read (stream, buffer, 1 << 20, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      total += n;
    }
  g_assert_cmpint (total, ==, size);
}

static void
test_edges_refuse (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char secret[] = "outside the edge folder";
  g_autofree char *outside = g_build_filename (fixture->data_dir, "secret.txt", NULL);
  g_autofree char *file = edge_path (fixture, "par", "fw/fw.bin");
  g_autofree char *part = edge_path (fixture, "par", "fw/.fw.bin.part-1");
  g_autofree char *hidden = edge_path (fixture, "par", ".hidden/x");
  g_autofree char *link = edge_path (fixture, "par", "fw/link");
  g_autofree char *dir_link = edge_path (fixture, "par", "up");
  static const struct
  {
    const char *path;
    const char *message_part;  /* NULL: any 404 (the path may not reach the handler) */
  } cases[] = {
    { "/edges/par/fw", "only files" },
    { "/edges/par/fw/", "never served" },
    { "/edges/par/", "never served" },
    { "/edges/par/fw//fw.bin", "never served" },
    { "/edges/par/nothing.bin", "no such file" },
    { "/edges/par/fw/nothing/deeper", "no such file" },
    { "/edges/par/fw/fw.bin/deeper", "no such file" },
    { "/edges/par/fw/.fw.bin.part-1", "never served" },
    { "/edges/par/fw/%2efw.bin.part-1", "never served" },
    { "/edges/par/.hidden/x", "never served" },
    { "/edges/par/%2e%2e/secret.txt", NULL },
    { "/edges/par/%2E%2E/%2e%2e/secret.txt", NULL },
    { "/edges/par/fw/%2e%2e/%2e%2e/%2e%2e/secret.txt", NULL },
    { "/edges/par/fw%2f..%2f..%2fsecret.txt", "never served" },
    { "/edges/par/fw/%00", "never served" },
    { "/edges/par/fw/link", "symbolic links" },
    { "/edges/par/up/secret.txt", "symbolic links" },
    { "/edges/par/../../secret.txt", NULL },
    { "/edges/par/fw/../../../secret.txt", NULL },
    { "/edges/nowhere/fw/fw.bin", "No site nowhere" },
    { "/edges/lon/fw/fw.bin", "https://store.example/lon/" },
  };

  write_file (outside, secret, -1);
  write_file (file, "replica", -1);
  write_file (part, "partial", -1);
  write_file (hidden, "hidden", -1);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink (fixture->data_dir, dir_link), ==, 0);
  fixture_start (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Response) response = { 0 };

      g_test_message ("%s", cases[i].path);
      get (fixture, "GET", cases[i].path, &response);
      assert_error (&response, SOUP_STATUS_NOT_FOUND, "not_found", cases[i].message_part);
      g_assert_null (strstr (response.text, secret));
      g_assert_null (strstr (response.text, "partial"));
    }

  /* HEAD refuses alike, without a body. */
  {
    g_auto(Response) response = { 0 };

    get (fixture, "HEAD", "/edges/par/fw/link", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_NOT_FOUND);
    g_assert_cmpuint (g_bytes_get_size (response.body), ==, 0);
  }
  /* Only reading: anything else is 405. */
  {
    g_auto(Response) response = { 0 };
    g_autofree char *url = g_strconcat (pm_api_server_get_url (fixture->server),
                                        "/edges/par/fw/fw.bin", NULL);
    g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);

    send_full (fixture->session, "PUT", url, body, FALSE, FALSE, &response);
    assert_error (&response, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", NULL);
  }
}

/* Sends a request line as written, past any client's normalisation of dot segments, and returns
 * the whole answer. */
static char *
send_raw (Fixture    *fixture,
          const char *target)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n", target);
  g_autoptr(GString) answer = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                pm_api_server_get_port (fixture->server), NULL,
                                                &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (answer, buffer, n);
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

static void
test_edges_raw (Fixture       *fixture,
                gconstpointer  data)
{
  static const char *const targets[] = {
    "/edges/par/%2e%2e/secret.txt",
    "/edges/par/fw/%2E%2E/%2e%2e/%2e%2e/secret.txt",
    "/edges/par/..%2fsecret.txt",
    "/edges/par/%2e./secret.txt",
  };
  g_autofree char *outside = g_build_filename (fixture->data_dir, "edges", "secret.txt", NULL);
  g_autofree char *file = edge_path (fixture, "par", "fw/fw.bin");

  write_file (outside, "outside the edge folder", -1);
  write_file (file, "replica", -1);
  fixture_start (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *answer = send_raw (fixture, targets[i]);

      g_test_message ("%s", targets[i]);
      /* libsoup removes encoded dot segments too, before routing: the handler's own refusal
       * is the second line of defence. Either way nothing outside is served. */
      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 404 "));
      g_assert_null (strstr (answer, "outside the edge folder"));
    }
  {
    g_autofree char *answer = send_raw (fixture, "/edges/par/fw/fw.bin");

    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
    g_assert_true (g_str_has_suffix (answer, "\r\n\r\nreplica"));
  }
}

/* Open descriptors of this process, the server's sockets among them. */
static guint
count_descriptors (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Sends "GET target" on connection (with "Connection: close" when close) and reads one answer:
 * its headers, then as many bytes as Content-Length says. */
static char *
exchange (GSocketConnection *connection,
          const char        *target,
          gboolean           close)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n",
                                              target, close ? "Connection: close\r\n" : "");
  g_autoptr(GString) answer = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *end, *length;
  gsize wanted = G_MAXSIZE;  /* the whole answer's length, once the headers are in */
  char byte;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  for (;;)
    {
      end = strstr (answer->str, "\r\n\r\n");
      if (end != NULL && wanted == G_MAXSIZE)
        {
          length = strstr (answer->str, "Content-Length: ");
          g_assert_nonnull (length);
          wanted = (gsize) (end + 4 - answer->str)
                   + g_ascii_strtoull (length + strlen ("Content-Length: "), NULL, 10);
        }
      if (answer->len >= wanted)
        break;
      g_assert_cmpint (g_input_stream_read (in, &byte, 1, NULL, &error), ==, 1);
      g_string_append_c (answer, byte);
    }
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

static GSocketConnection *
connect_to (Fixture *fixture)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                pm_api_server_get_port (fixture->server), NULL,
                                                &error);
  g_assert_no_error (error);
  return connection;
}

/* HTTP/1.1 connections are kept for the next request unless the client asks otherwise; a kept
 * connection whose client hangs up between requests is closed by the server too, so that its
 * descriptor is not held (with libsoup 3.2's own keep-alive it would stay in CLOSE_WAIT). */
static void
test_keep_alive (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GSocketConnection) connection = NULL;
  gint64 deadline;
  guint baseline;
  char byte;

  fixture_start (fixture);
  connection = connect_to (fixture);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *answer = exchange (connection, "/metrics", FALSE);

      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
      g_assert_null (strstr (answer, "Connection: close"));
      g_assert_nonnull (strstr (answer, "# TYPE premirror_"));
    }
  {
    g_autofree char *answer = exchange (connection, "/metrics", TRUE);

    g_assert_nonnull (strstr (answer, "Connection: close"));
    /* Then the server closes. */
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                          &byte, 1, NULL, NULL), ==, 0);
  }

  baseline = count_descriptors ();
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GSocketConnection) kept = connect_to (fixture);
      g_autofree char *answer = exchange (kept, "/metrics", FALSE);

      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
      g_io_stream_close (G_IO_STREAM (kept), NULL, NULL);
    }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (count_descriptors () > baseline)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static GBytes *
filled_bytes (gsize size)
{
  char *data = g_malloc (size);

  memset (data, '7', size);
  return g_bytes_new_take (data, size);
}

static void
test_limits_body (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autoptr(GBytes) small = filled_bytes (1000);
  g_autoptr(GBytes) limit = filled_bytes (PM_API_MAX_BODY_BYTES);
  g_autoptr(GBytes) large = filled_bytes (2 * PM_API_MAX_BODY_BYTES);

  fixture_start (fixture);
  url = g_strconcat (pm_api_server_get_url (fixture->server), "/v1/health", NULL);

  {
    g_auto(Response) response = { 0 };

    send_full (fixture->session, "POST", url, small, FALSE, FALSE, &response);
    assert_error (&response, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", NULL);
  }
  {
    g_auto(Response) response = { 0 };

    send_full (fixture->session, "POST", url, limit, FALSE, FALSE, &response);
    assert_error (&response, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", NULL);
  }
  {
    g_auto(Response) response = { 0 };

    send_full (fixture->session, "POST", url, large, FALSE, FALSE, &response);
    assert_error (&response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                  "at most 1048576");
  }
  /* A client that asks first is answered before it sends the body. */
  {
    g_auto(Response) response = { 0 };

    send_full (fixture->session, "POST", url, large, FALSE, TRUE, &response);
    assert_error (&response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large", NULL);
  }
  /* A chunked body has no length to check up front: it is measured as it comes. */
  {
    g_auto(Response) response = { 0 };

    send_full (fixture->session, "POST", url, large, TRUE, FALSE, &response);
    assert_error (&response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large", NULL);
  }
  /* And the server goes on serving. */
  {
    g_auto(Response) response = { 0 };

    get (fixture, "GET", "/v1/health", &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
  }
}

static void
test_limits_uri (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *long_query = g_strnfill (PM_API_MAX_URI_BYTES + 100, 'a');
  g_autofree char *ok_query = g_strnfill (PM_API_MAX_URI_BYTES - 200, 'a');
  g_autofree char *long_path = g_strnfill (PM_API_MAX_URI_BYTES + 1, 'p');
  g_autofree char *path = NULL;

  fixture_start (fixture);
  {
    g_auto(Response) response = { 0 };

    path = g_strconcat ("/v1/health?x=", long_query, NULL);
    get (fixture, "GET", path, &response);
    assert_error (&response, SOUP_STATUS_REQUEST_URI_TOO_LONG, "uri_too_long", "at most 8192");
  }
  {
    g_auto(Response) response = { 0 };

    g_free (path);
    path = g_strconcat ("/", long_path, NULL);
    get (fixture, "GET", path, &response);
    assert_error (&response, SOUP_STATUS_REQUEST_URI_TOO_LONG, "uri_too_long", NULL);
  }
  {
    g_auto(Response) response = { 0 };

    g_free (path);
    path = g_strconcat ("/v1/health?x=", ok_query, NULL);
    get (fixture, "GET", path, &response);
    g_assert_cmpuint (response.status, ==, SOUP_STATUS_OK);
  }
}

static gboolean
accept_certificate_cb (SoupMessage         *message,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  /* The test's own self-signed certificate: the only one expected is "unknown CA". */
  return (errors & ~(G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY)) == 0;
}

/* A self-signed certificate for 127.0.0.1 in dir, or FALSE after marking the test skipped. */
static gboolean
make_certificate (const char *dir,
                  char      **cert_path,
                  char      **key_path)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed (Debian package openssl)");
      return FALSE;
    }
  *cert_path = g_build_filename (dir, "cert.pem", NULL);
  *key_path = g_build_filename (dir, "key.pem", NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", *key_path, "-out", *cert_path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                  &err, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl req failed: %s", err);
  return TRUE;
}

static void
test_tls_errors (void)
{
  g_autoptr(PmApiServer) server = pm_test_api_server_new (NULL);
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *missing = g_build_filename (dir, "missing.pem", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.pem", NULL);

  if (!make_certificate (dir, &cert, &key))
    return;
  write_file (garbage, "not PEM at all\n", -1);

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_api_server_set_tls (server, missing, key, &error));
    g_assert_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS);
    pm_test_assert_contains (error->message, "--tls-cert ");
    pm_test_assert_contains (error->message, missing);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_api_server_set_tls (server, cert, missing, &error));
    pm_test_assert_contains (error->message, "--tls-key ");
    pm_test_assert_contains (error->message, missing);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_api_server_set_tls (server, garbage, key, &error));
    pm_test_assert_contains (error->message, garbage);
  }
  {
    g_autoptr(GError) error = NULL;

    /* A certificate where the key should be. */
    g_assert_false (pm_api_server_set_tls (server, cert, cert, &error));
    pm_test_assert_contains (error->message, "--tls-key ");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (pm_api_server_set_tls (server, cert, key, &error));
    g_assert_no_error (error);
  }
}

static void
test_tls_serve (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *plain_url = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autoptr(GError) error = NULL;

  if (!make_certificate (dir, &cert, &key))
    return;
  pm_api_server_set_tls (fixture->server, cert, key, &error);
  g_assert_no_error (error);
  fixture_start (fixture);
  g_assert_true (g_str_has_prefix (pm_api_server_get_url (fixture->server), "https://127.0.0.1:"));
  url = g_strconcat (pm_api_server_get_url (fixture->server), "/v1/health", NULL);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;
      g_autofree char *text = NULL;

      g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
      body = soup_session_send_and_read (fixture->session, message, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      pm_test_assert_contains (text, "\"status\":\"ok\"");

      if (round == 1)
        break;

      /* Plain HTTP to the TLS port fails that request alone. */
      plain_url = g_strdup_printf ("http://127.0.0.1:%u/v1/health",
                                   pm_api_server_get_port (fixture->server));
      {
        g_autoptr(SoupSession) session = pm_test_session_new ();
        g_autoptr(SoupMessage) plain = soup_message_new ("GET", plain_url);
        g_autoptr(GBytes) reply = NULL;
        g_autoptr(GError) plain_error = NULL;

        soup_session_set_timeout (session, 10);
        reply = soup_session_send_and_read (session, plain, NULL, &plain_error);
        g_assert_true (plain_error != NULL
                       || !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (plain)));
        g_test_message ("plain HTTP to the TLS port: %s",
                        plain_error != NULL ? plain_error->message : "an error status");
      }
    }

  /* And a certificate is refused unless accepted. */
  {
    g_autoptr(SoupSession) session = pm_test_session_new ();
    g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) tls_error = NULL;

    body = soup_session_send_and_read (session, message, NULL, &tls_error);
    g_assert_nonnull (tls_error);
  }

  if (curl == NULL)
    {
      g_test_message ("curl not installed: HTTPS checked with libsoup only");
      return;
    }
  {
    const char *argv[] = { curl, "-sSk", "--noproxy", "*", "--max-time", "10", url, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                  &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("curl -k %s failed: %s", url, err);
    pm_test_assert_contains (out, "\"status\":\"ok\"");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/api-http/metrics/content", Fixture, NULL, fixture_set_up, test_metrics_content,
              fixture_tear_down);
  g_test_add ("/api-http/metrics/source-down", Fixture, NULL, fixture_set_up,
              test_metrics_source_down, fixture_tear_down);
  g_test_add ("/api-http/metrics/histogram", Fixture, NULL, fixture_set_up,
              test_metrics_histogram, fixture_tear_down);
  g_test_add ("/api-http/metrics/routing", Fixture, "routing", fixture_set_up,
              test_metrics_routing, fixture_tear_down);
  g_test_add_func ("/api-http/metrics/no-snapshot", test_metrics_no_snapshot);
  g_test_add ("/api-http/edges/serve", Fixture, NULL, fixture_set_up, test_edges_serve,
              fixture_tear_down);
  g_test_add ("/api-http/edges/large", Fixture, NULL, fixture_set_up, test_edges_large,
              fixture_tear_down);
  g_test_add ("/api-http/edges/refuse", Fixture, NULL, fixture_set_up, test_edges_refuse,
              fixture_tear_down);
  g_test_add ("/api-http/edges/raw", Fixture, NULL, fixture_set_up, test_edges_raw,
              fixture_tear_down);
  g_test_add ("/api-http/limits/body", Fixture, NULL, fixture_set_up, test_limits_body,
              fixture_tear_down);
  g_test_add ("/api-http/limits/uri", Fixture, NULL, fixture_set_up, test_limits_uri,
              fixture_tear_down);
  g_test_add ("/api-http/keep-alive", Fixture, NULL, fixture_set_up, test_keep_alive,
              fixture_tear_down);
  g_test_add_func ("/api-http/tls/errors", test_tls_errors);
  g_test_add ("/api-http/tls/serve", Fixture, NULL, fixture_set_up, test_tls_serve,
              fixture_tear_down);

  return g_test_run ();
}
