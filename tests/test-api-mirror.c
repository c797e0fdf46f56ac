/* test-api-mirror.c: the mirroring API of a real `premirror --headless` process: reading
 * resources, replicas, proposals, jobs and decisions; tokens (and one added by
 * `premirror --add-token` while it runs); two operators approving one proposal at once over HTTP;
 * the process killed with SIGKILL in the middle of a transfer to a real nginx, then restarted:
 * the job resumes, once, and the replica is in sync only with the verified digest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>

#include "mirror/pm-catalog-sqlite.h"
#include "mirror/pm-sha256.h"
#include "pm-test-console.h"
#include "pm-test-nginx.h"
#include "pm-test-util.h"

#define BIG_BYTES (96 * 1048576)

typedef struct
{
  char         *dir;
  char         *topology;
  char         *resources;
  PmTestNginx  *nginx;
  PmTestConsole console;
  SoupSession  *session;
} Fixture;

static void
set_up (Fixture      *f,
        gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* Transfers into lon are verified at 32 MiB/s, so that one can be interrupted mid-way. */
  f->nginx = pm_test_nginx_new ("limit_rate 32m;", &error);
  if (f->nginx == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  f->dir = pm_test_make_temp_dir ();
  f->console.data_dir = g_build_filename (f->dir, "data", NULL);
  f->console.config_dir = g_build_filename (f->dir, "config", NULL);
  f->topology = pm_test_write_chain_topology (pm_test_nginx_get_url (f->nginx));
  f->resources = pm_test_write_chain_resources ();
  pm_test_write_origin (f->console.data_dir, "crl", 2097152);
  pm_test_write_origin (f->console.data_dir, "big", BIG_BYTES);
  f->session = soup_session_new ();
  soup_session_set_proxy_resolver (f->session, NULL);
  pm_test_console_start (&f->console, f->topology, f->resources, NULL);
}

static void
tear_down (Fixture      *f,
           gconstpointer data)
{
  pm_test_console_clear (&f->console);
  g_clear_object (&f->session);
  g_clear_pointer (&f->nginx, pm_test_nginx_free);
  g_free (f->dir);
  g_free (f->topology);
  g_free (f->resources);
}

/* One request to the engine's API; returns the status and the parsed JSON reply. */
static guint
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *token,
         const char *body,
         JsonNode  **reply)
{
  g_autofree char *url = g_strconcat (f->console.url, path, NULL);

  return pm_test_http_request (f->session, method, url, token, body, reply);
}

/* The member `list` of GET path, and in it the first object whose fields match. */
static JsonObject *
find_in (JsonNode   *root,
         const char *list,
         const char *field,
         const char *value,
         const char *field2,
         const char *value2)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (root), list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (item, field, ""), value) == 0
          && (field2 == NULL
              || g_strcmp0 (json_object_get_string_member_with_default (item, field2, ""),
                            value2) == 0))
        return item;
    }
  return NULL;
}

/* Polls GET path until check says yes (30 s at most). */
static JsonNode *
wait_for (Fixture    *f,
          const char *path,
          gboolean  (*check) (JsonNode *root, gpointer data),
          gpointer    data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      JsonNode *root = NULL;

      g_assert_cmpuint (request (f, "GET", path, NULL, NULL, &root), ==, 200);
      if (check (root, data))
        return root;
      json_node_unref (root);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (5000);
    }
}

static gboolean
has_version_cb (JsonNode *root,
                gpointer  data)
{
  JsonObject *resource = find_in (root, "resources", "id", data, NULL, NULL);
  return resource != NULL && !json_node_is_null (json_object_get_member (resource, "version"));
}

static gint64
json_id (JsonNode   *root,
         const char *member)
{
  return json_object_get_int_member (json_node_get_object (root), member);
}

