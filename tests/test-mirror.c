/* test-mirror.c: the mirroring service driven by scripted predictions, with a real SQLite
 * catalogue, real files and, for the WebDAV edge, a real nginx: a proposal before a scripted
 * partition that goes when the risk falls; auto-approval against an operator's; two operators
 * approving at once; a verified transfer over each transport; the server killed mid-transfer; a
 * corrupted upload; no room at the target; a crash mid-job; strong, bounded and eventual replicas
 * when the origin changes; retirement after the cool-down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>

#include "mirror/pm-catalog-sqlite.h"
#include "mirror/pm-consistency.h"
#include "mirror/pm-inventory.h"
#include "mirror/pm-mirror.h"
#include "mirror/pm-sha256.h"
#include "route/pm-routing.h"
#include "pm-test-nginx.h"
#include "pm-test-util.h"

#define START 1717200000  /* 2024-06-01 00:00 UTC */
#define MIB   1048576

enum { FRA, AMS, LON, DUB, N_SITES };
enum { FRA_AMS, AMS_LON, LON_DUB, N_SEGMENTS };

/* A chain fra (origin) — ams — lon — dub: cutting ams--lon leaves lon and dub (region uk) alone.
 * LON_STORAGE is lon's storage URI (empty: its local folder), LON_CAPACITY its capacity. */
#define NETWORK(LON_EXTRA)                                                                        \
  "{'type':'FeatureCollection','features':["                                                      \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[8.68,50.11]},"                     \
  "'properties':{'id':'fra','role':'origin','region':'de'}},"                                     \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[4.90,52.37]},"                     \
  "'properties':{'id':'ams','role':'edge','region':'nl'}},"                                       \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[-0.13,51.51]},"                    \
  "'properties':{'id':'lon','role':'edge','region':'uk'" LON_EXTRA "}},"                          \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[-6.26,53.35]},"                    \
  "'properties':{'id':'dub','role':'core','region':'uk'}},"                                       \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[8.68,50.11],[4.90,52.37]]}," \
  "'properties':{'id':'fra--ams','a':'fra','b':'ams'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[4.90,52.37],[-0.13,51.51]]},"\
  "'properties':{'id':'ams--lon','a':'ams','b':'lon'}},"                                          \
  "{'type':'Feature','geometry':{'type':'LineString','coordinates':[[-0.13,51.51],[-6.26,53.35]]},"\
  "'properties':{'id':'lon--dub','a':'lon','b':'dub'}}]}"

/* crl is critical (auto-approved at risk ≥ 0.7), runbooks is not; big is for slow transfers. */
#define RESOURCES_WITH(BIG)                                                                       \
  "{'resources':["                                                                                \
  "{'id':'crl','size_bytes':3145728,'criticality':5,'consistency':'strong','origin':'fra',"       \
  "'demand':{'uk':900}},"                                                                         \
  "{'id':'zone','size_bytes':2097152,'criticality':5,'consistency':'bounded','staleness_s':600,"  \
  "'origin':'fra','demand':{'uk':500}},"                                                          \
  "{'id':'runbooks','size_bytes':1048576,'criticality':3,'consistency':'eventual',"               \
  "'origin':'fra','demand':{'uk':40}}" BIG "],"                                                   \
  "'policy':{'auto_approve':{'min_criticality':4,'min_risk':0.7}}}"
#define BIG_RESOURCE                                                                              \
  ",{'id':'big','size_bytes':67108864,'criticality':2,'consistency':'eventual','origin':'fra',"   \
  "'demand':{'uk':1}}"
#define RESOURCES           RESOURCES_WITH ("")
#define RESOURCES_WITH_BIG  RESOURCES_WITH (BIG_RESOURCE)

typedef struct
{
  PmTestNginx *nginx;     /* lon's storage in the WebDAV tests */
  char        *data_dir;
  PmTopology  *topology;
  PmResources *resources;
  PmCatalog   *catalog;
  PmMirror    *mirror;
  gint64       now;
  double       risk[N_SEGMENTS];
  double       isolation[N_SITES];
} Fixture;

