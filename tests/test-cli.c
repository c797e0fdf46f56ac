/* test-cli.c: the premirror executable's command line: --version, --headless until SIGTERM,
 * a clear message with exit status 1 for a bad topology, and --api: the "api:" line, a real
 * request to it, bad and busy addresses, and none. Needs no display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>

#include "pm-test-util.h"

static const char *
premirror_path (void)
{
  const char *path = g_getenv ("PM_PREMIRROR");

  g_assert_nonnull (path);
  return path;
}

static GSubprocess *
spawn (GError **error,
       ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) premirror_path ());
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

static void
test_cli_version (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--version", NULL);
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_true (g_str_has_prefix (out, "premirror "));
}

static void
test_cli_headless_until_sigterm (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--source", "sim:?seed=3&speed=600",
                                          "--api", "127.0.0.1:0", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *api_line = NULL;
  g_autofree char *line = NULL;
  g_autofree char *edges = g_build_filename (data_dir, "edges", NULL);

  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  api_line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (api_line);
  g_assert_true (g_str_has_prefix (api_line, "api: http://127.0.0.1:"));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "engine: "));
  g_assert_nonnull (strstr (line, "seed 3"));
  g_assert_true (g_file_test (edges, G_FILE_TEST_IS_DIR));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
test_cli_bad_topology (void)
{
  g_autofree char *path = pm_test_write_temp_file ("net.geojson",
                                                   "{\"type\": \"FeatureCollection\", "
                                                   "\"features\": [{\"type\": \"Feature\", "
                                                   "\"properties\": {}, \"geometry\": "
                                                   "{\"type\": \"Point\", \"coordinates\": "
                                                   "[8.6, 50.1]}}]}");
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--topology", path, NULL);
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, path));
  g_assert_nonnull (strstr (err, "feature 0"));
  g_assert_nonnull (strstr (err, "“id”"));
}

static void
test_cli_unknown_source (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--source", "sim:?speed=-5", NULL);
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_true (g_str_has_prefix (err, "premirror: "));
  g_assert_nonnull (strstr (err, "speed"));
}

/* Catalogues that cannot be: an unknown scheme, an import into the embedded one or into an etcd
 * without a member answering (a console on one starts, and says so: see test-shared-catalog).
 * Each is refused with the URI in the message. */
static void
test_cli_bad_catalogs (void)
{
  /* Options and values (NULL ends them early), then what the message must name. */
  const char *const cases[][5] = {
    { "--catalog", "mongo:localhost", NULL, NULL, "mongo:localhost" },
    { "--import-catalog", "sqlite:/nonexistent/old.sqlite", NULL, NULL, "shared one" },
    { "--catalog", "etcd:http://127.0.0.1:1", "--import-catalog", "sqlite:/x.sqlite",
      "http://127.0.0.1:1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data_dir = pm_test_make_temp_dir ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                              "--api", "none", cases[i][0], cases[i][1],
                                              cases[i][2], cases[i][3], NULL);
      g_autofree char *err = NULL;

      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_test_message ("%s %s: %s", cases[i][0], cases[i][1], err);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
      /* The error, after what the console logged on its way. */
      g_assert_true (g_str_has_prefix (err, "premirror: ") || strstr (err, "\npremirror: "));
      g_assert_nonnull (strstr (err, cases[i][4]));
    }
}

/* The port of an "api: http://127.0.0.1:PORT" line, or 0 when the line is anything else. */
static guint
api_line_port (const char *line)
{
  g_autoptr(GRegex) regex = g_regex_new ("^api: http://127\\.0\\.0\\.1:([0-9]+)$", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *port = NULL;

  if (line == NULL || !g_regex_match (regex, line, 0, &match))
    return 0;
  port = g_match_info_fetch (match, 1);
  return (guint) g_ascii_strtoull (port, NULL, 10);
}

static void
assert_terminates_cleanly (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* /v1/health of a headless console that was just spawned: its first line names the port. */
static JsonObject *
get_health (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = NULL;
  guint port;

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  port = api_line_port (line);
  if (port == 0)
    g_error ("expected “api: http://127.0.0.1:PORT” first, got “%s”", line);

  /* The line comes once the server listens: the request needs no retry. */
  url = g_strdup_printf ("http://127.0.0.1:%u/v1/health", port);
  message = soup_message_new ("GET", url);
  soup_session_set_proxy_resolver (session, NULL);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (root));
}

static void
test_cli_api_health (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--api", "127.0.0.1:0", NULL);
  g_autoptr(JsonObject) health = NULL;

  g_assert_no_error (error);
  health = get_health (process);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (health, "now"), >, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (health, "feeds")), ==, 0);

  assert_terminates_cleanly (process);
}

/* --source csv:FILE and --events (a file and an address nothing answers at): /v1/health tells
 * where the metrics come from and how each feed is doing. */