static void
test_read_and_authorise (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(JsonNode) resources = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) add = NULL;
  g_autofree char *bob = NULL;
  const char *endpoints[] = { "/v1/replicas", "/v1/proposals", "/v1/jobs", "/v1/decisions" };
  JsonObject *crl;
  char digest[65];
  g_autofree char *origin = g_build_filename (f->console.data_dir, "edges", "fra", "crl", NULL);

  if (f->nginx == NULL)
    return;
  resources = wait_for (f, "/v1/resources", has_version_cb, (gpointer) "big");
  crl = find_in (resources, "resources", "id", "crl", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (crl, "version"), ==, 1);
  g_assert_true (pm_sha256_file (origin, digest, NULL, NULL, &error));
  g_assert_cmpstr (json_object_get_string_member (crl, "sha256"), ==, digest);
  g_assert_cmpstr (json_object_get_string_member (crl, "consistency"), ==, "strong");
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(JsonNode) list = NULL;
      g_assert_cmpuint (request (f, "GET", endpoints[i], NULL, NULL, &list), ==, 200);
      g_assert_true (json_object_has_member (json_node_get_object (list), "now"));
      g_assert_true (json_object_has_member (json_node_get_object (list), endpoints[i] + 4));
    }

  /* Writing needs a token; unknown ids and bad bodies get clear errors. */
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", NULL,
                             "{\"resource\": \"crl\", \"site\": \"lon\"}", NULL), ==, 401);
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", f->console.token, "{\"resource\": \"crl\"}", NULL),
                    ==, 400);
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", f->console.token,
                             "{\"resource\": \"nope\", \"site\": \"lon\"}", NULL), ==, 404);
  g_assert_cmpuint (request (f, "POST", "/v1/proposals/999/approve", f->console.token, NULL, NULL), ==,
                    404);
  g_assert_cmpuint (request (f, "POST", "/v1/proposals/abc/approve", f->console.token, NULL, NULL), ==,
                    404);

  /* A token added while the console runs works at once, under its operator's name. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", f->console.config_dir, TRUE);
  add = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("PM_PREMIRROR"), "--add-token",
                                     "bob", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (add, NULL, NULL, &bob, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (add), ==, 0);
  g_strstrip (bob);
  g_assert_cmpuint (strlen (bob), ==, 64);
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", bob,
                             "{\"resource\": \"big\", \"site\": \"lon\", \"reason\": \"drill\"}",
                             &reply), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "by"), ==, "bob");
  g_clear_pointer (&reply, json_node_unref);
  /* The same again while that job is active (its verification takes seconds): one job per
   * resource and site. */
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", bob,
                             "{\"resource\": \"big\", \"site\": \"lon\"}", &reply), ==, 409);
}

static gboolean
replica_in_sync_cb (JsonNode *root,
                    gpointer  data)
{
  JsonObject *replica = find_in (root, "replicas", "resource", data, "site", "lon");
  return replica != NULL
         && g_strcmp0 (json_object_get_string_member (replica, "state"), "in_sync") == 0;
}

typedef struct
{
  Fixture *fixture;
  gint64   proposal;
  guint    status;
} Approval;

static gpointer
approve_thread (gpointer data)
{
  Approval *approval = data;
  g_autofree char *path = g_strdup_printf ("/v1/proposals/%" G_GINT64_FORMAT "/approve",
                                           approval->proposal);
  Fixture copy = *approval->fixture;

  /* A session per thread: libsoup sessions are not shared between threads. */
  copy.session = soup_session_new ();
  soup_session_set_proxy_resolver (copy.session, NULL);
  approval->status = request (&copy, "POST", path, copy.console.token, "{\"reason\": \"storm\"}", NULL);
  g_object_unref (copy.session);
  return NULL;
}

/* A proposal recorded by another process sharing the catalogue file (WAL): two operators
 * approve it at the same moment; one gets the job, the other 409. */
static void
test_concurrent_approvals (Fixture      *f,
                           gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  g_autoptr(JsonNode) resources = NULL;
  PmProposal proposal = { .resource = (char *) "crl", .site = (char *) "lon",
                          .users_site = (char *) "lon", .probability = 0.6, .bytes = 2097152,
                          .benefit = 100, .score = 1, .reason = (char *) "scripted" };
  Approval approvals[2];
  GThread *threads[2];
  guint ok = 0, conflict = 0, n_jobs = 0;
  JsonArray *array;

  if (f->nginx == NULL)
    return;
  resources = wait_for (f, "/v1/resources", has_version_cb, (gpointer) "crl");
  path = g_build_filename (f->console.data_dir, "catalog.sqlite", NULL);
  catalog = pm_catalog_sqlite_open (path, &error);
  g_assert_no_error (error);
  proposal.id = pm_catalog_upsert_proposal (catalog, &proposal, g_get_real_time () / G_USEC_PER_SEC,
                                            &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      approvals[i] = (Approval) { f, proposal.id, 0 };
      threads[i] = g_thread_new ("approve", approve_thread, &approvals[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      ok += approvals[i].status == 200;
      conflict += approvals[i].status == 409;
    }
  g_assert_cmpuint (ok, ==, 1);
  g_assert_cmpuint (conflict, ==, 1);
  g_assert_cmpuint (request (f, "GET", "/v1/jobs", NULL, NULL, &jobs), ==, 200);
  array = json_object_get_array_member (json_node_get_object (jobs), "jobs");
  for (guint i = 0; i < json_array_get_length (array); i++)
    n_jobs += json_object_get_int_member (json_array_get_object_element (array, i), "proposal")
              == proposal.id;
  g_assert_cmpuint (n_jobs, ==, 1);
  json_node_unref (wait_for (f, "/v1/replicas", replica_in_sync_cb, (gpointer) "crl"));
}

/* The job with that id in a GET /v1/jobs reply, or NULL. */
static JsonObject *
find_job (JsonNode *root,
          gint64    id)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (root), "jobs");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *job = json_array_get_object_element (array, i);
      if (json_object_get_int_member (job, "id") == id)
        return job;
    }
  return NULL;
}