static void
open_mirror (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->data_dir, "catalog.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  PmMirrorParams params;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  f->catalog = pm_catalog_sqlite_open (path, &error);
  g_assert_no_error (error);
  pm_mirror_params_init (&params);
  params.withdraw_after_s = 120;
  params.cooldown_s = 600;
  params.executor.backoff_s = 1;
  params.executor.max_attempts = 50;
  f->mirror = pm_mirror_new (f->resources, f->catalog, f->data_dir, TRUE, &params);
  g_assert_true (pm_mirror_start (f->mirror, f->now, &error));
  g_assert_no_error (error);
  while (!pm_mirror_is_ready (f->mirror))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
close_mirror (Fixture *f)
{
  g_clear_pointer (&f->mirror, pm_mirror_free);
  g_clear_object (&f->catalog);
}

static void
set_up_with (Fixture    *f,
             const char *network,
             const char *resources)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (resources);
  g_autoptr(GError) error = NULL;

  f->data_dir = pm_test_make_temp_dir ();
  f->topology = pm_test_topology_from_json (network, "chain.geojson");
  f->resources = pm_resources_new_from_bytes (bytes, "resources.json", f->topology, &error);
  g_assert_no_error (error);
  f->now = START;
  for (guint i = 0; i < N_SEGMENTS; i++)
    f->risk[i] = 0.001;
  for (guint i = 0; i < N_SITES; i++)
    f->isolation[i] = 0.001;
  open_mirror (f);
}

static void
set_up (Fixture      *f,
        gconstpointer data)
{
  set_up_with (f, NETWORK (""), RESOURCES);
}

static void
tear_down (Fixture      *f,
           gconstpointer data)
{
  close_mirror (f);
  g_clear_object (&f->resources);
  g_clear_object (&f->topology);
  g_free (f->data_dir);
  g_clear_pointer (&f->nginx, pm_test_nginx_free);
}

/* One engine tick at f->now with the scripted risks, then a minute passes. */
static void
tick (Fixture *f)
{
  PmSnapshot *snapshot = pm_snapshot_new (f->topology);

  snapshot->time_s = f->now;
  snapshot->speed = 1;
  snapshot->predicting = TRUE;
  snapshot->horizon_s = 1800;
  for (guint i = 0; i < N_SEGMENTS; i++)
    {
      snapshot->segments[i].risk = f->risk[i];
      snapshot->segments[i].eta_s = f->risk[i] >= 0.2 ? f->now + 1200 : 0;
    }
  for (guint i = 0; i < N_SITES; i++)
    snapshot->sites[i].isolation = f->isolation[i];
  pm_mirror_update (f->mirror, snapshot);
  pm_snapshot_unref (snapshot);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  f->now += 60;
}

/* The partition the predictor sees coming: ams--lon fails, lon and dub are cut off. */
static void
predict_cut (Fixture *f,
             double   p)
{
  f->risk[AMS_LON] = p;
  f->isolation[LON] = p;
  f->isolation[DUB] = p;
}

static GPtrArray *
proposals_in (Fixture        *f,
              PmProposalState state)
{
  g_autoptr(GPtrArray) all = pm_catalog_list_proposals (f->catalog, NULL);
  GPtrArray *matching = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_proposal_free);

  for (guint i = 0; i < all->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (all, i);
      if (proposal->state == state)
        g_ptr_array_add (matching, pm_proposal_copy (proposal));
    }
  return matching;
}

static const PmProposal *
proposal_for (GPtrArray  *proposals,
              const char *resource)
{
  for (guint i = 0; i < proposals->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (proposals, i);
      if (g_str_equal (proposal->resource, resource))
        return proposal;
    }
  return NULL;
}

static PmJob *
only_job_for (Fixture    *f,
              const char *resource,
              const char *site)
{
  g_autoptr(GPtrArray) jobs = pm_catalog_list_jobs (f->catalog, NULL);
  PmJob *found = NULL;

  for (guint i = 0; i < jobs->len; i++)
    {
      const PmJob *job = g_ptr_array_index (jobs, i);
      if (!g_str_equal (job->resource, resource) || !g_str_equal (job->site, site))
        continue;
      g_assert_null (found);
      found = pm_job_copy (job);
    }
  g_assert_nonnull (found);
  return found;
}

static gint64
only_job_id (Fixture    *f,
             const char *resource,
             const char *site)
{
  g_autoptr(PmJob) job = only_job_for (f, resource, site);
  return job->id;
}

/* Ticks until the job ends (done, failed or cancelled), at most a minute of real time. */
static PmJob *
run_job (Fixture *f,
         gint64   id)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(PmJob) job = pm_catalog_get_job (f->catalog, id, NULL);

      g_assert_nonnull (job);
      if (job->state == PM_JOB_DONE || job->state == PM_JOB_FAILED
          || job->state == PM_JOB_CANCELLED)
        return g_steal_pointer (&job);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tick (f);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static char *