static void
test_cli_inputs (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *csv = pm_test_write_temp_file ("metrics.csv",
    "timestamp,segment,latency_ms,jitter_ms,loss_ratio\n"
    "1767571200,fra--ams,6.5,0.4,0\n");
  g_autofree char *source = g_strconcat ("csv:", csv, NULL);
  g_autofree char *ics = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "data", "feeds",
                                           "maintenance.ics", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--api", "127.0.0.1:0", "--source", source,
                                          "--events", ics,
                                          "--events", "http://127.0.0.1:1/alerts.geojson", NULL);
  g_autoptr(JsonObject) health = NULL;
  JsonObject *metrics, *file_feed, *url_feed;
  JsonArray *feeds;

  g_assert_no_error (error);
  health = get_health (process);
  metrics = json_object_get_object_member (health, "source");
  pm_test_assert_contains (json_object_get_string_member (metrics, "description"),
                           "metrics.csv");
  feeds = json_object_get_array_member (health, "feeds");
  g_assert_cmpuint (json_array_get_length (feeds), ==, 2);
  file_feed = json_array_get_object_element (feeds, 0);
  url_feed = json_array_get_object_element (feeds, 1);
  g_assert_cmpstr (json_object_get_string_member (file_feed, "location"), ==, ics);
  g_assert_cmpstr (json_object_get_string_member (file_feed, "state"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (file_feed, "events"), >, 0);
  g_assert_true (json_object_get_null_member (file_feed, "error"));
  g_assert_cmpstr (json_object_get_string_member (url_feed, "state"), ==, "failed");
  pm_test_assert_contains (json_object_get_string_member (url_feed, "error"),
                           "http://127.0.0.1:1/alerts.geojson");

  assert_terminates_cleanly (process);
}

static void
test_cli_api_none (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--api", "none", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *rest = NULL;

  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "engine: "));

  /* Still running without an API: it stops on SIGTERM like any headless engine. */
  assert_terminates_cleanly (process);
  rest = g_data_input_stream_read_upto (out, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (rest != NULL ? rest : "", "api:"));
}

static void
assert_api_refused (const char *address,
                    const char *message_part)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--api", address, NULL);
  g_autofree char *prefix = g_strdup_printf ("premirror: --api %s: ", address);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_cmpstr (out, ==, "");
  if (!g_str_has_prefix (err, prefix) || strstr (err, message_part) == NULL)
    g_error ("--api %s: unexpected message “%s”", address, err);
}

static void
test_cli_api_bad_address (void)
{
  assert_api_refused ("127.0.0.1:99999", "0 to 65535");
  assert_api_refused ("localhost:8470", "numeric IP address");
  assert_api_refused ("::1:8470", "brackets");
}

/* premirror --headless with args exits 1 and says what is wrong on stderr (every fragment). */
static void
assert_refused (const char *const *args,
                const char *const *fragments)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) premirror_path ());
  g_ptr_array_add (argv, (gpointer) "--headless");
  g_ptr_array_add (argv, (gpointer) "--api=127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  for (guint i = 0; fragments[i] != NULL; i++)
    if (strstr (err, fragments[i]) == NULL)
      g_error ("%s: “%s” does not say “%s”", args[0], err, fragments[i]);
}

/* The routing options refuse what they cannot use, naming it. */
static void
test_cli_routing_options (void)
{
  g_autofree char *map = pm_test_write_temp_file ("clients.txt",
                                                  "192.0.2.0/24 fra\n"
                                                  "198.51.100.0/33 lon\n");
  g_autofree char *map_line = g_strdup_printf ("%s:2:", map);

  assert_refused ((const char *[]) { "--clients", map, NULL },
                  (const char *[]) { map_line, "198.51.100.0/33", NULL });
  assert_refused ((const char *[]) { "--dns-zone", "bad_zone.example", NULL },
                  (const char *[]) { "bad_zone.example", "zone", NULL });
  assert_refused ((const char *[]) { "--route-margin", "-3", NULL },
                  (const char *[]) { "--route-margin", NULL });
  /* Inputs that cannot be read stop the console where they were given. */
  assert_refused ((const char *[]) { "--events", "/nowhere/notices.ics", NULL },
                  (const char *[]) { "/nowhere/notices.ics", NULL });
  assert_refused ((const char *[]) { "--source", "csv:/nowhere/metrics.csv", NULL },
                  (const char *[]) { "/nowhere/metrics.csv", NULL });
  assert_refused ((const char *[]) { "--source", "prometheus:ftp://example.net", NULL },
                  (const char *[]) { "prometheus:ftp://example.net", NULL });
  assert_refused ((const char *[]) { "--tls-cert", map, NULL },
                  (const char *[]) { "--tls-key", NULL });
}

static void
test_cli_api_in_use (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  g_socket_listener_add_address (listener, wanted, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  address = g_strdup_printf ("127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  assert_api_refused (address, "already in use");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/version", test_cli_version);
  g_test_add_func ("/cli/headless-until-sigterm", test_cli_headless_until_sigterm);
  g_test_add_func ("/cli/bad-topology", test_cli_bad_topology);
  g_test_add_func ("/cli/bad-source", test_cli_unknown_source);
  g_test_add_func ("/cli/bad-catalogs", test_cli_bad_catalogs);
  g_test_add_func ("/cli/api-health", test_cli_api_health);
  g_test_add_func ("/cli/inputs", test_cli_inputs);
  g_test_add_func ("/cli/api-none", test_cli_api_none);
  g_test_add_func ("/cli/api-bad-address", test_cli_api_bad_address);
  g_test_add_func ("/cli/api-in-use", test_cli_api_in_use);
  g_test_add_func ("/cli/routing-options", test_cli_routing_options);

  return g_test_run ();
}
