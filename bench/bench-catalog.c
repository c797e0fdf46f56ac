/* bench-catalog.c: the replica catalogue in etcd (pm-catalog-etcd), on one real 3-member etcd
 * 3.4 cluster on loopback ports started by the tests' launcher, next to etcd's own clients on
 * the same cluster in the same run.
 *
 * 1. Transitions per second through the engine's backend: N state changes as a console makes
 *    them, in cycles of five on one (resource, site) pair: upsert a proposal, approve it
 *    (pm_catalog_decide: proposal, job, decision and planned replica in one transaction), then
 *    move the replica planned → copying → verifying → in_sync as the executor does. From one
 *    thread, then from 4 threads on one catalogue (as the engine, the executor's workers and
 *    the API thread share one), each on pairs of its own. Reported: transitions/s, latency per
 *    transition (p50, p99), and the Txn and Range requests etcd served per transition (from
 *    the members' gRPC counters): more than one Txn is a retry after a conflict.
 * 2. The references: N single-key puts through the JSON gateway (POST /v3/kv/put) with libsoup,
 *    to the member the catalogue talks to, from one thread and from 4 threads sharing one
 *    session as the engine's threads share its client's (libsoup's default of 2 connections per
 *    host included); and `etcdctl put` run as one process per put (etcdctl 3.4 has no bulk
 *    put). Reported with the ratios of (1) to them.
 * 3. How long a decision takes to show in another console: consoles A and B are two catalogues
 *    on one prefix; A upserts and approves a proposal, B's in-memory copy (kept by its watch
 *    stream) is polled every 0.2 ms until the proposal shows as approved. Median, p99 and the
 *    share above 1 s, from A's commit and from A's call.
 *
 * The figures are printed, never judged. Skipped when etcd is not installed; the etcdctl
 * reference alone is skipped when etcdctl is not.
 *
 * Usage: bench-catalog [N]   (N transitions per run, default 2000)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsoup/soup.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror/pm-catalog-etcd.h"
#include "pm-test-etcd.h"

#define DEFAULT_N           2000
#define STEPS_PER_PAIR      5  /* upsert, approve, three moves */
#define N_THREADS           4
#define N_ETCDCTL           200
#define N_VISIBILITY        200
#define WARM_UP_PAIRS       10
#define POLL_US             200
#define VISIBILITY_LIMIT_US (10 * G_USEC_PER_SEC)
#define PREFIX              "/bench-catalog/"

/* As tests/test-catalog.c: a small network and two resources. Written with single quotes, read
 * with double quotes (see json_bytes). */
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

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* What a raw put writes: about the size of a replica record, the most common write. */
#define RAW_VALUE                                                                                 \
  "{\"resource\":\"dns\",\"site\":\"site-0000\",\"state\":\"in_sync\",\"version\":1,"             \
  "\"sha256\":\"" SHA "\",\"updated_at\":1717200000,\"verified_at\":1717200000,"                 \
  "\"temporary\":true}"

static const PmJobSpec spec = { .version = 1, .sha256 = SHA, .bytes = 3000, .priority = 2.5,
                                .deadline_s = 600 };

static const char *const resource_ids[] = { "dns", "fw" };

typedef enum
{
  KIND_UPSERT,
  KIND_APPROVE,
  KIND_MOVE,
  N_KINDS,
} Kind;

typedef struct
{
  PmCatalog  *catalog;
  const char *site_prefix;  /* sites are SITE_PREFIX-NNNN: pairs no other worker touches */
  guint       n_pairs;
  GArray     *latency_ms[N_KINDS];
  guint       done;          /* transitions that went through */
  guint       failures;      /* pairs abandoned after a failed transition */
  char       *first_error;
} Worker;

typedef struct
{
  double txn;
  double range;
  gboolean known;  /* FALSE when the members' metrics said nothing about them */
} RpcCount;

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static double
ms_since (gint64 start_us)
{
  return (double) (g_get_monotonic_time () - start_us) / 1e3;
}