origin_path (Fixture    *f,
             const char *resource)
{
  return g_build_filename (f->data_dir, "edges", "fra", resource, NULL);
}

static void
assert_file_digest (const char *path,
                    const char *sha256)
{
  g_autoptr(GError) error = NULL;
  char digest[65];

  g_assert_true (pm_sha256_file (path, digest, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (digest, ==, sha256);
}

/* No temporary file of that resource (another transfer may be under way beside it). */
static void
assert_no_temporary_files (const char *dir,
                           const char *resource)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (".", resource, ".part", NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, prefix))
      g_error ("A temporary file was left behind: %s/%s", dir, name);
}

static gint64
replica_version (Fixture    *f,
                 const char *resource)
{
  PmReplica *replica = pm_test_find_replica (f->catalog, resource, "lon");
  gint64 version = replica != NULL && replica->state == PM_REPLICA_IN_SYNC ? replica->version : 0;

  pm_replica_free (replica);
  return version;
}

static guint
count_jobs (Fixture *f)
{
  g_autoptr(GPtrArray) jobs = pm_catalog_list_jobs (f->catalog, NULL);
  return jobs->len;
}

/* The tests */

static void
test_demo_files_and_versions (Fixture      *f,
                              gconstpointer data)
{
  g_autofree char *path = origin_path (f, "crl");
  g_autoptr(GError) error = NULL;
  PmVersion version = { 0 };
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 3145728);
  g_assert_true (pm_catalog_get_latest_version (f->catalog, "crl", &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version.version, ==, 1);
  assert_file_digest (path, version.sha256);
  pm_version_clear (&version);

  /* Same content on every machine: the first bytes are the SplitMix64 stream of the id. */
  {
    guint8 expected[16], actual[16];
    FILE *file = fopen (path, "rb");

    g_assert_nonnull (file);
    g_assert_cmpuint (fread (actual, 1, sizeof actual, file), ==, sizeof actual);
    fclose (file);
    pm_inventory_demo_content ("crl", 0, expected, sizeof expected);
    g_assert_cmpmem (actual, sizeof actual, expected, sizeof expected);
  }

  /* Restarting finds the same files and adds no version. */
  close_mirror (f);
  open_mirror (f);
  g_assert_true (pm_catalog_get_latest_version (f->catalog, "crl", &version, &error));
  g_assert_cmpint (version.version, ==, 1);
  pm_version_clear (&version);
}

static void
test_proposal_follows_risk (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) withdrawn = NULL;
  const PmProposal *runbooks;

  tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  g_assert_cmpuint (pending->len, ==, 0);
  g_clear_pointer (&pending, g_ptr_array_unref);

  /* Risk builds up to a level the policy does not approve by itself. */
  predict_cut (f, 0.5);
  for (int i = 0; i < 5; i++)
    tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  /* One per resource, never a second for the same resource and site. */
  g_assert_cmpuint (pending->len, ==, 3);
  runbooks = proposal_for (pending, "runbooks");
  g_assert_nonnull (runbooks);
  g_assert_cmpstr (runbooks->site, ==, "lon");
  g_assert_cmpstr (runbooks->users_site, ==, "lon");
  g_assert_cmpfloat_with_epsilon (runbooks->probability, 0.5, 1e-9);
  g_assert_cmpint (runbooks->eta_s, >, START);
  g_assert_cmpint (runbooks->deadline_s, <=, runbooks->eta_s);
  g_assert_cmpuint (runbooks->bytes, ==, 1048576);
  pm_test_assert_contains (runbooks->reason, "ams--lon");
  pm_test_assert_contains (runbooks->prediction, "ams--lon");
  g_assert_cmpuint (count_jobs (f), ==, 0);
  g_clear_pointer (&pending, g_ptr_array_unref);

  /* The risk falls: the proposals stay a little (flicker), then are withdrawn. */
  predict_cut (f, 0.001);
  tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  g_assert_cmpuint (pending->len, ==, 3);
  g_clear_pointer (&pending, g_ptr_array_unref);
  for (int i = 0; i < 3; i++)
    tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  withdrawn = proposals_in (f, PM_PROPOSAL_WITHDRAWN);
  g_assert_cmpuint (pending->len, ==, 0);
  g_assert_cmpuint (withdrawn->len, ==, 3);
  g_assert_cmpuint (count_jobs (f), ==, 0);
}

