/* test-shared-catalog.c: two real `premirror --headless` consoles sharing one catalogue in a real
 * 3-member etcd cluster on loopback ports: an approval through one console's API shows in the
 * other's within a second; two operators approving one proposal through both start one job; the
 * etcd leader killed (writes go on), then a second member (both consoles read-only, nothing
 * acknowledged lost, catching up after the restart); the console running the jobs killed with
 * SIGKILL in the middle of a transfer (the other takes over and the replica ends in sync once);
 * a single console's SQLite catalogue imported.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <unistd.h>

#include "mirror/pm-catalog-etcd.h"
#include "mirror/pm-catalog-sqlite.h"
#include "pm-test-etcd.h"
#include "pm-test-console.h"
#include "pm-test-nginx.h"
#include "pm-test-util.h"

#define BIG_BYTES (96 * 1048576)
#define N_CONSOLES 2

typedef struct
{
  PmTestEtcd   *cluster;
  PmTestNginx  *nginx;
  char         *dir;
  char         *topology;
  char         *resources;
  char         *catalog;     /* etcd:…?prefix=… */
  PmTestConsole consoles[N_CONSOLES];
  SoupSession  *session;
} Fixture;

/* Starts console i on the shared catalogue (extra: one more option and its value, or NULL). */
static void
start_console (Fixture    *f,
               guint       i,
               const char *extra,
               const char *extra_value)
{
  pm_test_console_start (&f->consoles[i], f->topology, f->resources, "--catalog", f->catalog,
                         extra, extra_value, NULL);
}

static void
set_up (Fixture      *f,
        gconstpointer data)
{
  static guint n;
  g_autoptr(GError) error = NULL;

  f->cluster = pm_test_etcd_start (3, &error);
  if (f->cluster == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_test_skip (error->message);
      return;
    }
  /* The edge lon is a WebDAV server both consoles copy to, at 32 MiB/s so that a transfer
   * can be interrupted. */
  f->nginx = pm_test_nginx_new ("limit_rate 32m;", &error);
  if (f->nginx == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  f->dir = pm_test_make_temp_dir ();
  f->topology = pm_test_write_chain_topology (pm_test_nginx_get_url (f->nginx));
  f->resources = pm_test_write_chain_resources ();
  f->catalog = g_strdup_printf ("etcd:%s?prefix=/shared-%d-%u/",
                                pm_test_etcd_get_endpoints (f->cluster), (int) getpid (), ++n);
  f->session = pm_test_session_new ();
  for (guint i = 0; i < N_CONSOLES; i++)
    {
      PmTestConsole *c = &f->consoles[i];
      g_autofree char *name = g_strdup_printf ("console-%u", i);

      c->data_dir = g_build_filename (f->dir, name, "data", NULL);
      c->config_dir = g_build_filename (f->dir, name, "config", NULL);
      /* Both read the same origin files, as consoles of one NOC would. */
      pm_test_write_origin (c->data_dir, "crl", 2097152);
      pm_test_write_origin (c->data_dir, "big", BIG_BYTES);
    }
}

static gboolean
skipped (Fixture *f)
{
  return f->cluster == NULL || f->nginx == NULL;
}

static void
tear_down (Fixture      *f,
           gconstpointer data)
{
  for (guint i = 0; i < N_CONSOLES; i++)
    pm_test_console_clear (&f->consoles[i]);
  g_clear_object (&f->session);
  g_clear_pointer (&f->nginx, pm_test_nginx_free);
  g_clear_pointer (&f->cluster, pm_test_etcd_free);
  g_free (f->dir);
  g_free (f->topology);
  g_free (f->resources);
  g_free (f->catalog);
}

static guint
request (Fixture    *f,
         guint       console,
         const char *method,
         const char *path,
         const char *body,
         JsonNode  **reply)
{
  PmTestConsole *c = &f->consoles[console];
  g_autofree char *url = g_strconcat (c->url, path, NULL);

  return pm_test_http_request (f->session, method, url,
                               g_str_equal (method, "GET") ? NULL : c->token, body, reply);
}

/* The object of list in a reply whose integer field equals value, or NULL. */
static JsonObject *
find_by_id (JsonNode   *root,
            const char *list,
            const char *field,
            gint64      value)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (root), list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (json_object_get_int_member_with_default (item, field, -1) == value)
        return item;
    }
  return NULL;
}