static int
compare_doubles (const void *x,
                 const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;

  return a < b ? -1 : a > b;
}

/* The nearest-rank quantile q of v (which it sorts); NAN when v is empty. */
static double
quantile (GArray *v,
          double  q)
{
  guint rank;

  if (v->len == 0)
    return NAN;
  qsort (v->data, v->len, sizeof (double), compare_doubles);
  rank = (guint) ceil (q * v->len);
  return g_array_index (v, double, CLAMP (rank, 1, v->len) - 1);
}

static GArray *
new_doubles (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

static void
add_double (GArray *v,
            double  value)
{
  g_array_append_val (v, value);
}

/* JSON written with single quotes, as the tests write it. */
static GBytes *
json_bytes (const char *quoted)
{
  char *json = g_strdup (quoted);

  g_strdelimit (json, "'", '"');
  return g_bytes_new_take (json, strlen (json));
}

static PmResources *
load_resources (void)
{
  g_autoptr(GBytes) network = json_bytes (NETWORK);
  g_autoptr(GBytes) bytes = json_bytes (RESOURCES);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = pm_topology_new_from_bytes (network, "network.geojson",
                                                               &error);
  PmResources *resources;

  if (topology == NULL)
    g_error ("%s", error->message);
  resources = pm_resources_new_from_bytes (bytes, "resources.json", topology, &error);
  if (resources == NULL)
    g_error ("%s", error->message);
  return resources;
}

/* A console on prefix (under PREFIX), knowing the resources. */
static PmCatalog *
open_console (PmTestEtcd  *cluster,
              const char  *prefix,
              PmResources *resources)
{
  g_autofree char *uri = g_strdup_printf ("etcd:%s?prefix=" PREFIX "%s/",
                                          pm_test_etcd_get_endpoints (cluster), prefix);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCatalog) catalog = pm_catalog_etcd_open (uri, &error);

  if (catalog == NULL)
    g_error ("%s", error->message);
  if (resources != NULL && !pm_catalog_sync_resources (catalog, resources, &error))
    g_error ("%s", error->message);
  return g_steal_pointer (&catalog);
}

static SoupSession *
new_session (void)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 10, NULL);

  /* Loopback: never through a proxy from the environment. */
  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/* The Txn and Range requests the members have served so far: the sum over members of their
 * grpc_server_handled_total counters (the JSON gateway hands every request to the member's
 * own gRPC server, so it counts there). */
static RpcCount
count_rpcs (PmTestEtcd  *cluster,
            SoupSession *session)
{
  RpcCount count = { 0, 0, FALSE };

  for (guint m = 0; m < pm_test_etcd_get_n_members (cluster); m++)
    {
      g_autofree char *url = g_strconcat (pm_test_etcd_get_member_url (cluster, m), "/metrics",
                                          NULL);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK
          || g_bytes_get_size (body) == 0)
        continue;
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *value;

          if (!g_str_has_prefix (lines[i], "grpc_server_handled_total{")
              || (value = strrchr (lines[i], ' ')) == NULL)
            continue;
          if (strstr (lines[i], "grpc_method=\"Txn\"") != NULL)
            count.txn += g_ascii_strtod (value + 1, NULL);
          else if (strstr (lines[i], "grpc_method=\"Range\"") != NULL)
            count.range += g_ascii_strtod (value + 1, NULL);
          else
            continue;
          count.known = TRUE;
        }
    }
  return count;
}

static void
print_rpcs (RpcCount before,
            RpcCount after,
            guint    transitions)
{
  if (!before.known || !after.known || transitions == 0)
    {
      printf ("  etcd requests per transition: unknown (no gRPC counters in /metrics)\n");
      return;
    }
  printf ("  etcd requests per transition: %.2f Txn (more than 1: retried after a conflict), "
          "%.2f Range (the console's quorum probe and election, each second; a conflict's "
          "keys are read again inside its Txn)\n",
          (after.txn - before.txn) / transitions, (after.range - before.range) / transitions);
}