static gint64
find_decision (Fixture    *f,
               const char *who,
               const char *action,
               const char *resource)
{
  g_autoptr(GPtrArray) decisions = pm_catalog_list_decisions (f->catalog, NULL);

  for (guint i = 0; i < decisions->len; i++)
    {
      const PmDecision *d = g_ptr_array_index (decisions, i);
      if (g_str_equal (d->who, who) && g_str_equal (d->action, action)
          && g_strcmp0 (d->resource, resource) == 0)
        return d->id;
    }
  return 0;
}

static void
assert_in_sync_copy (Fixture    *f,
                     const char *resource,
                     const char *site)
{
  g_autofree char *origin = origin_path (f, resource);
  g_autofree char *copy = g_build_filename (f->data_dir, "edges", site, resource, NULL);
  g_autofree char *folder = g_path_get_dirname (copy);
  PmReplica *replica = pm_test_find_replica (f->catalog, resource, site);

  g_assert_nonnull (replica);
  g_assert_cmpint (replica->state, ==, PM_REPLICA_IN_SYNC);
  g_assert_cmpint (replica->verified_at, >, 0);
  assert_file_digest (origin, replica->sha256);
  assert_file_digest (copy, replica->sha256);
  assert_no_temporary_files (folder, resource);
  pm_replica_free (replica);
}

static void
test_auto_and_manual_approval (Fixture      *f,
                               gconstpointer data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) crl = NULL, runbooks = NULL;
  gint64 proposal, job;

  predict_cut (f, 0.8);
  tick (f);

  /* Criticality 5 at risk 0.8: the policy approved both; runbooks waits for an operator. */
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_nonnull (proposal_for (pending, "runbooks"));
  proposal = proposal_for (pending, "runbooks")->id;
  g_assert_cmpint (find_decision (f, "policy:auto-approve", "approve", "crl"), >, 0);
  g_assert_cmpint (find_decision (f, "policy:auto-approve", "approve", "zone"), >, 0);

  crl = run_job (f, only_job_id (f, "crl", "lon"));
  g_assert_cmpint (crl->state, ==, PM_JOB_DONE);
  assert_in_sync_copy (f, "crl", "lon");
  g_assert_cmpint (pm_test_replica_state (f->catalog, "runbooks", "lon"), ==, PM_REPLICA_GONE);

  /* An operator approves; the second decision on it conflicts, whoever sends it. */
  job = pm_mirror_approve (f->mirror, proposal, "alice", "storm over the Channel", f->now, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job, >, 0);
  g_assert_cmpint (pm_mirror_approve (f->mirror, proposal, "bob", NULL, f->now, &error), ==, 0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (pm_mirror_reject (f->mirror, proposal, "bob", "too late", f->now, &error), ==,
                   0);
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);

  runbooks = run_job (f, job);
  g_assert_cmpint (runbooks->state, ==, PM_JOB_DONE);
  g_assert_cmpint (runbooks->proposal, ==, proposal);
  assert_in_sync_copy (f, "runbooks", "lon");
  g_assert_cmpint (find_decision (f, "alice", "approve", "runbooks"), >, 0);
}

typedef struct
{
  PmMirror *mirror;
  gint64    proposal;
  gint64    now;
  gint64    job;
  GError   *error;
} Approval;

static gpointer
approve_thread (gpointer data)
{
  Approval *approval = data;
  g_autofree char *who = g_strdup_printf ("operator-%p", data);

  approval->job = pm_mirror_approve (approval->mirror, approval->proposal, who, NULL,
                                     approval->now, &approval->error);
  return NULL;
}