static const char *
string_of (JsonObject *object,
           const char *field)
{
  return object != NULL ? json_object_get_string_member_with_default (object, field, "") : "";
}

/* Polls GET path of a console until check says yes; fails after timeout_s. Returns how long it
 * took, in seconds. */
static double
wait_for (Fixture    *f,
          guint       console,
          const char *path,
          gboolean  (*check) (JsonNode *root, gpointer data),
          gpointer    data,
          double      timeout_s)
{
  gint64 start = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(JsonNode) root = NULL;

      if (request (f, console, "GET", path, NULL, &root) == 200 && check (root, data))
        return (g_get_monotonic_time () - start) / 1e6;
      g_assert_cmpfloat ((g_get_monotonic_time () - start) / 1e6, <, timeout_s);
      g_usleep (2000);
    }
}

static gboolean
versions_known_cb (JsonNode *root,
                   gpointer  data)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (root), "resources");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *version = json_object_get_member (json_array_get_object_element (array, i),
                                                   "version");

      if (version == NULL || json_node_is_null (version))
        return FALSE;
    }
  return json_array_get_length (array) > 0;
}

/* Starts every console and waits until each knows the origin files' versions. */
static void
start_consoles (Fixture *f)
{
  for (guint i = 0; i < N_CONSOLES; i++)
    start_console (f, i, NULL, NULL);
  for (guint i = 0; i < N_CONSOLES; i++)
    wait_for (f, i, "/v1/resources", versions_known_cb, NULL, 60);
}

static gboolean
catalog_state_cb (JsonNode *root,
                  gpointer  data)
{
  return g_strcmp0 (string_of (json_node_get_object (root), "catalog"), data) == 0;
}

typedef struct
{
  gint64      id;
  const char *state;
} Expected;

static gboolean
proposal_state_cb (JsonNode *root,
                   gpointer  data)
{
  Expected *expected = data;

  return g_strcmp0 (string_of (find_by_id (root, "proposals", "id", expected->id), "state"),
                    expected->state) == 0;
}

static gboolean
job_state_cb (JsonNode *root,
              gpointer  data)
{
  Expected *expected = data;

  return g_strcmp0 (string_of (find_by_id (root, "jobs", "id", expected->id), "state"),
                    expected->state) == 0;
}

/* A proposal written into the shared catalogue as a third console's planner would. */
static gint64
propose (Fixture    *f,
         const char *resource)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCatalog) catalog = pm_catalog_etcd_open (f->catalog, &error);
  PmProposal proposal = { .resource = (char *) resource, .site = (char *) "lon",
                          .users_site = (char *) "lon", .probability = 0.6, .bytes = 2097152,
                          .benefit = 100, .score = 1, .reason = (char *) "scripted" };
  gint64 id;

  g_assert_no_error (error);
  id = pm_catalog_upsert_proposal (catalog, &proposal, g_get_real_time () / G_USEC_PER_SEC,
                                   &error);
  g_assert_no_error (error);
  return id;
}

typedef struct
{
  Fixture *fixture;
  guint    console;
  gint64   proposal;
  gint    *ready;
  guint    status;
} Approval;

static gpointer
approve_thread (gpointer data)
{
  Approval *approval = data;
  g_autofree char *path = g_strdup_printf ("/v1/proposals/%" G_GINT64_FORMAT "/approve",
                                           approval->proposal);
  Fixture copy = *approval->fixture;

  /* A session per thread. */
  copy.session = pm_test_session_new ();
  g_atomic_int_inc (approval->ready);
  while (g_atomic_int_get (approval->ready) < 2)
    g_thread_yield ();
  approval->status = request (&copy, approval->console, "POST", path, "{\"reason\": \"storm\"}",
                              NULL);
  g_object_unref (copy.session);
  return NULL;
}