/* Records a step that started at start_us; FALSE (keeping the worker's first error) when it
 * failed, which abandons the pair: its later steps would only fail too. */
static gboolean
step_done (Worker       *worker,
           Kind          kind,
           gint64        start_us,
           gboolean      ok,
           const GError *error)
{
  double ms = ms_since (start_us);

  if (!ok)
    {
      worker->failures++;
      if (worker->first_error == NULL)
        worker->first_error = g_strdup (error != NULL ? error->message : "no message");
      return FALSE;
    }
  add_double (worker->latency_ms[kind], ms);
  worker->done++;
  return TRUE;
}

/* The five transitions of one pair, as a console and its executor make them. */
static gboolean
run_pair (Worker     *worker,
          const char *resource,
          const char *site)
{
  static const PmReplicaState path[] = { PM_REPLICA_PLANNED, PM_REPLICA_COPYING,
                                         PM_REPLICA_VERIFYING, PM_REPLICA_IN_SYNC };
  g_autoptr(GError) error = NULL;
  PmCatalog *catalog = worker->catalog;
  PmProposal proposal = {
    .resource = (char *) resource, .site = (char *) site, .users_site = "lon",
    .probability = 0.8, .eta_s = 3600, .deadline_s = 1800, .bytes = 3000, .benefit = 120,
    .score = 8, .reason = "storm on fra--lon", .prediction = "{\"segments\":[\"fra--lon\"]}",
  };
  gint64 start_us, id;

  start_us = g_get_monotonic_time ();
  id = pm_catalog_upsert_proposal (catalog, &proposal, now_s (), &error);
  if (!step_done (worker, KIND_UPSERT, start_us, id > 0, error))
    return FALSE;

  start_us = g_get_monotonic_time ();
  if (!step_done (worker, KIND_APPROVE, start_us,
                  pm_catalog_decide (catalog, id, TRUE, "bench", NULL, &spec, now_s (),
                                     &error) > 0, error))
    return FALSE;

  /* As the executor moves it: with the job's version and digest, temporary as a proposal's. */
  for (guint i = 0; i + 1 < G_N_ELEMENTS (path); i++)
    {
      start_us = g_get_monotonic_time ();
      if (!step_done (worker, KIND_MOVE, start_us,
                      pm_catalog_move_replica (catalog, resource, site, path[i], path[i + 1],
                                               spec.version, spec.sha256, TRUE, NULL, now_s (),
                                               &error), error))
        return FALSE;
    }
  return TRUE;
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;

  for (guint i = 0; i < worker->n_pairs; i++)
    {
      g_autofree char *site = g_strdup_printf ("%s-%04u", worker->site_prefix, i);

      run_pair (worker, resource_ids[i % G_N_ELEMENTS (resource_ids)], site);
    }
  return NULL;
}

static void
worker_init (Worker     *worker,
             PmCatalog  *catalog,
             const char *site_prefix,
             guint       n_pairs)
{
  *worker = (Worker) { .catalog = catalog, .site_prefix = site_prefix, .n_pairs = n_pairs };
  for (guint k = 0; k < N_KINDS; k++)
    worker->latency_ms[k] = new_doubles ();
}

static void
worker_clear (Worker *worker)
{
  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (worker->latency_ms[k]);
  g_free (worker->first_error);
}