static void
test_concurrent_approvals (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(GPtrArray) pending = NULL;
  Approval approvals[8];
  GThread *threads[G_N_ELEMENTS (approvals)];
  guint won = 0;

  predict_cut (f, 0.5);
  tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  g_assert_nonnull (proposal_for (pending, "runbooks"));

  for (guint i = 0; i < G_N_ELEMENTS (approvals); i++)
    {
      approvals[i] = (Approval) { f->mirror, proposal_for (pending, "runbooks")->id, f->now, 0,
                                  NULL };
      threads[i] = g_thread_new ("approve", approve_thread, &approvals[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (approvals); i++)
    {
      g_thread_join (threads[i]);
      if (approvals[i].job > 0)
        won++;
      else
        g_assert_error (approvals[i].error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
      g_clear_error (&approvals[i].error);
    }
  g_assert_cmpuint (won, ==, 1);
  g_assert_cmpuint (count_jobs (f), ==, 1);
}

static void
test_no_room_at_target (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  gint64 id;

  close_mirror (f);
  g_clear_object (&f->resources);
  g_clear_object (&f->topology);
  g_free (f->data_dir);
  /* lon holds 1.5 MiB: runbooks (1 MiB) fits, crl (3 MiB) and zone (2 MiB) do not. */
  set_up_with (f, NETWORK (",'capacity_bytes':1572864"), RESOURCES);

  predict_cut (f, 0.5);
  tick (f);
  pending = proposals_in (f, PM_PROPOSAL_PENDING);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_nonnull (proposal_for (pending, "runbooks"));

  /* An operator insists: the job fails with the reason, and nothing is called a replica. */
  id = pm_mirror_mirror_now (f->mirror, "crl", "lon", "alice", "try anyway", f->now, &error);
  g_assert_no_error (error);
  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_FAILED);
  pm_test_assert_contains (job->error, "no room");
  g_assert_cmpint (pm_test_replica_state (f->catalog, "crl", "lon"), !=, PM_REPLICA_IN_SYNC);
}

static void
test_corrupted_upload (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *origin = origin_path (f, "runbooks");
  g_autofree char *copy = g_build_filename (f->data_dir, "edges", "ams", "runbooks", NULL);
  g_autofree char *folder = g_path_get_dirname (copy);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  gsize length;
  gint64 id;

  id = pm_mirror_mirror_now (f->mirror, "runbooks", "ams", "alice", NULL, f->now, &error);
  g_assert_no_error (error);
  /* The bytes that go out are not the version's: one flipped byte, same size. */
  g_assert_true (g_file_get_contents (origin, &contents, &length, NULL));
  contents[length / 2] ^= 0x5a;
  g_assert_true (g_file_set_contents (origin, contents, (gssize) length, NULL));

  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_FAILED);
  pm_test_assert_contains (job->error, "SHA-256");
  g_assert_cmpint (pm_test_replica_state (f->catalog, "runbooks", "ams"), ==, PM_REPLICA_FAILED);
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  assert_no_temporary_files (folder, "runbooks");
}

/* A crash left a job running, its replica copying and a half-written temporary file: the
 * restart resumes the job, once, and the leftover goes. */
static void
test_crash_mid_job (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autoptr(PmJob) done = NULL;
  gint64 id;

  id = pm_mirror_mirror_now (f->mirror, "runbooks", "ams", "alice", NULL, f->now, &error);
  g_assert_no_error (error);
  job = pm_catalog_get_job (f->catalog, id, &error);
  job->state = PM_JOB_RUNNING;
  g_assert_true (pm_catalog_update_job (f->catalog, job, PM_JOB_QUEUED, f->now, &error));
  g_assert_true (pm_catalog_move_replica (f->catalog, "runbooks", "ams", PM_REPLICA_PLANNED,
                                          PM_REPLICA_COPYING, job->version, job->sha256, FALSE,
                                          NULL, f->now, &error));
  g_assert_no_error (error);

  /* What the killed copy was writing. */
  {
    g_autofree char *leftover = g_build_filename (f->data_dir, "edges", "ams",
                                                  ".runbooks.part-00c0ffee00c0ffee", NULL);
    g_autofree char *folder = g_path_get_dirname (leftover);

    g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
    g_assert_true (g_file_set_contents (leftover, "half a file", -1, NULL));
  }

  close_mirror (f);
  open_mirror (f);
  g_assert_cmpint (pm_test_replica_state (f->catalog, "runbooks", "ams"), ==, PM_REPLICA_PLANNED);
  g_clear_pointer (&job, pm_job_free);
  job = pm_catalog_get_job (f->catalog, id, &error);
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);

  done = run_job (f, id);
  g_assert_cmpint (done->state, ==, PM_JOB_DONE);
  g_assert_cmpuint (count_jobs (f), ==, 1);
  assert_in_sync_copy (f, "runbooks", "ams");
}