/* An approval in A shows in B; an approval of one proposal in A and B at once starts one job. */
static void
test_approvals (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(JsonNode) jobs_a = NULL;
  g_autoptr(JsonNode) jobs_b = NULL;
  g_autofree char *approve = NULL;
  Expected expected;
  gint64 first, second;
  double seen_after;
  Approval approvals[N_CONSOLES];
  GThread *threads[N_CONSOLES];
  gint ready = 0;
  guint ok = 0, conflict = 0, n_jobs = 0;
  JsonArray *array;

  if (skipped (f))
    return;
  start_consoles (f);

  first = propose (f, "crl");
  expected = (Expected) { first, "pending" };
  wait_for (f, 1, "/v1/proposals", proposal_state_cb, &expected, 5);
  approve = g_strdup_printf ("/v1/proposals/%" G_GINT64_FORMAT "/reject", first);
  g_assert_cmpuint (request (f, 0, "POST", approve, "{\"reason\": \"not now\"}", NULL), ==, 200);
  expected.state = "rejected";
  seen_after = wait_for (f, 1, "/v1/proposals", proposal_state_cb, &expected, 1.0);
  g_test_message ("A's decision showed in B's API after %.1f ms", seen_after * 1000);

  second = propose (f, "crl");
  for (guint i = 0; i < N_CONSOLES; i++)
    {
      approvals[i] = (Approval) { f, i, second, &ready, 0 };
      threads[i] = g_thread_new ("approve", approve_thread, &approvals[i]);
    }
  for (guint i = 0; i < N_CONSOLES; i++)
    {
      g_thread_join (threads[i]);
      ok += approvals[i].status == 200;
      conflict += approvals[i].status == 409;
    }
  g_assert_cmpuint (ok, ==, 1);
  g_assert_cmpuint (conflict, ==, 1);
  g_assert_cmpuint (request (f, 0, "GET", "/v1/jobs", NULL, &jobs_a), ==, 200);
  array = json_object_get_array_member (json_node_get_object (jobs_a), "jobs");
  for (guint i = 0; i < json_array_get_length (array); i++)
    n_jobs += json_object_get_int_member (json_array_get_object_element (array, i), "proposal")
              == second;
  g_assert_cmpuint (n_jobs, ==, 1);
  g_assert_cmpuint (request (f, 1, "GET", "/v1/jobs", NULL, &jobs_b), ==, 200);
  g_assert_nonnull (find_by_id (jobs_b, "jobs", "proposal", second));
}

static gint64
mirror_now (Fixture    *f,
            guint       console,
            const char *resource,
            const char *site,
            guint       expected_status)
{
  g_autofree char *body = g_strdup_printf ("{\"resource\": \"%s\", \"site\": \"%s\"}", resource,
                                           site);
  g_autoptr(JsonNode) reply = NULL;
  guint status = request (f, console, "POST", "/v1/mirror", body, &reply);
  g_autofree char *text = reply != NULL ? json_to_string (reply, FALSE) : g_strdup ("");

  g_test_message ("POST /v1/mirror answered %u: %s", status, text);
  g_assert_cmpuint (status, ==, expected_status);
  if (expected_status != 200)
    return 0;
  return json_object_get_int_member (json_node_get_object (reply), "job");
}

/* The etcd leader dies: writes go on. A second member dies: both consoles say read-only and
 * refuse decisions, keeping what they showed; after the restart they catch up. */