/* Runs n_pairs pairs split over n_threads threads on catalog; returns transitions/s. */
static double
bench_transitions (PmTestEtcd  *cluster,
                   SoupSession *metrics,
                   PmCatalog   *catalog,
                   const char  *run,
                   guint        n_threads,
                   guint        n_pairs)
{
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  g_autoptr(GArray) all = new_doubles ();
  GArray *by_kind[N_KINDS];
  RpcCount before, after;
  guint done = 0, failures = 0;
  const char *first_error = NULL;
  gint64 start_us;
  double seconds, rate;

  g_assert (n_threads <= N_THREADS);
  for (guint t = 0; t < n_threads; t++)
    {
      g_autofree char *site_prefix = g_strdup_printf ("%s-t%u", run, t);

      /* Interned: the workers' site names outlive this loop. */
      worker_init (&workers[t], catalog, g_intern_string (site_prefix),
                   n_pairs / n_threads + (t < n_pairs % n_threads));
    }

  before = count_rpcs (cluster, metrics);
  start_us = g_get_monotonic_time ();
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("bench-worker", worker_thread, &workers[t]);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  seconds = (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC;
  after = count_rpcs (cluster, metrics);

  for (guint k = 0; k < N_KINDS; k++)
    by_kind[k] = new_doubles ();
  for (guint t = 0; t < n_threads; t++)
    {
      for (guint k = 0; k < N_KINDS; k++)
        {
          g_array_append_vals (all, workers[t].latency_ms[k]->data, workers[t].latency_ms[k]->len);
          g_array_append_vals (by_kind[k], workers[t].latency_ms[k]->data,
                               workers[t].latency_ms[k]->len);
        }
      done += workers[t].done;
      failures += workers[t].failures;
      if (first_error == NULL)
        first_error = workers[t].first_error;
    }

  rate = done / seconds;
  printf ("engine transitions/s (%u thread%s): %.1f\n", n_threads, n_threads > 1 ? "s" : "",
          rate);
  printf ("  %u transitions in %.2f s; latency per transition: p50 %.2f ms, p99 %.2f ms\n", done,
          seconds, quantile (all, 0.5), quantile (all, 0.99));
  printf ("  p50 by kind: upsert %.2f ms, approve %.2f ms, move %.2f ms; p99: %.2f, %.2f, "
          "%.2f ms\n", quantile (by_kind[KIND_UPSERT], 0.5), quantile (by_kind[KIND_APPROVE], 0.5),
          quantile (by_kind[KIND_MOVE], 0.5), quantile (by_kind[KIND_UPSERT], 0.99),
          quantile (by_kind[KIND_APPROVE], 0.99), quantile (by_kind[KIND_MOVE], 0.99));
  print_rpcs (before, after, done);
  if (failures > 0)
    printf ("  FAILED: %u pairs abandoned after a failed transition; the first: %s\n", failures,
            first_error);

  for (guint t = 0; t < n_threads; t++)
    worker_clear (&workers[t]);
  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (by_kind[k]);
  return rate;
}

typedef struct
{
  SoupSession *session;
  const char  *put_url;
  const char  *value64;
  guint        first;     /* keys first … first + n - 1 */
  guint        n;
  GArray      *latency_ms;
  char        *first_error;
} Putter;

static gpointer
put_thread (gpointer data)
{
  Putter *putter = data;

  for (guint i = putter->first; i < putter->first + putter->n; i++)
    {
      g_autofree char *key = g_strdup_printf (PREFIX "raw/%06u", i);
      g_autofree char *key64 = g_base64_encode ((const guchar *) key, strlen (key));
      g_autofree char *body = g_strdup_printf ("{\"key\":\"%s\",\"value\":\"%s\"}", key64,
                                               putter->value64);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, putter->put_url);
      gsize length = strlen (body);
      g_autoptr(GBytes) request = g_bytes_new_take (g_steal_pointer (&body), length);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      gint64 put_us = g_get_monotonic_time ();

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
      reply = soup_session_send_and_read (putter->session, msg, NULL, &error);
      if (reply == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
        {
          if (putter->first_error == NULL)
            putter->first_error = g_strdup (error != NULL ? error->message
                                                          : soup_message_get_reason_phrase (msg));
          continue;
        }
      add_double (putter->latency_ms, ms_since (put_us));
    }
  return NULL;
}

/* n single-key puts (POST /v3/kv/put) to url from n_threads threads sharing one session, as
 * the engine's threads share its client's; returns puts/s. */
static double
bench_gateway (const char *url,
               guint       n,
               guint       n_threads)
{
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *put_url = g_strconcat (url, "/v3/kv/put", NULL);
  g_autofree char *value64 = g_base64_encode ((const guchar *) RAW_VALUE, strlen (RAW_VALUE));
  g_autoptr(GArray) all = new_doubles ();
  Putter putters[N_THREADS];
  GThread *threads[N_THREADS];
  const char *first_error = NULL;
  guint max_per_host = 0, first = 0;
  gint64 start_us;
  double seconds, rate;

  g_assert (n_threads <= N_THREADS);
  g_object_get (session, "max-conns-per-host", &max_per_host, NULL);
  for (guint t = 0; t < n_threads; t++)
    {
      putters[t] = (Putter) { session, put_url, value64, first,
                              n / n_threads + (t < n % n_threads), new_doubles (), NULL };
      first += putters[t].n;
    }
  start_us = g_get_monotonic_time ();
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("bench-put", put_thread, &putters[t]);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  seconds = (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC;
  for (guint t = 0; t < n_threads; t++)
    {
      g_array_append_vals (all, putters[t].latency_ms->data, putters[t].latency_ms->len);
      if (first_error == NULL)
        first_error = putters[t].first_error;
    }

  rate = all->len / seconds;
  if (n_threads == 1)
    printf ("reference: JSON gateway put/s (1 thread): %.1f\n", rate);
  else
    printf ("reference: JSON gateway put/s (%u threads, one libsoup session as the engine's: "
            "at most %u connections per member): %.1f\n", n_threads, max_per_host, rate);
  printf ("  %u puts of %zu bytes in %.2f s; latency per put: p50 %.2f ms, p99 %.2f ms\n",
          all->len, strlen (RAW_VALUE), seconds, quantile (all, 0.5), quantile (all, 0.99));
  if (first_error != NULL)
    printf ("  FAILED: %u puts; the first: %s\n", n - all->len, first_error);

  for (guint t = 0; t < n_threads; t++)
    {
      g_array_unref (putters[t].latency_ms);
      g_free (putters[t].first_error);
    }
  return rate;
}

/* etcdctl's environment: ETCDCTL_API=3 and no other ETCDCTL_* setting of the host, which etcdctl
 * would refuse next to the same flag on the command line. */
static char **
etcdctl_environment (void)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();

  for (guint i = 0; env[i] != NULL; i++)
    if (!g_str_has_prefix (env[i], "ETCDCTL_"))
      g_strv_builder_add (kept, env[i]);
  g_strv_builder_add (kept, "ETCDCTL_API=3");
  return g_strv_builder_end (kept);
}

/* n runs of `etcdctl --endpoints=… put KEY VALUE`, one after another; returns puts/s, 0 when
 * etcdctl is missing or failed. */
static double
bench_etcdctl (PmTestEtcd *cluster,
               guint       n)
{
  g_autofree char *etcdctl = g_find_program_in_path ("etcdctl");
  g_autofree char *endpoints = NULL;
  g_auto(GStrv) envp = NULL;
  g_autoptr(GArray) latency = new_doubles ();
  gint64 start_us;
  double seconds, rate;

  if (etcdctl == NULL)
    {
      printf ("reference: etcdctl put/s: skipped, etcdctl is not installed (the etcd-client "
              "package)\n");
      return 0;
    }
  endpoints = g_strconcat ("--endpoints=", pm_test_etcd_get_endpoints (cluster), NULL);
  envp = etcdctl_environment ();
  start_us = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf (PREFIX "etcdctl/%06u", i);
      const char *argv[] = { etcdctl, endpoints, "put", key, RAW_VALUE, NULL };
      g_autofree char *err = NULL;
      g_autoptr(GError) error = NULL;
      gint64 put_us = g_get_monotonic_time ();
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                         &err, &status, &error)
          || !g_spawn_check_wait_status (status, &error))
        {
          printf ("reference: etcdctl put/s: failed: %s %s\n", error->message,
                  err != NULL ? g_strstrip (err) : "");
          return 0;
        }
      add_double (latency, ms_since (put_us));
    }
  seconds = (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC;
  rate = n / seconds;
  printf ("reference: etcdctl put/s (one process per put, %u puts): %.1f\n", n, rate);
  printf ("  latency per process: p50 %.2f ms, p99 %.2f ms\n", quantile (latency, 0.5),
          quantile (latency, 0.99));
  return rate;
}