static void
test_retire_after_cool_down (Fixture      *f,
                             gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->data_dir, "edges", "lon", "crl", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  gint64 deadline;

  predict_cut (f, 0.8);
  tick (f);
  job = run_job (f, only_job_id (f, "crl", "lon"));
  g_assert_cmpint (job->state, ==, PM_JOB_DONE);
  assert_in_sync_copy (f, "crl", "lon");

  /* lon's users are still at risk: this is the replica they rely on. */
  tick (f);
  g_assert_false (pm_mirror_retire (f->mirror, "crl", "lon", "alice", "tidy up", f->now,
                                    &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);

  /* The risk falls; the mirror stays through the cool-down (600 s), then goes. */
  predict_cut (f, 0.001);
  for (int i = 0; i < 8; i++)
    tick (f);
  g_assert_cmpint (pm_test_replica_state (f->catalog, "crl", "lon"), ==, PM_REPLICA_IN_SYNC);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (pm_test_replica_state (f->catalog, "crl", "lon") != PM_REPLICA_GONE)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tick (f);
      g_usleep (2000);
    }
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  g_assert_cmpint (find_decision (f, "policy:cool-down", "retire", "crl"), >, 0);
}

static void
test_consistency_levels (void)
{
  PmResource strong = { .consistency = PM_CONSISTENCY_STRONG };
  PmResource bounded = { .consistency = PM_CONSISTENCY_BOUNDED, .staleness_s = 600 };
  PmResource eventual = { .consistency = PM_CONSISTENCY_EVENTUAL };
  PmVersion latest = { .version = 2, .created_at = START };

  g_assert_false (pm_consistency_is_outdated (&strong, 2, &latest, START));
  g_assert_true (pm_consistency_is_outdated (&strong, 1, &latest, START));
  g_assert_false (pm_consistency_is_outdated (&bounded, 1, &latest, START + 600));
  g_assert_true (pm_consistency_is_outdated (&bounded, 1, &latest, START + 601));
  g_assert_false (pm_consistency_is_outdated (&eventual, 1, &latest, START + 86400));
  g_assert_false (pm_consistency_is_outdated (&strong, 1, NULL, START));
}

/* WebDAV: lon keeps its replicas on a real nginx. Verification GETs are slowed to 16 MiB/s so
 * that a transfer can be caught in the middle. */
static void
set_up_webdav (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *network = NULL;
  g_autofree char *extra = NULL;

  f->nginx = pm_test_nginx_new ("limit_rate 16m;", &error);
  if (f->nginx == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  extra = g_strdup_printf (",'storage':'%sedges/lon/'", pm_test_nginx_get_url (f->nginx));
  network = g_strdup_printf (NETWORK ("%s"), extra);
  set_up_with (f, network, RESOURCES_WITH_BIG);
}

static char *
served_path (Fixture    *f,
             const char *resource)
{
  return g_build_filename (pm_test_nginx_get_root (f->nginx), "edges", "lon", resource, NULL);
}

static void
assert_served_copy (Fixture    *f,
                    const char *resource)
{
  g_autofree char *copy = served_path (f, resource);
  g_autofree char *folder = g_path_get_dirname (copy);
  PmReplica *replica = pm_test_find_replica (f->catalog, resource, "lon");

  g_assert_nonnull (replica);
  g_assert_cmpint (replica->state, ==, PM_REPLICA_IN_SYNC);
  assert_file_digest (copy, replica->sha256);
  assert_no_temporary_files (folder, resource);
  pm_replica_free (replica);
}

/* Ticks until the executor reports bytes of the job sent. */
static void
wait_for_progress (Fixture *f,
                   gint64   id)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  PmJobProgress progress;

  while (!pm_executor_get_progress (pm_mirror_get_executor (f->mirror), id, &progress)
         || progress.bytes_done == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tick (f);
      g_usleep (1000);
    }
  g_assert_cmpuint (progress.bytes_total, ==, 67108864);
  g_assert_cmpfloat (progress.rate_bps, >, 0);
}

/* An operator cancels a running transfer: it stops, nothing is left at the edge, and a retry
 * starts it again and finishes it. */
