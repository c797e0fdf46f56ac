/* bench-http.c: GET /v1/route throughput on loopback, measured with wrk, next to two references
 * run in the same invocation:
 *
 *   - a bare libsoup server (libsoup's own listener, one thread) answering a fixed body of the
 *     same size: what the HTTP stack costs without routing. Run twice: with keep-alive, as
 *     libsoup serves by default and as the API does (see pm-api-server.c for how), and answering
 *     "Connection: close", the cost of a connection per request;
 *   - nginx with one worker serving the same body from a static file.
 *
 * The routing API runs as in the console: the API server's own thread, the demo network and
 * resources, tables refreshed from a quiet snapshot. Every request routes the same resource for a
 * different client site in turn (wrk's Lua script cycles through them). Each server gets the same
 * load: wrk with 2 threads and 32 connections, in 5 rounds of 3 s that alternate between the
 * servers (after a 1 s warm-up each); the medians are reported.
 *
 * The figures are printed, never judged. Skips with a message when wrk or nginx is missing.
 *
 * Usage: bench-http
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#include "pm-bench-time.h"
#include "pm-demo.h"
#include "pm-test-nginx.h"
#include "route/pm-api-route.h"
#include "route/pm-api-server.h"
#include "route/pm-client-locator.h"
#include "route/pm-routing.h"

#define NOW      1717200000
#define DURATION "3s"
#define ROUNDS   5

static PmSnapshot *
dup_fixed_snapshot_cb (gpointer data)
{
  return pm_snapshot_ref (data);
}

/* Runs wrk against url (with script, when not NULL) and returns requests per second; 0 when it
 * could not run. */
static double
run_wrk (const char *url,
         const char *script,
         const char *duration)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char *line;
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "wrk");
  g_ptr_array_add (argv, (gpointer) "-t2");
  g_ptr_array_add (argv, (gpointer) "-c32");
  g_ptr_array_add (argv, (gpointer) "-d");
  g_ptr_array_add (argv, (gpointer) duration);
  if (script != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-s");
      g_ptr_array_add (argv, (gpointer) script);
    }
  g_ptr_array_add (argv, (gpointer) url);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &error) || !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("wrk failed: %s %s\n", error->message, err != NULL ? err : "");
      g_ptr_array_unref (argv);
      return 0;
    }
  g_ptr_array_unref (argv);
  if (strstr (out, "Non-2xx") != NULL || strstr (out, "Socket errors") != NULL)
    g_printerr ("wrk reported errors for %s:\n%s", url, out);
  line = strstr (out, "Requests/sec:");
  return line != NULL ? g_ascii_strtod (line + strlen ("Requests/sec:"), NULL) : 0;
}

/* The bare reference: libsoup as its documentation shows it, on a thread of its own. */
typedef struct
{
  GBytes       *body;
  gint          close;  /* atomic: answer "Connection: close" */
  GMainContext *context;
  GMainLoop    *loop;
  char         *url;
  GMutex        lock;
  GCond         cond;
} Bare;

static void
bare_cb (SoupServer        *server,
         SoupServerMessage *message,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Bare *bare = user_data;

  if (g_atomic_int_get (&bare->close))
    soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                  "Connection", "close");
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                    g_bytes_get_data (bare->body, NULL),
                                    g_bytes_get_size (bare->body));
}