static void
test_quorum (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  int leader;
  guint other;
  gint64 before, during, after;
  Expected expected;

  if (skipped (f))
    return;
  start_consoles (f);
  before = mirror_now (f, 0, "crl", "ams", 200);

  leader = pm_test_etcd_find_leader (f->cluster);
  g_assert_cmpint (leader, >=, 0);
  g_assert_true (pm_test_etcd_kill_member (f->cluster, (guint) leader, &error));
  g_assert_no_error (error);
  during = mirror_now (f, 1, "big", "ams", 200);
  g_assert_cmpint (during, >, before);

  other = ((guint) leader + 1) % 3;
  g_assert_true (pm_test_etcd_kill_member (f->cluster, other, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N_CONSOLES; i++)
    {
      double took = wait_for (f, i, "/v1/health", catalog_state_cb, (gpointer) "read_only", 10);

      g_test_message ("console %u read-only %.1f s after quorum was lost", i, took);
    }
  /* A decision is refused, clearly; what was acknowledged is still shown. */
  mirror_now (f, 0, "big", "lon", 503);
  g_assert_cmpuint (request (f, 1, "GET", "/v1/jobs", NULL, &jobs), ==, 200);
  g_assert_nonnull (find_by_id (jobs, "jobs", "id", before));
  g_assert_nonnull (find_by_id (jobs, "jobs", "id", during));

  g_assert_true (pm_test_etcd_restart_member (f->cluster, (guint) leader, &error));
  g_assert_no_error (error);
  g_assert_true (pm_test_etcd_restart_member (f->cluster, other, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N_CONSOLES; i++)
    wait_for (f, i, "/v1/health", catalog_state_cb, (gpointer) "ok", 20);
  after = mirror_now (f, 1, "big", "lon", 200);
  expected = (Expected) { after, "queued" };
  /* Console 0 sees what console 1 did after the outage, and nothing was lost before it. */
  wait_for (f, 0, "/v1/jobs", job_state_cb, &expected, 5);
  g_clear_pointer (&jobs, json_node_unref);
  g_assert_cmpuint (request (f, 0, "GET", "/v1/jobs", NULL, &jobs), ==, 200);
  g_assert_nonnull (find_by_id (jobs, "jobs", "id", before));
  g_assert_nonnull (find_by_id (jobs, "jobs", "id", during));
}

/* How much of the cluster is down when a console starts, and what the console says. */
typedef struct
{
  guint       n_down;
  const char *state;
} DownAtStart;

static const DownAtStart all_down = { 3, "unreachable" };
static const DownAtStart quorum_down = { 2, "read_only" };

/* Every member, or two of three, down when a console starts: it starts all the same, says so
 * and takes no decision; once the cluster is back it reads the catalogue, records its
 * resources and origin versions, and takes decisions. */
static void
test_down_at_start (Fixture      *f,
                    gconstpointer data)
{
  const DownAtStart *down = data;
  g_autoptr(GError) error = NULL;
  double took;

  if (skipped (f))
    return;
  for (guint m = 0; m < down->n_down; m++)
    g_assert_true (pm_test_etcd_kill_member (f->cluster, m, &error));
  start_console (f, 0, NULL, NULL);
  wait_for (f, 0, "/v1/health", catalog_state_cb, (gpointer) down->state, 10);
  mirror_now (f, 0, "crl", "ams", 503);

  pm_test_etcd_restart_all (f->cluster, &error);
  g_assert_no_error (error);
  took = wait_for (f, 0, "/v1/health", catalog_state_cb, (gpointer) "ok", 30);
  g_test_message ("the console took changes %.1f s after the cluster was healthy", took);
  wait_for (f, 0, "/v1/resources", versions_known_cb, NULL, 60);
  mirror_now (f, 0, "crl", "ams", 200);
}

static gboolean
copying_cb (JsonNode *root,
            gpointer  data)
{
  JsonObject *job = find_by_id (root, "jobs", "id", *(gint64 *) data);
  JsonNode *progress = job != NULL ? json_object_get_member (job, "progress") : NULL;

  return progress != NULL && !json_node_is_null (progress)
         && json_object_get_int_member (json_node_get_object (progress), "bytes_done") > 0;
}

static gboolean
big_in_sync_at_lon_cb (JsonNode *root,
                       gpointer  data)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (root), "replicas");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *replica = json_array_get_object_element (array, i);

      if (g_str_equal (string_of (replica, "resource"), "big")
          && g_str_equal (string_of (replica, "site"), "lon"))
        return g_str_equal (string_of (replica, "state"), "in_sync");
    }
  return FALSE;
}

/* The console running the jobs is killed mid-transfer: the other takes over once its lease
 * expires, and the replica ends in sync, from one job. */
static void
test_executor_killed (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(JsonNode) jobs = NULL;
  Expected expected;
  gint64 id;
  double took;
  JsonArray *array;
  guint n_jobs = 0;

  if (skipped (f))
    return;
  /* Console 0 starts first, alone, and is elected. */
  start_consoles (f);
  id = mirror_now (f, 1, "big", "lon", 200);
  /* The transfer runs in console 0, the executor: only it reports progress. */
  wait_for (f, 0, "/v1/jobs", copying_cb, &id, 60);
  pm_test_console_stop (&f->consoles[0], SIGKILL);

  expected = (Expected) { id, "done" };
  took = wait_for (f, 1, "/v1/jobs", job_state_cb, &expected, 120);
  g_test_message ("the job was done %.1f s after the executor was killed", took);
  wait_for (f, 1, "/v1/replicas", big_in_sync_at_lon_cb, NULL, 1);
  g_assert_cmpuint (request (f, 1, "GET", "/v1/jobs", NULL, &jobs), ==, 200);
  array = json_object_get_array_member (json_node_get_object (jobs), "jobs");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *other = json_array_get_object_element (array, i);

      n_jobs += g_str_equal (string_of (other, "resource"), "big")
                && g_str_equal (string_of (other, "site"), "lon");
    }
  g_assert_cmpuint (n_jobs, ==, 1);
}