static void
test_webdav_cancel_and_retry (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autofree char *big = NULL;
  gint64 id;

  if (f->nginx == NULL)
    return;
  id = pm_mirror_mirror_now (f->mirror, "big", "lon", "alice", NULL, f->now, &error);
  g_assert_no_error (error);
  wait_for_progress (f, id);
  g_assert_true (pm_mirror_act_on_job (f->mirror, id, "cancel", "alice", "wrong site", f->now,
                                       &error));
  g_assert_no_error (error);
  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_CANCELLED);
  /* The transfer sees the cancellation at its next chunk. */
  while (pm_executor_get_n_running (pm_mirror_get_executor (f->mirror)) > 0)
    {
      tick (f);
      g_usleep (1000);
    }
  g_assert_cmpint (pm_test_replica_state (f->catalog, "big", "lon"), ==, PM_REPLICA_GONE);
  big = served_path (f, "big");
  g_assert_false (g_file_test (big, G_FILE_TEST_EXISTS));
  g_assert_cmpint (find_decision (f, "alice", "cancel", "big"), >, 0);
  /* Cancelling what is over conflicts. */
  g_assert_false (pm_mirror_act_on_job (f->mirror, id, "cancel", "bob", NULL, f->now, &error));
  g_assert_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT);
  g_clear_error (&error);
  g_clear_pointer (&job, pm_job_free);

  g_assert_true (pm_mirror_act_on_job (f->mirror, id, "retry", "bob", NULL, f->now, &error));
  g_assert_no_error (error);
  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_DONE);
  assert_served_copy (f, "big");
}

static void
test_webdav_server_killed (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = NULL;
  g_autofree char *big = NULL;
  gint64 id, deadline;

  if (f->nginx == NULL)
    return;
  id = pm_mirror_mirror_now (f->mirror, "crl", "lon", "alice", NULL, f->now, &error);
  g_assert_no_error (error);
  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_DONE);
  assert_served_copy (f, "crl");
  g_clear_pointer (&job, pm_job_free);

  /* Killed mid-transfer: the job is retried, and nothing is in sync before it succeeds. */
  id = pm_mirror_mirror_now (f->mirror, "big", "lon", "alice", NULL, f->now, &error);
  g_assert_no_error (error);
  wait_for_progress (f, id);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  pm_test_nginx_kill (f->nginx);
  for (;;)
    {
      job = pm_catalog_get_job (f->catalog, id, NULL);
      if (job->state != PM_JOB_RUNNING)
        break;
      g_clear_pointer (&job, pm_job_free);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (job->state, ==, PM_JOB_QUEUED);
  g_assert_cmpuint (job->attempts, ==, 1);
  g_assert_nonnull (job->error);
  g_assert_cmpint (pm_test_replica_state (f->catalog, "big", "lon"), ==, PM_REPLICA_PLANNED);
  big = served_path (f, "big");
  g_assert_false (g_file_test (big, G_FILE_TEST_EXISTS));
  g_clear_pointer (&job, pm_job_free);

  g_assert_true (pm_test_nginx_restart (f->nginx, &error));
  g_assert_no_error (error);
  job = run_job (f, id);
  g_assert_cmpint (job->state, ==, PM_JOB_DONE);
  g_assert_cmpuint (job->attempts, ==, 1);
  assert_served_copy (f, "big");
}

static void
rewrite_origin (Fixture    *f,
                const char *resource)
{
  g_autofree char *path = origin_path (f, resource);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  contents[0] ^= 0xff;
  g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
}

static gint64
latest_version (Fixture    *f,
                const char *resource)
{
  PmVersion version = { 0 };
  gint64 number;

  pm_mirror_dup_latest (f->mirror,
                        (guint) pm_resources_lookup_resource (f->resources, resource), &version);
  number = version.version;
  pm_version_clear (&version);
  return number;
}

static gboolean
serves (Fixture    *f,
        const char *resource)
{
  PmReplica *replica = pm_test_find_replica (f->catalog, resource, "lon");
  int index = pm_resources_lookup_resource (f->resources, resource);
  const PmResource *r = pm_resources_get_resource (f->resources, index);
  PmVersion latest = { 0 };
  gboolean result;

  pm_mirror_dup_latest (f->mirror, (guint) index, &latest);
  result = replica != NULL && pm_consistency_can_serve (r, replica, &latest, f->now);
  pm_version_clear (&latest);
  pm_replica_free (replica);
  return result;
}

/* Where a client at lon is sent for resource, with the replicas the last tick marked usable. */
static const char *
route_from_lon (Fixture    *f,
                const char *resource)
{
  g_autoptr(PmRouting) routing = pm_routing_new (f->topology, f->resources, NULL);
  g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (f->topology);
  g_autoptr(PmRouteAnswer) answer = NULL;

  snapshot->time_s = f->now;
  snapshot->predicting = TRUE;
  pm_routing_update (routing, snapshot, pm_mirror_get_usable (f->mirror));
  answer = pm_routing_route (routing, LON,
                             (guint) pm_resources_lookup_resource (f->resources, resource));
  g_assert_cmpint (answer->site, >=, 0);
  return pm_topology_get_site (f->topology, (guint) answer->site)->id;
}

