/* test-catalog.c: the replica catalogue: schema and reopening, the replica state machine,
 * proposals that are never duplicated, decisions (also two at once), manual mirrors, operators'
 * actions on jobs, the audit trail, recovery after a crash, a writer killed mid-transaction, and
 * files it must refuse.
 *
 * The cases that hold for any backend run twice: on SQLite, and under /catalog/etcd/ on the etcd
 * backend against a real 3-member cluster on loopback ports (each case under its own prefix; two
 * catalogues opened on one prefix are two consoles sharing it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "pm-catalog-etcd.h"
#include "pm-catalog-sqlite.h"
#include "pm-test-etcd.h"
#include "pm-test-util.h"

#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[2.3522,48.8566]},"                 \
  "'properties':{'id':'par','role':'edge','region':'eu-west'}},"                                  \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[8.6821,50.1109]},"                 \
  "'properties':{'id':'fra','role':'origin','region':'eu-central'}},"                             \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.1278,51.5074]},"                \
  "'properties':{'id':'lon','role':'edge','region':'uk-ie'}},"                                    \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--par','a':'fra','b':'par'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"               \
  "'properties':{'id':'fra--lon','a':'fra','b':'lon'}}"                                           \
  "]}"

#define RESOURCES                                                                                 \
  "{'resources':["                                                                                \
  "{'id':'dns','size_bytes':3000,'criticality':5,'consistency':'strong','origin':'fra'},"         \
  "{'id':'fw','size_bytes':6000,'criticality':3,'consistency':'eventual','origin':'fra'}"        \
  "]}"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* The same digest as SHA_B, as some tools print it. */
#define SHA_B_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

/* pm-catalog.h declares none for replicas. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmReplica, pm_replica_free)

static const PmJobSpec spec = { .version = 1, .sha256 = SHA_B, .bytes = 3000, .priority = 2.5,
                                .deadline_s = 600 };

/* The cluster the /catalog/etcd/ cases share, started by the first of them. */
static PmTestEtcd *cluster;
static gboolean    cluster_missing;