/* Whether console's copy shows proposal id as approved. */
static gboolean
shows_approved (PmCatalog *console,
                gint64     id)
{
  g_autoptr(GPtrArray) proposals = pm_catalog_list_proposals (console, NULL);

  for (guint i = 0; proposals != NULL && i < proposals->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (proposals, i);

      if (proposal->id == id)
        return proposal->state == PM_PROPOSAL_APPROVED;
    }
  return FALSE;
}

static void
print_visibility (const char *from,
                  GArray     *ms)
{
  guint above = 0;

  for (guint i = 0; i < ms->len; i++)
    above += g_array_index (ms, double, i) > 1000;
  printf ("  from A's %s: median %.2f ms, p99 %.2f ms, max %.2f ms, above 1 s: %.1f %% (%u of "
          "%u)\n", from, quantile (ms, 0.5), quantile (ms, 0.99), quantile (ms, 1.0),
          100.0 * above / MAX (ms->len, 1), above, ms->len);
}

static void
bench_visibility (PmTestEtcd  *cluster,
                  PmResources *resources,
                  guint        n)
{
  g_autoptr(PmCatalog) a = open_console (cluster, "visibility", resources);
  g_autoptr(PmCatalog) b = open_console (cluster, "visibility", NULL);
  g_autoptr(GArray) from_commit = new_doubles ();
  g_autoptr(GArray) from_call = new_doubles ();
  g_autoptr(GArray) poll_ms = new_doubles ();
  guint missed = 0;

  printf ("decision in console A → shown in console B (two catalogues on one prefix; B's copy "
          "polled every %.1f ms, %u decisions):\n", POLL_US / 1e3, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *site = g_strdup_printf ("vis-%04u", i);
      PmProposal proposal = {
        .resource = "dns", .site = site, .users_site = "lon", .probability = 0.8,
        .eta_s = 3600, .deadline_s = 1800, .bytes = 3000, .reason = "storm on fra--lon",
      };
      gint64 id, call_us, commit_us, deadline_us;
      gboolean shown = FALSE;

      id = pm_catalog_upsert_proposal (a, &proposal, now_s (), &error);
      if (id == 0)
        g_error ("%s", error->message);
      call_us = g_get_monotonic_time ();
      if (pm_catalog_decide (a, id, TRUE, "alice", NULL, &spec, now_s (), &error) == 0)
        g_error ("%s", error->message);
      commit_us = g_get_monotonic_time ();
      deadline_us = commit_us + VISIBILITY_LIMIT_US;
      while (!shown && g_get_monotonic_time () < deadline_us)
        {
          gint64 poll_us = g_get_monotonic_time ();

          shown = shows_approved (b, id);
          add_double (poll_ms, ms_since (poll_us));
          if (!shown)
            g_usleep (POLL_US);
        }
      if (!shown)
        {
          missed++;
          continue;
        }
      add_double (from_commit, ms_since (commit_us));
      add_double (from_call, ms_since (call_us));
    }
  print_visibility ("commit (pm_catalog_decide returned)", from_commit);
  print_visibility ("call (pm_catalog_decide called)", from_call);
  printf ("  one poll of B (pm_catalog_list_proposals, up to %u proposals): p50 %.3f ms, "
          "p99 %.3f ms\n", n, quantile (poll_ms, 0.5), quantile (poll_ms, 0.99));
  if (missed > 0)
    printf ("  NOT SHOWN within %d s: %u of %u decisions\n",
            (int) (VISIBILITY_LIMIT_US / G_USEC_PER_SEC), missed, n);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTestEtcd) cluster = NULL;
  g_autoptr(PmResources) resources = NULL;
  g_autoptr(SoupSession) metrics = NULL;
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : DEFAULT_N;
  guint n_pairs;
  gint64 start_us = g_get_monotonic_time ();
  double engine_1, engine_4, gateway_1, gateway_4, etcdctl;
  int leader;

  /* Line by line: a run cut short by a timeout keeps the figures it printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (n < STEPS_PER_PAIR * N_THREADS)
    {
      fprintf (stderr, "usage: bench-catalog [N]  (N transitions per run, at least %d)\n",
               STEPS_PER_PAIR * N_THREADS);
      return 2;
    }
  n_pairs = n / STEPS_PER_PAIR;

  cluster = pm_test_etcd_start (3, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      printf ("skipped: %s\n", error->message);
      return 0;
    }
  if (cluster == NULL)
    g_error ("%s", error->message);
  metrics = new_session ();
  resources = load_resources ();
  leader = pm_test_etcd_find_leader (cluster);

  printf ("bench-catalog: the replica catalogue in etcd (pm-catalog-etcd, JSON gateway) against "
          "etcd's own clients\n");
  printf ("cluster: 3 members on loopback (%s), started in %.1f s; leader m%d; the catalogue and "
          "the gateway puts talk to m0; %u CPUs\n", pm_test_etcd_get_endpoints (cluster),
          (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC, leader,
          g_get_num_processors ());
  printf ("N = %u transitions per run: %u (resource, site) pairs × %d (upsert, approve, "
          "planned→copying, copying→verifying, verifying→in_sync)\n\n", n_pairs * STEPS_PER_PAIR,
          n_pairs, STEPS_PER_PAIR);

  {
    g_autoptr(PmCatalog) catalog = open_console (cluster, "transitions", resources);
    Worker warm_up;

    /* Connections made and the members' caches warm before anything is timed. */
    worker_init (&warm_up, catalog, "warm-up", WARM_UP_PAIRS);
    worker_thread (&warm_up);
    worker_clear (&warm_up);

    engine_1 = bench_transitions (cluster, metrics, catalog, "one", 1, n_pairs);
    engine_4 = bench_transitions (cluster, metrics, catalog, "four", N_THREADS, n_pairs);
  }
  gateway_1 = bench_gateway (pm_test_etcd_get_member_url (cluster, 0), n_pairs * STEPS_PER_PAIR,
                             1);
  gateway_4 = bench_gateway (pm_test_etcd_get_member_url (cluster, 0), n_pairs * STEPS_PER_PAIR,
                             N_THREADS);
  etcdctl = bench_etcdctl (cluster, N_ETCDCTL);

  printf ("ratio engine/gateway (1 thread): %.2f\n", engine_1 / gateway_1);
  printf ("ratio engine/gateway (4 threads): %.2f\n", engine_4 / gateway_4);
  printf ("ratio engine (4 threads)/gateway (1 thread): %.2f\n", engine_4 / gateway_1);
  if (etcdctl > 0)
    printf ("ratio engine/etcdctl processes (engine 1 thread): %.2f\n", engine_1 / etcdctl);
  printf ("\n");

  bench_visibility (cluster, resources, N_VISIBILITY);

  g_clear_pointer (&cluster, pm_test_etcd_free);
  printf ("total: %.1f s\n", (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC);
  return 0;
}