/* The origin changes while lon's server is down, so no refresh can land: the strong replica
 * stops serving at once, the bounded one after its 600 s, the eventual one never. */
static void
test_webdav_origin_changes (Fixture      *f,
                            gconstpointer data)
{
  static const char *ids[] = { "crl", "zone", "runbooks" };
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC, changed;

  if (f->nginx == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(PmJob) job = NULL;
      gint64 id = pm_mirror_mirror_now (f->mirror, ids[i], "lon", "alice", NULL, f->now, &error);

      g_assert_no_error (error);
      job = run_job (f, id);
      g_assert_cmpint (job->state, ==, PM_JOB_DONE);
      g_assert_true (serves (f, ids[i]));
    }

  pm_test_nginx_stop (f->nginx);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    rewrite_origin (f, ids[i]);
  /* One tick starts the scan; the clock stands still while it hashes, so that the bounded
   * replica's 600 s start when the new versions are seen. */
  tick (f);
  while (latest_version (f, "crl") < 2 || latest_version (f, "zone") < 2
         || latest_version (f, "runbooks") < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  changed = f->now;
  tick (f);
  g_assert_false (serves (f, "crl"));
  g_assert_true (serves (f, "zone"));
  g_assert_true (serves (f, "runbooks"));
  /* Clients at lon: the strong resource from its origin at once, the others from lon. */
  g_assert_cmpstr (route_from_lon (f, "crl"), ==, "fra");
  g_assert_cmpstr (route_from_lon (f, "zone"), ==, "lon");
  g_assert_cmpstr (route_from_lon (f, "runbooks"), ==, "lon");
  while (f->now <= changed + 700)
    tick (f);
  g_assert_false (serves (f, "crl"));
  g_assert_false (serves (f, "zone"));
  g_assert_true (serves (f, "runbooks"));
  /* Past its bound the bounded resource goes back to its origin too. */
  g_assert_cmpstr (route_from_lon (f, "crl"), ==, "fra");
  g_assert_cmpstr (route_from_lon (f, "zone"), ==, "fra");
  g_assert_cmpstr (route_from_lon (f, "runbooks"), ==, "lon");
  g_assert_cmpint (find_decision (f, "policy:consistency", "mirror", "crl"), >, 0);

  /* The server is back: every replica is refreshed to version 2. */
  g_assert_true (pm_test_nginx_restart (f->nginx, &error));
  g_assert_no_error (error);
  while (!serves (f, "crl") || !serves (f, "zone") || replica_version (f, "runbooks") < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      tick (f);
      g_usleep (1000);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    assert_served_copy (f, ids[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mirror/demo-files-and-versions", Fixture, NULL, set_up,
              test_demo_files_and_versions, tear_down);
  g_test_add ("/mirror/proposal-follows-risk", Fixture, NULL, set_up,
              test_proposal_follows_risk, tear_down);
  g_test_add ("/mirror/auto-and-manual-approval", Fixture, NULL, set_up,
              test_auto_and_manual_approval, tear_down);
  g_test_add ("/mirror/concurrent-approvals", Fixture, NULL, set_up, test_concurrent_approvals,
              tear_down);
  g_test_add ("/mirror/no-room-at-target", Fixture, NULL, set_up, test_no_room_at_target,
              tear_down);
  g_test_add ("/mirror/corrupted-upload", Fixture, NULL, set_up, test_corrupted_upload,
              tear_down);
  g_test_add ("/mirror/crash-mid-job", Fixture, NULL, set_up, test_crash_mid_job, tear_down);
  g_test_add ("/mirror/retire-after-cool-down", Fixture, NULL, set_up,
              test_retire_after_cool_down, tear_down);
  g_test_add_func ("/mirror/consistency-levels", test_consistency_levels);
  g_test_add ("/mirror/webdav/server-killed", Fixture, NULL, set_up_webdav,
              test_webdav_server_killed, tear_down);
  g_test_add ("/mirror/webdav/cancel-and-retry", Fixture, NULL, set_up_webdav,
              test_webdav_cancel_and_retry, tear_down);
  g_test_add ("/mirror/webdav/origin-changes", Fixture, NULL, set_up_webdav,
              test_webdav_origin_changes, tear_down);

  return g_test_run ();
}