/* Runs a backend-agnostic case on the etcd backend: new_path then names a fresh prefix. */
static void
on_etcd (gconstpointer data)
{
  GTestFunc test = (GTestFunc) data;
  g_autoptr(GError) error = NULL;

  if (cluster == NULL && !cluster_missing)
    {
      cluster = pm_test_etcd_start (3, &error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        cluster_missing = TRUE;
      else
        g_assert_no_error (error);
    }
  if (cluster_missing)
    {
      g_test_skip ("etcd is not installed (Debian package etcd-server)");
      return;
    }
  test ();
}

/* A catalogue file path in a folder that does not exist yet; in an etcd case, an etcd URI with
 * a prefix of its own. */
static char *
new_path (void)
{
  static guint n;
  g_autofree char *dir = NULL;

  if (cluster != NULL)
    return g_strdup_printf ("etcd:%s?prefix=/test-catalog-%d-%u/",
                            pm_test_etcd_get_endpoints (cluster), (int) getpid (), ++n);
  dir = pm_test_make_temp_dir ();
  return g_build_filename (dir, "state", "mirror", "catalog.sqlite", NULL);
}

static PmCatalog *
open_catalog (const char *path)
{
  g_autoptr(GError) error = NULL;
  PmCatalog *catalog = g_str_has_prefix (path, "etcd:") ? pm_catalog_etcd_open (path, &error)
                                                        : pm_catalog_sqlite_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

/* A new catalogue knowing the resources "dns" and "fw". */
static PmCatalog *
new_catalog (char **path_out)
{
  g_autofree char *path = new_path ();
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (NETWORK, "network.geojson");
  g_autoptr(GBytes) bytes = pm_test_json_bytes (RESOURCES);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = pm_resources_new_from_bytes (bytes, "resources.json",
                                                                  topology, &error);
  PmCatalog *catalog;

  g_assert_no_error (error);
  catalog = open_catalog (path);
  g_assert_true (pm_catalog_sync_resources (catalog, resources, &error));
  g_assert_no_error (error);
  if (path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return catalog;
}

/* Runs sql on the file directly, as another program would; returns the first column of the
 * first row (or NULL). */
static char *
raw_query (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    result = g_strdup_printf ("error: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static gint64
propose (PmCatalog  *catalog,
         const char *resource,
         const char *site,
         double      probability,
         gint64      now)
{
  g_autoptr(GError) error = NULL;
  PmProposal proposal = {
    .resource = (char *) resource, .site = (char *) site, .users_site = "lon",
    .probability = probability, .eta_s = 3600, .deadline_s = 1800, .bytes = 3000,
    .benefit = 120, .score = probability * 10, .reason = "storm on fra--lon",
    .prediction = "{\"segments\":[\"fra--lon\"]}",
  };
  gint64 id = pm_catalog_upsert_proposal (catalog, &proposal, now, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static PmProposal *
find_proposal (PmCatalog *catalog,
               gint64     id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) proposals = pm_catalog_list_proposals (catalog, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < proposals->len; i++)
    if (((PmProposal *) g_ptr_array_index (proposals, i))->id == id)
      return g_ptr_array_steal_index (proposals, i);
  return NULL;
}

static PmJob *
get_job (PmCatalog *catalog,
         gint64     id)
{
  g_autoptr(GError) error = NULL;
  PmJob *job = pm_catalog_get_job (catalog, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

static guint
count_jobs (PmCatalog  *catalog,
            gint64      proposal,
            const char *site,
            gboolean    active_only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = pm_catalog_list_jobs (catalog, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < jobs->len; i++)
    {
      PmJob *job = g_ptr_array_index (jobs, i);

      if ((proposal == 0 || job->proposal == proposal)
          && (site == NULL || g_str_equal (job->site, site))
          && (!active_only || job->state == PM_JOB_QUEUED || job->state == PM_JOB_RUNNING))
        n++;
    }
  return n;
}

static void
test_schema (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(GError) error = NULL;
  g_autofree char *description = g_strdup_printf ("sqlite:%s", path);
  g_autofree char *user_version = NULL;
  g_autofree char *journal_mode = NULL;
  PmVersion version = { 0 };
  gboolean is_new = FALSE;
  GStatBuf st;

  g_assert_cmpstr (pm_catalog_describe (catalog), ==, description);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (pm_catalog_add_version (catalog, "dns", SHA_A, 3000, 100, &version, &is_new,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_cmpint (version.version, ==, 1);
  pm_version_clear (&version);
  /* The same digest again is not a new version. */
  g_assert_true (pm_catalog_add_version (catalog, "dns", SHA_A, 3000, 200, &version, &is_new,
                                         &error));
  g_assert_false (is_new);
  g_assert_cmpint (version.version, ==, 1);
  g_assert_cmpint (version.created_at, ==, 100);
  pm_version_clear (&version);
  g_assert_true (pm_catalog_add_version (catalog, "dns", SHA_B_UPPER, 3100, 300, &version,
                                         &is_new, &error));
  g_assert_true (is_new);
  g_assert_cmpint (version.version, ==, 2);
  g_assert_cmpstr (version.sha256, ==, SHA_B);
  pm_version_clear (&version);

  g_assert_false (pm_catalog_add_version (catalog, "nope", SHA_A, 1, 1, &version, &is_new,
                                          &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  pm_test_assert_contains (error->message, "nope");
  g_clear_error (&error);
  g_assert_false (pm_catalog_add_version (catalog, "dns", "abc", 1, 1, &version, &is_new,
                                          &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pm_catalog_get_latest_version (catalog, "fw", &version, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Reopened, it is all still there and the schema is not applied twice. */
  g_clear_object (&catalog);
  catalog = open_catalog (path);
  g_assert_true (pm_catalog_get_latest_version (catalog, "dns", &version, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (version.resource, ==, "dns");
  g_assert_cmpint (version.version, ==, 2);
  g_assert_cmpstr (version.sha256, ==, SHA_B);
  g_assert_cmpuint (version.size_bytes, ==, 3100);
  g_assert_cmpint (version.created_at, ==, 300);
  pm_version_clear (&version);
  g_clear_object (&catalog);

  user_version = raw_query (path, "PRAGMA user_version");
  /* 1: the replica catalogue; 2: alert marks and their log. */
  g_assert_cmpstr (user_version, ==, "2");
  journal_mode = raw_query (path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
}

/* The state machine of pm-catalog.h, written out again independently of the implementation. */
static gboolean
edge (PmReplicaState from,
      PmReplicaState to)
{
  static const struct
  {
    PmReplicaState from, to;
  } edges[] = {
    { PM_REPLICA_PLANNED, PM_REPLICA_COPYING },
    { PM_REPLICA_COPYING, PM_REPLICA_VERIFYING },
    { PM_REPLICA_VERIFYING, PM_REPLICA_IN_SYNC },
    { PM_REPLICA_IN_SYNC, PM_REPLICA_STALE },
    { PM_REPLICA_STALE, PM_REPLICA_RETIRING },
    { PM_REPLICA_RETIRING, PM_REPLICA_GONE },
    { PM_REPLICA_PLANNED, PM_REPLICA_FAILED },
    { PM_REPLICA_COPYING, PM_REPLICA_FAILED },
    { PM_REPLICA_VERIFYING, PM_REPLICA_FAILED },
    { PM_REPLICA_FAILED, PM_REPLICA_PLANNED },
    { PM_REPLICA_GONE, PM_REPLICA_PLANNED },
    { PM_REPLICA_COPYING, PM_REPLICA_PLANNED },
    { PM_REPLICA_VERIFYING, PM_REPLICA_PLANNED },
    { PM_REPLICA_STALE, PM_REPLICA_COPYING },
    { PM_REPLICA_IN_SYNC, PM_REPLICA_IN_SYNC },
    { PM_REPLICA_IN_SYNC, PM_REPLICA_RETIRING },
    { PM_REPLICA_PLANNED, PM_REPLICA_GONE },
    { PM_REPLICA_FAILED, PM_REPLICA_GONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
    if (edges[i].from == from && edges[i].to == to)
      return TRUE;
  return FALSE;
}

static void
move (PmCatalog     *catalog,
      const char    *site,
      PmReplicaState from,
      PmReplicaState to,
      gint64         now)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_catalog_move_replica (catalog, "dns", site, from, to, 1, SHA_A, FALSE,
                                          to == PM_REPLICA_FAILED ? "disk full" : NULL, now,
                                          &error));
  g_assert_no_error (error);
}

/* Brings the replica of "dns" at site, which has none, to state along legal edges. */
static void
reach (PmCatalog     *catalog,
       const char    *site,
       PmReplicaState state)
{
  static const PmReplicaState path[] = {
    PM_REPLICA_PLANNED, PM_REPLICA_COPYING, PM_REPLICA_VERIFYING, PM_REPLICA_IN_SYNC,
    PM_REPLICA_STALE, PM_REPLICA_RETIRING, PM_REPLICA_GONE,
  };
  PmReplicaState at = PM_REPLICA_GONE;

  if (state == PM_REPLICA_FAILED)
    {
      move (catalog, site, PM_REPLICA_GONE, PM_REPLICA_PLANNED, 10);
      move (catalog, site, PM_REPLICA_PLANNED, PM_REPLICA_FAILED, 11);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (path) && at != state; i++)
    {
      move (catalog, site, at, path[i], 10 + i);
      at = path[i];
    }
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", site), ==, state);
}

static void
test_replica_transitions (void)
{
  g_autoptr(PmCatalog) catalog = new_catalog (NULL);
  g_autoptr(GError) error = NULL;
  guint n_legal = 0;

  for (PmReplicaState from = PM_REPLICA_PLANNED; from <= PM_REPLICA_FAILED; from++)
    for (PmReplicaState to = PM_REPLICA_PLANNED; to <= PM_REPLICA_FAILED; to++)
      {
        g_autofree char *site = g_strdup_printf ("%s-%s", pm_replica_state_to_string (from),
                                                 pm_replica_state_to_string (to));
        gboolean legal = edge (from, to);

        g_assert_cmpint (pm_replica_state_can_move (from, to), ==, legal);
        reach (catalog, site, from);
        if (legal)
          {
            g_autoptr(PmReplica) replica = NULL;

            move (catalog, site, from, to, 1000);
            g_assert_cmpint (pm_test_replica_state (catalog, "dns", site), ==, to);
            n_legal++;
            /* What each target state keeps. */
            replica = pm_test_find_replica (catalog, "dns", site);
            if (to == PM_REPLICA_IN_SYNC)
              {
                g_assert_cmpint (replica->verified_at, ==, 1000);
                g_assert_null (replica->error);
              }
            if (to == PM_REPLICA_FAILED)
              g_assert_cmpstr (replica->error, ==, "disk full");
            if (to == PM_REPLICA_GONE)
              g_assert_cmpint (replica->version, ==, 0);
            else
              {
                g_assert_cmpint (replica->version, ==, 1);
                g_assert_cmpstr (replica->sha256, ==, SHA_A);
              }
          }
        else
          {
            g_assert_false (pm_catalog_move_replica (catalog, "dns", site, from, to, 1, SHA_A,
                                                     FALSE, NULL, 1000, &error));
            g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_ILLEGAL);
            g_clear_error (&error);
            g_assert_cmpint (pm_test_replica_state (catalog, "dns", site), ==, from);
          }
      }
  g_assert_cmpuint (n_legal, ==, 18);
  g_assert_false (pm_replica_state_can_move (PM_REPLICA_FAILED + 1, PM_REPLICA_PLANNED));

  /* Compare-and-set: the replica is not where the caller thinks; a missing one is gone. */
  g_assert_false (pm_catalog_move_replica (catalog, "dns", "copying-failed", PM_REPLICA_COPYING,
                                           PM_REPLICA_VERIFYING, 1, SHA_A, FALSE, NULL, 2000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "copying-failed"), ==, PM_REPLICA_FAILED);
  g_assert_false (pm_catalog_move_replica (catalog, "dns", "nowhere", PM_REPLICA_PLANNED,
                                           PM_REPLICA_COPYING, 1, SHA_A, FALSE, NULL, 2000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_null (pm_test_find_replica (catalog, "dns", "nowhere"));
  g_assert_false (pm_catalog_move_replica (catalog, "nope", "par", PM_REPLICA_GONE,
                                           PM_REPLICA_PLANNED, 0, NULL, FALSE, NULL, 2000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* In sync only with a version and its digest. */
  reach (catalog, "check", PM_REPLICA_VERIFYING);
  g_assert_false (pm_catalog_move_replica (catalog, "dns", "check", PM_REPLICA_VERIFYING,
                                           PM_REPLICA_IN_SYNC, 0, NULL, FALSE, NULL, 3000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pm_catalog_move_replica (catalog, "dns", "check", PM_REPLICA_VERIFYING,
                                           PM_REPLICA_IN_SYNC, 2, NULL, FALSE, NULL, 3000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pm_catalog_move_replica (catalog, "dns", "check", PM_REPLICA_VERIFYING,
                                           PM_REPLICA_IN_SYNC, 2, "xyz" SHA_A, FALSE, NULL, 3000,
                                           &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "check"), ==, PM_REPLICA_VERIFYING);
  g_assert_true (pm_catalog_move_replica (catalog, "dns", "check", PM_REPLICA_VERIFYING,
                                          PM_REPLICA_IN_SYNC, 2, SHA_B, TRUE, NULL, 3000,
                                          &error));
  g_assert_no_error (error);
  {
    g_autoptr(PmReplica) replica = pm_test_find_replica (catalog, "dns", "check");

    g_assert_cmpint (replica->state, ==, PM_REPLICA_IN_SYNC);
    g_assert_cmpint (replica->version, ==, 2);
    g_assert_cmpstr (replica->sha256, ==, SHA_B);
    g_assert_cmpint (replica->verified_at, ==, 3000);
    g_assert_cmpint (replica->updated_at, ==, 3000);
    g_assert_true (replica->temporary);
  }
}

static void
test_proposals_upsert (void)
{
  g_autoptr(PmCatalog) catalog = new_catalog (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) proposals = NULL;
  g_autoptr(PmProposal) first = NULL;
  PmProposal bad = { .resource = "dns", .site = "par", .probability = 1.5 };
  gint64 a, again, b, c;

  a = propose (catalog, "dns", "par", 0.4, 100);
  again = propose (catalog, "dns", "par", 0.8, 200);
  g_assert_cmpint (again, ==, a);
  first = find_proposal (catalog, a);
  g_assert_cmpint (first->state, ==, PM_PROPOSAL_PENDING);
  g_assert_cmpfloat (first->probability, ==, 0.8);
  g_assert_cmpint (first->created_at, ==, 100);
  g_assert_cmpint (first->updated_at, ==, 200);
  g_assert_cmpstr (first->users_site, ==, "lon");
  g_assert_cmpstr (first->prediction, ==, "{\"segments\":[\"fra--lon\"]}");
  g_assert_cmpint (first->eta_s, ==, 3600);

  b = propose (catalog, "dns", "lon", 0.5, 300);
  g_assert_cmpint (b, !=, a);

  /* Withdrawn, it is history: the next risk makes a new proposal. */
  g_assert_true (pm_catalog_withdraw_proposal (catalog, a, 400, &error));
  g_assert_no_error (error);
  g_assert_false (pm_catalog_withdraw_proposal (catalog, a, 410, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (pm_catalog_withdraw_proposal (catalog, 9999, 410, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  c = propose (catalog, "dns", "par", 0.9, 500);
  g_assert_cmpint (c, !=, a);
  g_assert_cmpint (c, !=, b);

  proposals = pm_catalog_list_proposals (catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (proposals->len, ==, 3);
  /* Newest first. */
  g_assert_cmpint (((PmProposal *) proposals->pdata[0])->id, ==, c);
  g_assert_cmpint (((PmProposal *) proposals->pdata[1])->id, ==, b);
  g_assert_cmpint (((PmProposal *) proposals->pdata[2])->id, ==, a);
  g_assert_cmpint (((PmProposal *) proposals->pdata[2])->state, ==, PM_PROPOSAL_WITHDRAWN);
  g_assert_cmpint (((PmProposal *) proposals->pdata[2])->updated_at, ==, 400);

  g_assert_cmpint (pm_catalog_upsert_proposal (catalog, &bad, 600, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  bad.probability = 0.5;
  bad.resource = "nope";
  g_assert_cmpint (pm_catalog_upsert_proposal (catalog, &bad, 600, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_decide (void)
{
  g_autoptr(PmCatalog) catalog = new_catalog (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autoptr(PmProposal) proposal = NULL;
  g_autoptr(PmReplica) replica = NULL;
  PmJobSpec bad_spec = spec;
  gint64 a = propose (catalog, "dns", "par", 0.9, 100);
  gint64 b = propose (catalog, "dns", "lon", 0.6, 100);
  gint64 job_id, decision_id, manual, c, d, e;

  /* Approving needs the job's spec, a valid one. */
  g_assert_cmpint (pm_catalog_decide (catalog, a, TRUE, "alice", NULL, NULL, 200, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  strcpy (bad_spec.sha256, "nothex");
  g_assert_cmpint (pm_catalog_decide (catalog, a, TRUE, "alice", NULL, &bad_spec, 200, &error),
                   ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (pm_catalog_decide (catalog, a, TRUE, "", NULL, &spec, 200, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);

  job_id = pm_catalog_decide (catalog, a, TRUE, "alice", NULL, &spec, 200, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job_id, >, 0);
  job = get_job (catalog, job_id);
  g_assert_cmpint (job->proposal, ==, a);
  g_assert_cmpstr (job->resource, ==, "dns");
  g_assert_cmpstr (job->site, ==, "par");
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  g_assert_cmpint (job->version, ==, 1);
  g_assert_cmpstr (job->sha256, ==, SHA_B);
  g_assert_cmpuint (job->bytes, ==, 3000);
  g_assert_cmpfloat (job->priority, ==, 2.5);
  g_assert_cmpint (job->deadline_s, ==, 600);
  g_assert_cmpint (job->created_at, ==, 200);
  proposal = find_proposal (catalog, a);
  g_assert_cmpint (proposal->state, ==, PM_PROPOSAL_APPROVED);
  g_assert_cmpint (proposal->updated_at, ==, 200);
  replica = pm_test_find_replica (catalog, "dns", "par");
  g_assert_cmpint (replica->state, ==, PM_REPLICA_PLANNED);
  g_assert_cmpint (replica->version, ==, 1);
  g_assert_true (replica->temporary);

  /* Decided once only, either way. */
  g_assert_cmpint (pm_catalog_decide (catalog, a, TRUE, "bob", NULL, &spec, 210, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  pm_test_assert_contains (error->message, "approved");
  g_clear_error (&error);
  g_assert_cmpint (pm_catalog_decide (catalog, a, FALSE, "bob", "no", NULL, 210, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpuint (count_jobs (catalog, a, NULL, FALSE), ==, 1);
  g_assert_cmpint (pm_catalog_decide (catalog, 9999, TRUE, "bob", NULL, &spec, 210, &error), ==,
                   0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A rejection needs a reason. */
  g_assert_cmpint (pm_catalog_decide (catalog, b, FALSE, "bob", NULL, NULL, 220, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (pm_catalog_decide (catalog, b, FALSE, "bob", "  ", NULL, 220, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&proposal, pm_proposal_free);
  proposal = find_proposal (catalog, b);
  g_assert_cmpint (proposal->state, ==, PM_PROPOSAL_PENDING);
  decision_id = pm_catalog_decide (catalog, b, FALSE, "bob", "link is fine", NULL, 230, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision_id, >, 0);
  g_clear_pointer (&proposal, pm_proposal_free);
  proposal = find_proposal (catalog, b);
  g_assert_cmpint (proposal->state, ==, PM_PROPOSAL_REJECTED);
  g_assert_cmpuint (count_jobs (catalog, b, NULL, FALSE), ==, 0);
  g_assert_null (pm_test_find_replica (catalog, "dns", "lon"));

  /* A job already on its way serves the approval: no second job. */
  manual = pm_catalog_mirror_now (catalog, "fw", "lon", "carol", NULL, &spec, 300, &error);
  g_assert_no_error (error);
  c = propose (catalog, "fw", "lon", 0.7, 310);
  g_assert_cmpint (pm_catalog_decide (catalog, c, TRUE, "policy:auto-approve", NULL, &spec, 320,
                                      &error), ==, manual);
  g_assert_no_error (error);
  g_clear_pointer (&proposal, pm_proposal_free);
  proposal = find_proposal (catalog, c);
  g_assert_cmpint (proposal->state, ==, PM_PROPOSAL_APPROVED);
  g_assert_cmpuint (count_jobs (catalog, 0, "lon", TRUE), ==, 1);

  /* A replica that already serves stays as it is; the job refreshes it. */
  reach (catalog, "ams", PM_REPLICA_IN_SYNC);
  d = propose (catalog, "dns", "ams", 0.7, 400);
  g_assert_cmpint (pm_catalog_decide (catalog, d, TRUE, "alice", NULL, &spec, 410, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "ams"), ==, PM_REPLICA_IN_SYNC);

  /* A failed one is planned again. */
  reach (catalog, "osl", PM_REPLICA_FAILED);
  e = propose (catalog, "dns", "osl", 0.7, 500);
  g_assert_cmpint (pm_catalog_decide (catalog, e, TRUE, "alice", NULL, &spec, 510, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "osl"), ==, PM_REPLICA_PLANNED);
}

typedef struct
{
  PmCatalog *catalog;
  gint64     proposal;
  gint      *ready;     /* both threads start deciding together */
  gint64     job;
  GError    *error;
} Decider;

static gpointer
decide_thread (gpointer data)
{
  Decider *decider = data;

  g_atomic_int_inc (decider->ready);
  while (g_atomic_int_get (decider->ready) < 2)
    g_thread_yield ();
  decider->job = pm_catalog_decide (decider->catalog, decider->proposal, TRUE, "operator", NULL,
                                    &spec, 100, &decider->error);
  return NULL;
}

static void
test_decide_concurrent (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(PmCatalog) other = open_catalog (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) decisions = NULL;
  const guint rounds = 60;

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *site = g_strdup_printf ("site-%u", round);
      gint ready = 0;
      gint64 proposal = propose (catalog, "dns", site, 0.9, 10);
      /* Odd rounds: two connections to the same file, as two processes would be. */
      Decider deciders[2] = {
        { catalog, proposal, &ready, 0, NULL },
        { round % 2 ? other : catalog, proposal, &ready, 0, NULL },
      };
      GThread *threads[2];
      guint wins = 0;

      for (guint i = 0; i < 2; i++)
        threads[i] = g_thread_new ("decider", decide_thread, &deciders[i]);
      for (guint i = 0; i < 2; i++)
        g_thread_join (threads[i]);
      for (guint i = 0; i < 2; i++)
        {
          if (deciders[i].job > 0)
            {
              g_assert_no_error (deciders[i].error);
              wins++;
            }
          else
            {
              g_assert_error (deciders[i].error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
              g_clear_error (&deciders[i].error);
            }
        }
      g_assert_cmpuint (wins, ==, 1);
      g_assert_cmpuint (count_jobs (catalog, proposal, NULL, FALSE), ==, 1);
    }
  decisions = pm_catalog_list_decisions (catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decisions->len, ==, rounds);
}

static void
test_mirror_now (void)
{
  g_autoptr(PmCatalog) catalog = new_catalog (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autoptr(PmReplica) replica = NULL;
  gint64 id;

  id = pm_catalog_mirror_now (catalog, "dns", "lon", "carol", "before the maintenance", &spec,
                              100, &error);
  g_assert_no_error (error);
  job = get_job (catalog, id);
  g_assert_cmpint (job->proposal, ==, 0);
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  replica = pm_test_find_replica (catalog, "dns", "lon");
  g_assert_cmpint (replica->state, ==, PM_REPLICA_PLANNED);
  g_assert_false (replica->temporary);

  g_assert_cmpint (pm_catalog_mirror_now (catalog, "dns", "lon", "dave", NULL, &spec, 110,
                                          &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  /* Still queued once it runs. */
  job->state = PM_JOB_RUNNING;
  g_assert_true (pm_catalog_update_job (catalog, job, PM_JOB_QUEUED, 120, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_catalog_mirror_now (catalog, "dns", "lon", "dave", NULL, &spec, 130,
                                          &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpuint (count_jobs (catalog, 0, "lon", FALSE), ==, 1);

  g_assert_cmpint (pm_catalog_mirror_now (catalog, "nope", "lon", "dave", NULL, &spec, 140,
                                          &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  pm_test_assert_contains (error->message, "nope");
  g_clear_error (&error);
  g_assert_cmpint (pm_catalog_mirror_now (catalog, "dns", "par", "dave", NULL, NULL, 140,
                                          &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_act_on_job (void)
{
  g_autoptr(PmCatalog) catalog = new_catalog (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  gint64 id, second;

  id = pm_catalog_mirror_now (catalog, "dns", "lon", "carol", NULL, &spec, 100, &error);
  g_assert_no_error (error);

  g_assert_false (pm_catalog_act_on_job (catalog, id, "retry", "dave", NULL, 110, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (pm_catalog_act_on_job (catalog, id, "frobnicate", "dave", NULL, 110, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (pm_catalog_act_on_job (catalog, 9999, "cancel", "dave", NULL, 110, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Cancelled before anything arrived: the planned replica will not come. */
  g_assert_true (pm_catalog_act_on_job (catalog, id, "cancel", "dave", "wrong site", 120, &error));
  g_assert_no_error (error);
  job = get_job (catalog, id);
  g_assert_cmpint (job->state, ==, PM_JOB_CANCELLED);
  g_assert_cmpint (job->updated_at, ==, 120);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "lon"), ==, PM_REPLICA_GONE);
  g_assert_false (pm_catalog_act_on_job (catalog, id, "cancel", "dave", NULL, 130, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_true (pm_catalog_act_on_job (catalog, id, "retry", "dave", NULL, 140, &error));
  g_assert_no_error (error);
  g_clear_pointer (&job, pm_job_free);
  job = get_job (catalog, id);
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "lon"), ==, PM_REPLICA_PLANNED);

  /* The executor's compare-and-set: it ran, failed three times, gave up. */
  job->state = PM_JOB_RUNNING;
  g_assert_false (pm_catalog_update_job (catalog, job, PM_JOB_RUNNING, 150, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (pm_catalog_update_job (catalog, job, PM_JOB_QUEUED, 150, &error));
  g_assert_no_error (error);
  job->state = PM_JOB_FAILED;
  job->attempts = 3;
  job->next_attempt_at = 999;
  job->bytes_done = 1234;
  job->error = g_strdup ("HTTP 507 Insufficient Storage");
  g_assert_true (pm_catalog_update_job (catalog, job, PM_JOB_RUNNING, 160, &error));
  g_assert_no_error (error);
  g_clear_pointer (&job, pm_job_free);
  job = get_job (catalog, id);
  g_assert_cmpint (job->state, ==, PM_JOB_FAILED);
  g_assert_cmpuint (job->attempts, ==, 3);
  g_assert_cmpuint (job->bytes_done, ==, 1234);
  g_assert_cmpstr (job->error, ==, "HTTP 507 Insufficient Storage");
  g_assert_false (pm_catalog_act_on_job (catalog, id, "cancel", "dave", NULL, 170, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Another job for the same target blocks the retry. */
  second = pm_catalog_mirror_now (catalog, "dns", "lon", "erin", NULL, &spec, 180, &error);
  g_assert_no_error (error);
  g_assert_false (pm_catalog_act_on_job (catalog, id, "retry", "dave", NULL, 190, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (pm_catalog_act_on_job (catalog, second, "cancel", "erin", NULL, 200, &error));
  g_assert_no_error (error);

  g_assert_true (pm_catalog_act_on_job (catalog, id, "retry", "dave", NULL, 210, &error));
  g_assert_no_error (error);
  g_clear_pointer (&job, pm_job_free);
  job = get_job (catalog, id);
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  g_assert_cmpuint (job->attempts, ==, 0);
  g_assert_cmpint (job->next_attempt_at, ==, 0);
  g_assert_null (job->error);
  g_assert_cmpint (job->updated_at, ==, 210);
}

static void
assert_decision (GPtrArray  *decisions,
                 guint       index,
                 gint64      at,
                 const char *who,
                 const char *action,
                 gint64      proposal,
                 gint64      job,
                 const char *resource,
                 const char *site,
                 const char *reason)
{
  PmDecision *decision;

  g_assert_cmpuint (index, <, decisions->len);
  decision = g_ptr_array_index (decisions, index);
  g_assert_cmpint (decision->at, ==, at);
  g_assert_cmpstr (decision->who, ==, who);
  g_assert_cmpstr (decision->action, ==, action);
  g_assert_cmpint (decision->proposal, ==, proposal);
  g_assert_cmpint (decision->job, ==, job);
  g_assert_cmpstr (decision->resource, ==, resource);
  g_assert_cmpstr (decision->site, ==, site);
  g_assert_cmpstr (decision->reason, ==, reason);
}

static void
test_decisions (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) decisions = NULL;
  g_autofree char *tampered = NULL;
  gint64 a = propose (catalog, "dns", "par", 0.9, 10);
  gint64 b = propose (catalog, "fw", "par", 0.9, 10);
  gint64 c = propose (catalog, "fw", "lon", 0.9, 10);
  PmDecision retire = { .at = 170, .who = "policy:cool-down", .action = "retire",
                        .resource = "dns", .site = "par", .reason = "partition over" };
  PmDecision bogus = { .at = 180, .who = "x", .action = "delete" };
  gint64 job_a, job_m, job_c, reject_b;

  job_a = pm_catalog_decide (catalog, a, TRUE, "alice", "storm ahead", &spec, 100, &error);
  g_assert_no_error (error);
  reject_b = pm_catalog_decide (catalog, b, FALSE, "bob", "too big for par", NULL, 110, &error);
  g_assert_no_error (error);
  job_m = pm_catalog_mirror_now (catalog, "dns", "lon", "carol", NULL, &spec, 120, &error);
  g_assert_no_error (error);
  g_assert_true (pm_catalog_act_on_job (catalog, job_m, "cancel", "dave", "mistake", 130, &error));
  g_assert_no_error (error);
  g_assert_true (pm_catalog_act_on_job (catalog, job_m, "retry", "dave", NULL, 140, &error));
  g_assert_no_error (error);
  job_c = pm_catalog_decide (catalog, c, TRUE, "policy:auto-approve", "risk 0.9 ≥ 0.7", &spec,
                             150, &error);
  g_assert_no_error (error);
  g_assert_true (pm_catalog_record_decision (catalog, &retire, &error));
  g_assert_no_error (error);
  g_assert_false (pm_catalog_record_decision (catalog, &bogus, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID);
  g_clear_error (&error);

  decisions = pm_catalog_list_decisions (catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decisions->len, ==, 7);
  assert_decision (decisions, 0, 100, "alice", "approve", a, job_a, "dns", "par", "storm ahead");
  assert_decision (decisions, 1, 110, "bob", "reject", b, 0, "fw", "par", "too big for par");
  g_assert_cmpint (((PmDecision *) decisions->pdata[1])->id, ==, reject_b);
  assert_decision (decisions, 2, 120, "carol", "mirror", 0, job_m, "dns", "lon", NULL);
  assert_decision (decisions, 3, 130, "dave", "cancel", 0, job_m, "dns", "lon", "mistake");
  assert_decision (decisions, 4, 140, "dave", "retry", 0, job_m, "dns", "lon", NULL);
  assert_decision (decisions, 5, 150, "policy:auto-approve", "approve", c, job_c, "fw",
                   "lon", "risk 0.9 ≥ 0.7");
  assert_decision (decisions, 6, 170, "policy:cool-down", "retire", 0, 0, "dns", "par",
                   "partition over");
  for (guint i = 1; i < decisions->len; i++)
    g_assert_cmpint (((PmDecision *) decisions->pdata[i - 1])->id, <,
                     ((PmDecision *) decisions->pdata[i])->id);

  /* The audit trail cannot be rewritten behind the catalogue's back either. */
  g_clear_object (&catalog);
  tampered = raw_query (path, "UPDATE decisions SET who = 'mallory'");
  g_assert_nonnull (tampered);
  pm_test_assert_contains (tampered, "append-only");
}

static void
test_recover (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) running = NULL;
  g_autoptr(PmJob) queued = NULL;
  gint64 a, b;
  guint n_reset = 99;

  a = pm_catalog_mirror_now (catalog, "dns", "par", "carol", NULL, &spec, 100, &error);
  b = pm_catalog_mirror_now (catalog, "dns", "lon", "carol", NULL, &spec, 100, &error);
  g_assert_no_error (error);
  running = get_job (catalog, a);
  running->state = PM_JOB_RUNNING;
  g_assert_true (pm_catalog_update_job (catalog, running, PM_JOB_QUEUED, 110, &error));
  move (catalog, "par", PM_REPLICA_PLANNED, PM_REPLICA_COPYING, 110);
  move (catalog, "lon", PM_REPLICA_PLANNED, PM_REPLICA_COPYING, 110);
  move (catalog, "lon", PM_REPLICA_COPYING, PM_REPLICA_VERIFYING, 110);
  reach (catalog, "ams", PM_REPLICA_IN_SYNC);

  /* A restart: in a shared catalogue, the running job's lease goes with the old console. */
  g_clear_object (&catalog);
  catalog = open_catalog (path);
  g_assert_true (pm_catalog_recover (catalog, 200, &n_reset, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_reset, ==, 3);
  g_clear_pointer (&running, pm_job_free);
  running = get_job (catalog, a);
  g_assert_cmpint (running->state, ==, PM_JOB_QUEUED);
  g_assert_cmpint (running->updated_at, ==, 200);
  queued = get_job (catalog, b);
  g_assert_cmpint (queued->state, ==, PM_JOB_QUEUED);
  g_assert_cmpint (queued->updated_at, ==, 100);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "par"), ==, PM_REPLICA_PLANNED);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "lon"), ==, PM_REPLICA_PLANNED);
  g_assert_cmpint (pm_test_replica_state (catalog, "dns", "ams"), ==, PM_REPLICA_IN_SYNC);

  g_assert_true (pm_catalog_recover (catalog, 300, &n_reset, &error));
  g_assert_cmpuint (n_reset, ==, 0);
}

/* The child of test_killed: approves, says so, then writes until it is killed. Never returns. */
static void G_GNUC_NORETURN
killed_writer (const char *path,
               gint64      proposal,
               int         out)
{
  g_autoptr(GError) error = NULL;
  PmCatalog *catalog = pm_catalog_sqlite_open (path, &error);
  char line[64];
  gint64 job;
  int length;

  if (catalog == NULL)
    _exit (2);
  job = pm_catalog_decide (catalog, proposal, TRUE, "alice", "acknowledged", &spec, 100, &error);
  if (job <= 0)
    _exit (3);
  length = g_snprintf (line, sizeof line, "ok %" G_GINT64_FORMAT "\n", job);
  if (write (out, line, length) != length)
    _exit (4);
  for (guint i = 0;; i++)
    {
      char site[32];
      PmProposal next = { .resource = "fw", .site = site, .probability = 0.5,
                          .reason = "filler", .prediction = "{}" };
      gint64 id;

      g_snprintf (site, sizeof site, "loop-%u", i);
      id = pm_catalog_upsert_proposal (catalog, &next, 200 + i, NULL);
      if (id <= 0 || pm_catalog_mirror_now (catalog, "fw", site, "bot", NULL, &spec, 200 + i,
                                            NULL) <= 0
          || !pm_catalog_decide (catalog, id, FALSE, "bot", "filler", NULL, 200 + i, NULL))
        _exit (5);
    }
}

static void
test_killed (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autoptr(PmProposal) proposal = NULL;
  g_autoptr(GPtrArray) decisions = NULL;
  g_autofree char *integrity = NULL;
  gint64 id = propose (catalog, "dns", "par", 0.9, 10);
  gint64 job_id = 0;
  char line[64] = "";
  ssize_t got = 0;
  int fds[2];
  int status;
  pid_t pid;

  g_clear_object (&catalog);
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      killed_writer (path, id, fds[1]);
    }
  close (fds[1]);
  while (got < (ssize_t) sizeof line - 1 && strchr (line, '\n') == NULL)
    {
      ssize_t n = read (fds[0], line + got, sizeof line - 1 - got);

      if (n <= 0)
        break;
      got += n;
      line[got] = '\0';
    }
  close (fds[0]);
  g_assert_true (g_str_has_prefix (line, "ok "));
  job_id = g_ascii_strtoll (line + 3, NULL, 10);
  /* Let it write for a while, then kill it, most likely in the middle of a transaction. */
  g_usleep (200 * 1000);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));

  catalog = open_catalog (path);
  job = get_job (catalog, job_id);
  g_assert_cmpint (job->proposal, ==, id);
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  proposal = find_proposal (catalog, id);
  g_assert_cmpint (proposal->state, ==, PM_PROPOSAL_APPROVED);
  decisions = pm_catalog_list_decisions (catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decisions->len, >=, 1);
  assert_decision (decisions, 0, 100, "alice", "approve", id, job_id, "dns", "par",
                   "acknowledged");
  g_test_message ("the writer made %u decisions before it was killed", decisions->len);
  /* Every transaction is whole: each filler round's mirror job came with its decision (the round
   * may have been killed between its mirror and its rejection). */
  g_assert_cmpuint (count_jobs (catalog, 0, NULL, FALSE), ==, 1 + decisions->len / 2);
  g_clear_object (&catalog);

  integrity = raw_query (path, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
}

static void
test_garbage_file (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "catalog.sqlite", NULL);
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  PmCatalog *catalog;

  while (garbage->len < 8192)
    g_string_append (garbage, "this is not a database, it is a shopping list\n");
  g_assert_true (g_file_set_contents (path, garbage->str, garbage->len, &error));
  catalog = pm_catalog_sqlite_open (path, &error);
  g_assert_null (catalog);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_BACKEND);
  pm_test_assert_contains (error->message, path);
  g_test_message ("%s", error->message);
}

static void
test_newer_schema (void)
{
  g_autofree char *path = NULL;
  g_autoptr(PmCatalog) catalog = new_catalog (&path);
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;
  PmCatalog *refused;

  g_clear_object (&catalog);
  done = raw_query (path, "PRAGMA user_version = 1000");
  g_assert_null (done);
  refused = pm_catalog_sqlite_open (path, &error);
  g_assert_null (refused);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_BACKEND);
  pm_test_assert_contains (error->message, path);
  pm_test_assert_contains (error->message, "newer");
  g_test_message ("%s", error->message);
}

/* A console whose watch was away while the history it needed was compacted reads the catalogue
 * whole again and shows what changed meanwhile. It knows only member 0, so that its watch stays
 * broken while member 0 is down. */
static void
test_etcd_watch_compaction (void)
{
  g_autofree char *uri = NULL;
  g_autoptr(PmCatalog) writer = new_catalog (&uri);
  g_autofree char *only_m0 = g_strdup_printf ("etcd:%s%s",
                                              pm_test_etcd_get_member_url (cluster, 0),
                                              strchr (uri, '?'));
  g_autoptr(PmCatalog) watcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProposal) seen_before = NULL;
  gint64 first, during, revision, known;
  gint64 deadline;

  first = propose (writer, "dns", "par", 0.5, 10);
  watcher = open_catalog (only_m0);
  seen_before = find_proposal (watcher, first);
  g_assert_nonnull (seen_before);
  known = pm_catalog_etcd_get_revision (PM_CATALOG_ETCD (watcher));

  g_assert_true (pm_test_etcd_kill_member (cluster, 0, &error));
  g_assert_no_error (error);
  /* The writer moves on to the other members; etcd forgets the history up to now. */
  during = propose (writer, "fw", "lon", 0.7, 20);
  g_assert_true (pm_catalog_withdraw_proposal (writer, first, 30, &error));
  g_assert_no_error (error);
  /* The writer's own watch reports the revisions of both changes. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((revision = pm_catalog_etcd_get_revision (PM_CATALOG_ETCD (writer))) <= known + 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  g_assert_true (pm_test_etcd_compact (cluster, revision, &error));
  g_assert_no_error (error);
  g_assert_true (pm_test_etcd_restart_member (cluster, 0, &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(PmProposal) seen = find_proposal (watcher, during);
      g_autoptr(PmProposal) withdrawn = find_proposal (watcher, first);

      if (seen != NULL && withdrawn->state == PM_PROPOSAL_WITHDRAWN)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
  g_assert_cmpint (pm_catalog_get_state (watcher), ==, PM_CATALOG_STATE_OK);
}

/* Of two consoles on one catalogue exactly one runs jobs; when it closes, the other takes
 * over. */
static void
test_etcd_election (void)
{
  g_autofree char *uri = NULL;
  g_autoptr(PmCatalog) first = new_catalog (&uri);
  g_autoptr(PmCatalog) second = open_catalog (uri);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  gint64 id, deadline;

  g_assert_true (pm_catalog_is_executor (first));
  g_assert_false (pm_catalog_is_executor (second));

  id = pm_catalog_mirror_now (second, "dns", "par", "carol", NULL, &spec, 100, &error);
  g_assert_no_error (error);
  job = get_job (second, id);
  job->state = PM_JOB_RUNNING;
  /* Only the executor may start a job. */
  g_assert_false (pm_catalog_update_job (second, job, PM_JOB_QUEUED, 110, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (pm_catalog_update_job (first, job, PM_JOB_QUEUED, 110, &error));
  g_assert_no_error (error);

  g_clear_object (&first);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!pm_catalog_is_executor (second))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
}

/* The member a console writes through hangs (its packets dropped): the writes time out with no
 * word on whether they were taken, the console reads the outcome back from the other members
 * and retries there. Nothing is lost and nothing is done twice: one proposal, one decision, one
 * job. */
static void
test_etcd_hung_member (void)
{
  g_autofree char *uri = NULL;
  g_autoptr(PmCatalog) setup = new_catalog (&uri);
  const char *prefix = strchr (uri, '?');
  int leader = pm_test_etcd_find_leader (cluster);
  guint hung, others[2];
  g_autofree char *hung_first = NULL;
  g_autofree char *without_hung = NULL;
  g_autoptr(PmCatalog) writer = NULL;
  g_autoptr(PmCatalog) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) proposals = NULL;
  g_autoptr(PmProposal) seen = NULL;
  g_autoptr(PmJob) stored = NULL;
  gint64 proposal, job, started;
  guint n_for_pair = 0;

  /* A follower, so that the others keep their quorum and leader. */
  g_assert_cmpint (leader, >=, 0);
  hung = ((guint) leader + 1) % 3;
  others[0] = (hung + 1) % 3;
  others[1] = (hung + 2) % 3;
  hung_first = g_strdup_printf ("etcd:%s,%s,%s%s", pm_test_etcd_get_member_url (cluster, hung),
                                pm_test_etcd_get_member_url (cluster, others[0]),
                                pm_test_etcd_get_member_url (cluster, others[1]), prefix);
  without_hung = g_strdup_printf ("etcd:%s,%s%s",
                                  pm_test_etcd_get_member_url (cluster, others[0]),
                                  pm_test_etcd_get_member_url (cluster, others[1]), prefix);
  writer = open_catalog (hung_first);

  pm_test_etcd_freeze_member (cluster, hung, TRUE);
  started = g_get_monotonic_time ();
  proposal = propose (writer, "dns", "par", 0.8, 10);
  job = pm_catalog_decide (writer, proposal, TRUE, "alice", "storm", &spec, 20, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job, >, 0);
  g_test_message ("a proposal and its approval through a hung member took %.1f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  reader = open_catalog (without_hung);
  proposals = pm_catalog_list_proposals (reader, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < proposals->len; i++)
    {
      PmProposal *p = g_ptr_array_index (proposals, i);

      if (g_str_equal (p->resource, "dns") && g_str_equal (p->site, "par"))
        n_for_pair++;
    }
  g_assert_cmpuint (n_for_pair, ==, 1);
  seen = find_proposal (reader, proposal);
  g_assert_nonnull (seen);
  g_assert_cmpint (seen->state, ==, PM_PROPOSAL_APPROVED);
  g_assert_cmpuint (count_jobs (reader, proposal, "par", TRUE), ==, 1);
  stored = get_job (reader, job);
  g_assert_cmpint (stored->proposal, ==, proposal);
  g_assert_cmpint (pm_catalog_get_state (writer), ==, PM_CATALOG_STATE_OK);

  pm_test_etcd_freeze_member (cluster, hung, FALSE);
  g_assert_true (pm_test_etcd_wait_healthy (cluster, 60000, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/catalog/schema", test_schema);
  g_test_add_func ("/catalog/replica-transitions", test_replica_transitions);
  g_test_add_func ("/catalog/proposals/upsert", test_proposals_upsert);
  g_test_add_func ("/catalog/decide", test_decide);
  g_test_add_func ("/catalog/decide/concurrent", test_decide_concurrent);
  g_test_add_func ("/catalog/mirror-now", test_mirror_now);
  g_test_add_func ("/catalog/jobs/act", test_act_on_job);
  g_test_add_func ("/catalog/decisions", test_decisions);
  g_test_add_func ("/catalog/recover", test_recover);
  g_test_add_func ("/catalog/killed", test_killed);
  g_test_add_func ("/catalog/garbage-file", test_garbage_file);
  g_test_add_func ("/catalog/newer-schema", test_newer_schema);

  g_test_add_data_func ("/catalog/etcd/replica-transitions", test_replica_transitions, on_etcd);
  g_test_add_data_func ("/catalog/etcd/proposals/upsert", test_proposals_upsert, on_etcd);
  g_test_add_data_func ("/catalog/etcd/decide", test_decide, on_etcd);
  g_test_add_data_func ("/catalog/etcd/decide/concurrent", test_decide_concurrent, on_etcd);
  g_test_add_data_func ("/catalog/etcd/mirror-now", test_mirror_now, on_etcd);
  g_test_add_data_func ("/catalog/etcd/jobs/act", test_act_on_job, on_etcd);
  g_test_add_data_func ("/catalog/etcd/recover", test_recover, on_etcd);
  g_test_add_data_func ("/catalog/etcd/election", test_etcd_election, on_etcd);
  g_test_add_data_func ("/catalog/etcd/watch-compaction", test_etcd_watch_compaction, on_etcd);
  g_test_add_data_func ("/catalog/etcd/hung-member", test_etcd_hung_member, on_etcd);

  status = g_test_run ();
  g_clear_pointer (&cluster, pm_test_etcd_free);
  return status;
}