static gboolean
job_copying_cb (JsonNode *root,
                gpointer  data)
{
  JsonObject *job = find_job (root, *(gint64 *) data);
  JsonNode *progress = job != NULL ? json_object_get_member (job, "progress") : NULL;

  return progress != NULL && !json_node_is_null (progress)
         && json_object_get_int_member (json_node_get_object (progress), "bytes_done") > 0;
}

static gboolean
job_done_cb (JsonNode *root,
             gpointer  data)
{
  JsonObject *job = find_job (root, *(gint64 *) data);

  return job != NULL && g_strcmp0 (json_object_get_string_member (job, "state"), "done") == 0;
}

static void
test_killed_mid_transfer (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) replicas = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  g_autoptr(JsonNode) resources = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *served = NULL;
  JsonObject *replica, *big;
  JsonArray *array;
  guint n_jobs = 0;
  char digest[65];
  gint64 job;

  if (f->nginx == NULL)
    return;
  resources = wait_for (f, "/v1/resources", has_version_cb, (gpointer) "big");
  g_assert_cmpuint (request (f, "POST", "/v1/mirror", f->console.token,
                             "{\"resource\": \"big\", \"site\": \"lon\"}", &reply), ==, 200);
  job = json_id (reply, "job");
  json_node_unref (wait_for (f, "/v1/jobs", job_copying_cb, &job));

  /* Killed without a chance to clean up. */
  pm_test_console_stop (&f->console, SIGKILL);
  served = g_build_filename (pm_test_nginx_get_root (f->nginx), "edges", "lon", "big", NULL);
  g_assert_false (g_file_test (served, G_FILE_TEST_EXISTS));

  pm_test_console_start (&f->console, f->topology, f->resources, NULL);
  replicas = NULL;
  g_assert_cmpuint (request (f, "GET", "/v1/replicas", NULL, NULL, &replicas), ==, 200);
  replica = find_in (replicas, "replicas", "resource", "big", "site", "lon");
  g_assert_nonnull (replica);
  g_assert_cmpstr (json_object_get_string_member (replica, "state"), !=, "in_sync");

  json_node_unref (wait_for (f, "/v1/jobs", job_done_cb, &job));
  g_assert_cmpuint (request (f, "GET", "/v1/jobs", NULL, NULL, &jobs), ==, 200);
  array = json_object_get_array_member (json_node_get_object (jobs), "jobs");
  for (guint i = 0; i < json_array_get_length (array); i++)
    n_jobs += g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i),
                                                        "resource"), "big") == 0;
  g_assert_cmpuint (n_jobs, ==, 1);

  g_clear_pointer (&replicas, json_node_unref);
  g_assert_cmpuint (request (f, "GET", "/v1/replicas", NULL, NULL, &replicas), ==, 200);
  replica = find_in (replicas, "replicas", "resource", "big", "site", "lon");
  big = find_in (resources, "resources", "id", "big", NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (replica, "state"), ==, "in_sync");
  g_assert_cmpstr (json_object_get_string_member (replica, "sha256"), ==,
                   json_object_get_string_member (big, "sha256"));
  g_assert_true (pm_sha256_file (served, digest, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (digest, ==, json_object_get_string_member (big, "sha256"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/api-mirror/read-and-authorise", Fixture, NULL, set_up, test_read_and_authorise,
              tear_down);
  g_test_add ("/api-mirror/concurrent-approvals", Fixture, NULL, set_up,
              test_concurrent_approvals, tear_down);
  g_test_add ("/api-mirror/killed-mid-transfer", Fixture, NULL, set_up, test_killed_mid_transfer,
              tear_down);

  return g_test_run ();
}