static gpointer
bare_thread (gpointer data)
{
  Bare *bare = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (bare->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, bare_cb, bare, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("bare server: %s", error->message);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&bare->lock);
  bare->url = g_uri_to_string (uris->data);
  g_cond_signal (&bare->cond);
  g_mutex_unlock (&bare->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (bare->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (bare->context);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static GBytes *
fetch (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  soup_session_set_proxy_resolver (session, NULL);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  return body;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmResources) resources = NULL;
  g_autoptr(PmSnapshot) snapshot = NULL;
  g_autoptr(PmRouting) routing = NULL;
  g_autoptr(PmClientLocator) locator = NULL;
  g_autoptr(PmApiServer) server = NULL;
  g_autoptr(PmTestNginx) nginx = NULL;
  g_autoptr(GString) lua = g_string_new ("sites = {");
  g_autoptr(GBytes) body = NULL;
  g_autofree char *dir = NULL, *script = NULL, *url = NULL, *file = NULL, *nginx_url = NULL;
  g_autofree char *bare_url = NULL;
  g_autofree char *wrk = g_find_program_in_path ("wrk");
  const char *resource;
  double ours, bare_rps, nginx_rps;
  double ours_runs[ROUNDS], bare_runs[ROUNDS], bare_close_runs[ROUNDS], nginx_runs[ROUNDS];
  double bare_close_rps;
  Bare bare = { 0 };
  GThread *thread;

  if (wrk == NULL)
    {
      printf ("http: skipped: wrk is not installed (Debian package wrk)\n");
      return 0;
    }

  topology = pm_demo_load_topology (&error);
  g_assert_no_error (error);
  resources = pm_demo_load_resources (topology, &error);
  g_assert_no_error (error);
  snapshot = pm_snapshot_new (topology);
  snapshot->time_s = NOW;
  snapshot->predicting = TRUE;
  for (guint e = 0; e < snapshot->n_segments; e++)
    snapshot->segments[e].risk = 0.001;
  routing = pm_routing_new (topology, resources, NULL);
  pm_routing_update (routing, snapshot, NULL);
  locator = pm_client_locator_new (topology, NULL, &error);
  g_assert_no_error (error);
  server = pm_api_server_new (dup_fixed_snapshot_cb, pm_snapshot_ref (snapshot),
                              (GDestroyNotify) pm_snapshot_unref);
  pm_api_route_register (server, routing, locator);
  if (!pm_api_server_start (server, "127.0.0.1:0", &error))
    g_error ("%s", error->message);

  /* Every site in turn is the client. */
  resource = pm_resources_get_resource (resources, 0)->id;
  for (guint s = 0; s < pm_topology_get_n_sites (topology); s++)
    g_string_append_printf (lua, "%s\"%s\"", s == 0 ? "" : ", ",
                            pm_topology_get_site (topology, s)->id);
  /* The references get the same script, with a path of their own: every server pays wrk's
   * per-request Lua alike, and the client shares the two cores with the server. */
  g_string_append (lua,
                   "}\n"
                   "i = 0\n"
                   "request = function()\n"
                   "  i = i + 1\n"
                   "  return wrk.format(nil, wrk.path .. sites[i % #sites + 1])\n"
                   "end\n");
  dir = g_dir_make_tmp ("premirror-bench-http-XXXXXX", &error);
  g_assert_no_error (error);
  script = g_build_filename (dir, "route.lua", NULL);
  g_file_set_contents (script, lua->str, -1, &error);
  g_assert_no_error (error);

  url = g_strdup_printf ("%s/v1/route?resource=%s&site=", pm_api_server_get_url (server),
                         resource);
  {
    g_autofree char *first = g_strconcat (url, pm_topology_get_site (topology, 0)->id, NULL);
    body = fetch (first);
  }

  /* The references answer a body of the same size. */
  bare.body = body;
  bare.context = g_main_context_new ();
  bare.loop = g_main_loop_new (bare.context, FALSE);
  g_mutex_init (&bare.lock);
  g_cond_init (&bare.cond);
  thread = g_thread_new ("bare", bare_thread, &bare);
  g_mutex_lock (&bare.lock);
  while (bare.url == NULL)
    g_cond_wait (&bare.cond, &bare.lock);
  g_mutex_unlock (&bare.lock);

  nginx = pm_test_nginx_new (NULL, &error);
  if (nginx != NULL)
    {
      file = g_build_filename (pm_test_nginx_get_root (nginx), "route.json", NULL);
      g_file_set_contents (file, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
      g_assert_no_error (error);
      nginx_url = g_strconcat (pm_test_nginx_get_url (nginx), "route.json?site=", NULL);
    }
  else
    {
      printf ("http: nginx reference skipped: %s\n", error->message);
    }

  bare_url = g_strconcat (bare.url, "route.json?site=", NULL);
  /* Rounds alternate between the servers, so that whatever else the machine does falls on
   * all of them alike; the medians are compared. */
  run_wrk (url, script, "1s");
  run_wrk (bare_url, script, "1s");
  if (nginx_url != NULL)
    run_wrk (nginx_url, script, "1s");
  for (guint round = 0; round < ROUNDS; round++)
    {
      ours_runs[round] = run_wrk (url, script, DURATION);
      g_atomic_int_set (&bare.close, FALSE);
      bare_runs[round] = run_wrk (bare_url, script, DURATION);
      g_atomic_int_set (&bare.close, TRUE);
      bare_close_runs[round] = run_wrk (bare_url, script, DURATION);
      nginx_runs[round] = nginx_url != NULL ? run_wrk (nginx_url, script, DURATION) : 0;
    }
  ours = pm_bench_median (ours_runs, ROUNDS);
  bare_rps = pm_bench_median (bare_runs, ROUNDS);
  bare_close_rps = pm_bench_median (bare_close_runs, ROUNDS);
  nginx_rps = pm_bench_median (nginx_runs, ROUNDS);

  printf ("http: GET /v1/route on loopback, wrk -t2 -c32 -d%s, %" G_GSIZE_FORMAT
          "-byte answers, %u client sites in turn; median of %u alternating rounds\n",
          DURATION, g_bytes_get_size (body), pm_topology_get_n_sites (topology), ROUNDS);
  printf ("  premirror /v1/route (API thread, keep-alive):        %9.0f requests/s   "
          "%.2f × bare libsoup, %.2f × bare libsoup closing too\n",
          ours, bare_rps > 0 ? ours / bare_rps : 0,
          bare_close_rps > 0 ? ours / bare_close_rps : 0);
  printf ("  bare libsoup, fixed body, keep-alive (reference):   %9.0f requests/s\n", bare_rps);
  printf ("  bare libsoup, fixed body, Connection: close:        %9.0f requests/s\n",
          bare_close_rps);
  if (nginx_url != NULL)
    printf ("  nginx, 1 worker, static file, keep-alive:           %9.0f requests/s   "
            "%.2f × bare libsoup\n", nginx_rps, bare_rps > 0 ? nginx_rps / bare_rps : 0);

  g_main_context_invoke (bare.context, quit_cb, bare.loop);
  g_thread_join (thread);
  g_main_loop_unref (bare.loop);
  g_main_context_unref (bare.context);
  g_free (bare.url);
  pm_api_server_stop (server);
  g_clear_pointer (&nginx, pm_test_nginx_free);
  g_remove (script);
  g_remove (dir);
  return 0;
}