/* A single console's SQLite catalogue moves into the shared one at a console's start. */
static void
test_import (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(PmCatalog) sqlite = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmResources) resources = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) proposals = NULL;
  g_autoptr(JsonNode) decisions = NULL;
  g_autoptr(JsonNode) jobs = NULL;
  PmProposal proposal = { .resource = (char *) "crl", .site = (char *) "lon",
                          .users_site = (char *) "lon", .probability = 0.4, .bytes = 2097152,
                          .benefit = 10, .score = 1, .reason = (char *) "before the move" };
  PmJobSpec spec = { .version = 1, .bytes = 2097152, .priority = 1 };
  gint64 rejected, job;

  if (skipped (f))
    return;
  path = g_build_filename (f->dir, "old.sqlite", NULL);
  sqlite = pm_catalog_sqlite_open (path, &error);
  g_assert_no_error (error);
  topology = pm_topology_new_from_file (f->topology, &error);
  g_assert_no_error (error);
  resources = pm_resources_new_from_file (f->resources, topology, &error);
  g_assert_no_error (error);
  g_assert_true (pm_catalog_sync_resources (sqlite, resources, &error));
  rejected = pm_catalog_upsert_proposal (sqlite, &proposal, 100, &error);
  g_assert_no_error (error);
  pm_catalog_decide (sqlite, rejected, FALSE, "alice", "drill", NULL, 110, &error);
  g_assert_no_error (error);
  memset (spec.sha256, 'a', 64);
  job = pm_catalog_mirror_now (sqlite, "big", "ams", "alice", "by hand", &spec, 120, &error);
  g_assert_no_error (error);
  g_clear_object (&sqlite);

  uri = g_strconcat ("sqlite:", path, NULL);
  start_console (f, 0, "--import-catalog", uri);
  g_assert_cmpuint (request (f, 0, "GET", "/v1/proposals", NULL, &proposals), ==, 200);
  g_assert_cmpstr (string_of (find_by_id (proposals, "proposals", "id", rejected), "state"), ==,
                   "rejected");
  g_assert_cmpuint (request (f, 0, "GET", "/v1/decisions", NULL, &decisions), ==, 200);
  g_assert_nonnull (find_by_id (decisions, "decisions", "proposal", rejected));
  g_assert_cmpuint (request (f, 0, "GET", "/v1/jobs", NULL, &jobs), ==, 200);
  g_assert_nonnull (find_by_id (jobs, "jobs", "id", job));

  /* Another console started later on the same catalogue sees them too; a new proposal does
   * not reuse an imported id. */
  start_console (f, 1, NULL, NULL);
  g_assert_cmpint (propose (f, "big"), >, rejected);
  g_clear_pointer (&decisions, json_node_unref);
  g_assert_cmpuint (request (f, 1, "GET", "/v1/decisions", NULL, &decisions), ==, 200);
  g_assert_nonnull (find_by_id (decisions, "decisions", "proposal", rejected));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/shared-catalog/approvals", Fixture, NULL, set_up, test_approvals, tear_down);
  g_test_add ("/shared-catalog/quorum", Fixture, NULL, set_up, test_quorum, tear_down);
  g_test_add ("/shared-catalog/executor-killed", Fixture, NULL, set_up, test_executor_killed,
              tear_down);
  g_test_add ("/shared-catalog/import", Fixture, NULL, set_up, test_import, tear_down);
  g_test_add ("/shared-catalog/down-at-start/all", Fixture, &all_down, set_up,
              test_down_at_start, tear_down);
  g_test_add ("/shared-catalog/down-at-start/quorum", Fixture, &quorum_down, set_up,
              test_down_at_start, tear_down);

  return g_test_run ();
}
