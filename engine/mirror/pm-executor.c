/* pm-executor.c: the job queue and its transfers.
 *
 * A transfer's replica goes planned → copying → verifying → in_sync, and only after the
 * transport has checked the digest of what arrived and renamed it into place. A refresh of a
 * replica that still serves (in_sync, of an older version) copies beside it and replaces it in
 * place, so clients keep being served until the new version is verified.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-executor.h"

#include <math.h>

#include "pm-site-storage.h"

typedef struct _Transfer Transfer;

struct _PmExecutor
{
  gatomicrefcount   ref_count;  /* the owner's reference and one per transfer in flight */
  gboolean          closed;     /* the owner let go: completions change nothing any more */
  PmCatalog        *catalog;
  PmResources      *resources;
  PmTopology       *topology;
  PmInventory      *inventory;
  char             *data_dir;
  PmExecutorParams  params;
  PmTransport     **transports;      /* per site, created on first use */
  GMutex            lock;            /* guards running, throughput */
  GHashTable       *running;         /* job id (gint64 *) → Transfer */
  GHashTable       *retiring;        /* "resource\nsite" being removed → NULL */
  guint            *running_per_site;
  double           *throughput;      /* per site, bytes per real second; 0 = unmeasured */
  GRand            *rand;            /* backoff jitter */
  gint64            now;             /* the engine's clock at the last poll */
  double            speed;
};

struct _Transfer
{
  PmExecutor      *executor;
  PmJob           *job;
  guint            site;
  char            *source_path;
  PmTransport     *transport;
  GCancellable    *cancellable;
  gboolean         fresh;        /* the replica was moved to copying: it serves nothing yet */
  gint64           started_us;   /* monotonic */
  guint64          bytes_done;   /* under the executor's lock */
  guint64          bytes_total;
  gboolean         verifying;
  PmTransferReport report;
};

static PmExecutor *executor_ref   (PmExecutor *self);
static void        executor_unref (PmExecutor *self);

void
pm_executor_params_init (PmExecutorParams *params)
{
  params->max_jobs = 4;
  params->max_jobs_per_site = 2;
  params->max_attempts = 6;
  params->backoff_s = 5;
  params->backoff_max_s = 600;
}

static void
transfer_free (Transfer *transfer)
{
  pm_job_free (transfer->job);
  g_free (transfer->source_path);
  g_clear_object (&transfer->transport);
  g_clear_object (&transfer->cancellable);
  executor_unref (transfer->executor);
  g_free (transfer);
}

static PmExecutor *
executor_ref (PmExecutor *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
executor_unref (PmExecutor *self)
{
  guint n_sites;

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  n_sites = pm_topology_get_n_sites (self->topology);
  for (guint i = 0; i < n_sites; i++)
    g_clear_object (&self->transports[i]);
  g_free (self->transports);
  g_hash_table_unref (self->running);
  g_hash_table_unref (self->retiring);
  g_free (self->running_per_site);
  g_free (self->throughput);
  g_rand_free (self->rand);
  g_mutex_clear (&self->lock);
  g_object_unref (self->catalog);
  g_object_unref (self->resources);
  g_free (self->data_dir);
  g_free (self);
}

PmExecutor *
pm_executor_new (PmCatalog              *catalog,
                 PmResources            *resources,
                 PmInventory            *inventory,
                 const char             *data_dir,
                 const PmExecutorParams *params)
{
  PmExecutor *self = g_new0 (PmExecutor, 1);
  guint n_sites;

  g_atomic_ref_count_init (&self->ref_count);
  self->catalog = g_object_ref (catalog);
  self->resources = g_object_ref (resources);
  self->topology = pm_resources_get_topology (resources);
  self->inventory = inventory;
  self->data_dir = g_strdup (data_dir);
  if (params != NULL)
    self->params = *params;
  else
    pm_executor_params_init (&self->params);
  n_sites = pm_topology_get_n_sites (self->topology);
  self->transports = g_new0 (PmTransport *, n_sites);
  g_mutex_init (&self->lock);
  self->running = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, NULL);
  self->retiring = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->running_per_site = g_new0 (guint, n_sites);
  self->throughput = g_new0 (double, n_sites);
  self->rand = g_rand_new ();
  self->speed = 1;
  return self;
}

/* The transfers see the cancellation at their next chunk; their completions run on this
 * thread's context, which is iterated until the last one is in, so nothing outlives the owner
 * half-done. The catalogue keeps them running: the next start resumes them. */
void
pm_executor_free (PmExecutor *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self == NULL)
    return;
  self->closed = TRUE;
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((Transfer *) value)->cancellable);
  g_mutex_unlock (&self->lock);
  while (g_hash_table_size (self->running) > 0 || g_hash_table_size (self->retiring) > 0)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  executor_unref (self);
}

static PmTransport *
transport_for (PmExecutor *self,
               guint       site,
               GError    **error)
{
  if (self->transports[site] == NULL)
    {
      g_autofree char *uri = pm_site_storage_uri (pm_topology_get_site (self->topology, site),
                                                  self->data_dir);
      self->transports[site] = pm_transport_new_for_uri (uri, error);
    }
  return self->transports[site] != NULL ? g_object_ref (self->transports[site]) : NULL;
}

static const PmReplica *
find_replica (GPtrArray  *replicas,
              const char *resource,
              const char *site)
{
  for (guint i = 0; replicas != NULL && i < replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (replicas, i);
      if (g_str_equal (replica->resource, resource) && g_str_equal (replica->site, site))
        return replica;
    }
  return NULL;
}

static gboolean
takes_space (PmReplicaState state)
{
  return state != PM_REPLICA_GONE && state != PM_REPLICA_FAILED && state != PM_REPLICA_RETIRING;
}

guint64
pm_executor_used_bytes (PmExecutor *self,
                        GPtrArray  *replicas,
                        guint       site)
{
  const char *site_id = pm_topology_get_site (self->topology, site)->id;
  guint64 used = 0;

  for (guint i = 0; replicas != NULL && i < replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (replicas, i);
      int r;

      if (!g_str_equal (replica->site, site_id) || !takes_space (replica->state))
        continue;
      r = pm_resources_lookup_resource (self->resources, replica->resource);
      if (r >= 0)
        used += pm_resources_get_resource (self->resources, r)->size_bytes;
    }
  return used;
}

/* Moves a replica that is in one of two states; the one it is in is not known after a worker
 * thread may have moved it. */
static gboolean
move_replica_from_either (PmExecutor     *self,
                          const PmJob    *job,
                          PmReplicaState  from_a,
                          PmReplicaState  from_b,
                          PmReplicaState  to,
                          gboolean        temporary,
                          const char     *error_text,
                          GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (pm_catalog_move_replica (self->catalog, job->resource, job->site, from_a, to, job->version,
                               job->sha256, temporary, error_text, self->now, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return pm_catalog_move_replica (self->catalog, job->resource, job->site, from_b, to,
                                  job->version, job->sha256, temporary, error_text, self->now,
                                  error);
}

/* Ends a job in the catalogue: job to `state` with the error text, a fresh replica to `replica_to`
 * (gone through planned; left alone for in_sync, which the caller has set). */
static void
finish_job (PmExecutor     *self,
            Transfer       *transfer,
            PmJobState      state,
            PmReplicaState  replica_to,
            const char     *error_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) job = pm_job_copy (transfer->job);
  gboolean temporary = transfer->job->proposal != 0;

  job->state = state;
  g_free (job->error);
  job->error = g_strdup (error_text);
  job->bytes_done = transfer->bytes_done;
  if (!pm_catalog_update_job (self->catalog, job, PM_JOB_RUNNING, self->now, &error))
    {
      /* Cancelled by an operator while it ran: the cancellation stands. */
      if (!g_error_matches (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT))
        pm_catalog_report_failure ("Cannot record the end of a job", error);
      g_clear_error (&error);
    }
  /* A verified replica was already marked in sync by the caller. */
  if (!transfer->fresh || replica_to == PM_REPLICA_IN_SYNC)
    return;
  if (replica_to == PM_REPLICA_GONE)
    {
      if (move_replica_from_either (self, transfer->job, PM_REPLICA_COPYING,
                                    PM_REPLICA_VERIFYING, PM_REPLICA_PLANNED, temporary, NULL,
                                    &error))
        pm_catalog_move_replica (self->catalog, job->resource, job->site, PM_REPLICA_PLANNED,
                                 PM_REPLICA_GONE, 0, NULL, temporary, NULL, self->now, &error);
    }
  else
    {
      move_replica_from_either (self, transfer->job, PM_REPLICA_COPYING, PM_REPLICA_VERIFYING,
                                replica_to, temporary, error_text, &error);
    }
  pm_catalog_report_failure ("Cannot record the replica's state", error);
}

static void
record_throughput (PmExecutor *self,
                   Transfer   *transfer)
{
  double seconds = transfer->report.copy_s + transfer->report.verify_s;
  double rate;

  if (seconds <= 0 || transfer->report.bytes < (1u << 20))
    return;
  rate = transfer->report.bytes / seconds;
  g_mutex_lock (&self->lock);
  /* Smoothed, so one transfer slowed by a busy disk does not halve the next estimate. */
  self->throughput[transfer->site] = self->throughput[transfer->site] > 0
                                       ? 0.7 * self->throughput[transfer->site] + 0.3 * rate
                                       : rate;
  g_mutex_unlock (&self->lock);
}

static double
backoff_s (PmExecutor *self,
           guint       attempts)
{
  double delay = MIN (self->params.backoff_max_s,
                      self->params.backoff_s * pow (2, MAX (attempts, 1) - 1));
  /* ±25% jitter, so retries of jobs that failed together do not hit the server together. */
  return delay * g_rand_double_range (self->rand, 0.75, 1.25);
}

static void
transfer_done (Transfer *transfer,
               GError   *error)
{
  PmExecutor *self = transfer->executor;

  if (error == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      record_throughput (self, transfer);
      if (transfer->fresh)
        {
          /* A transfer whose progress never reached the end (an empty file) is still copying;
           * the state machine goes through verifying either way. */
          pm_catalog_move_replica (self->catalog, transfer->job->resource, transfer->job->site,
                                   PM_REPLICA_COPYING, PM_REPLICA_VERIFYING,
                                   transfer->job->version, transfer->job->sha256,
                                   transfer->job->proposal != 0, NULL, self->now, NULL);
          pm_catalog_move_replica (self->catalog, transfer->job->resource, transfer->job->site,
                                   PM_REPLICA_VERIFYING, PM_REPLICA_IN_SYNC,
                                   transfer->job->version, transfer->job->sha256,
                                   transfer->job->proposal != 0, NULL, self->now, &local_error);
        }
      else
        pm_catalog_move_replica (self->catalog, transfer->job->resource, transfer->job->site,
                                 PM_REPLICA_IN_SYNC, PM_REPLICA_IN_SYNC, transfer->job->version,
                                 transfer->job->sha256, transfer->job->proposal != 0, NULL,
                                 self->now, &local_error);
      pm_catalog_report_failure ("Cannot mark a verified replica in sync", local_error);
      finish_job (self, transfer, PM_JOB_DONE, PM_REPLICA_IN_SYNC, NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_job (self, transfer, PM_JOB_CANCELLED, PM_REPLICA_GONE, "cancelled");
    }
  else if (pm_transport_error_is_transient (error)
           && transfer->job->attempts + 1 < self->params.max_attempts)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PmJob) job = pm_job_copy (transfer->job);

      job->state = PM_JOB_QUEUED;
      job->attempts++;
      job->next_attempt_at = self->now
                             + (gint64) ceil (backoff_s (self, job->attempts) * self->speed);
      g_free (job->error);
      job->error = g_strdup (error->message);
      if (!pm_catalog_update_job (self->catalog, job, PM_JOB_RUNNING, self->now, &local_error)
          && !g_error_matches (local_error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT))
        pm_catalog_report_failure ("Cannot requeue a job", local_error);
      g_clear_error (&local_error);
      if (transfer->fresh)
        move_replica_from_either (self, transfer->job, PM_REPLICA_COPYING, PM_REPLICA_VERIFYING,
                                  PM_REPLICA_PLANNED, transfer->job->proposal != 0, error->message,
                                  &local_error);
      pm_catalog_report_failure ("Cannot reset a replica for a retry", local_error);
    }
  else
    {
      finish_job (self, transfer, PM_JOB_FAILED, PM_REPLICA_FAILED, error->message);
    }
}

static void
transfer_progress_cb (guint64  bytes_done,
                      guint64  bytes_total,
                      gpointer user_data)
{
  Transfer *transfer = user_data;
  PmExecutor *self = transfer->executor;
  gboolean now_verifying = FALSE;

  g_mutex_lock (&self->lock);
  transfer->bytes_done = bytes_done;
  transfer->bytes_total = bytes_total;
  if (bytes_done >= bytes_total && !transfer->verifying)
    now_verifying = transfer->verifying = TRUE;
  g_mutex_unlock (&self->lock);

  /* The catalogue is thread-safe; this is the moment the copy phase ends. */
  if (now_verifying && transfer->fresh)
    {
      g_autoptr(GError) error = NULL;
      if (!pm_catalog_move_replica (self->catalog, transfer->job->resource, transfer->job->site,
                                    PM_REPLICA_COPYING, PM_REPLICA_VERIFYING,
                                    transfer->job->version, transfer->job->sha256,
                                    transfer->job->proposal != 0, NULL, self->now, &error))
        g_debug ("Replica not moved to verifying: %s", error->message);
    }
}

static void
transfer_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Transfer *transfer = task_data;
  GError *error = NULL;

  if (pm_transport_put (transfer->transport, transfer->source_path, transfer->job->resource,
                        transfer->job->sha256, transfer_progress_cb, transfer, &transfer->report,
                        cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
transfer_finished_cb (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Transfer *transfer = g_task_get_task_data (G_TASK (result));
  PmExecutor *self = transfer->executor;
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->running, &transfer->job->id);
  self->running_per_site[transfer->site]--;
  g_mutex_unlock (&self->lock);
  if (!self->closed)
    transfer_done (transfer, error);
}

/* Fails a job that cannot start at all (no transport, no origin file, no room). */
static void
refuse_job (PmExecutor  *self,
            const PmJob *job,
            const char  *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) failed = pm_job_copy (job);

  failed->state = PM_JOB_FAILED;
  g_free (failed->error);
  failed->error = g_strdup (why);
  if (!pm_catalog_update_job (self->catalog, failed, PM_JOB_QUEUED, self->now, &error))
    pm_catalog_report_failure ("Cannot record a refused job", error);
  g_clear_error (&error);
  /* A replica planned for it never received anything. */
  if (!pm_catalog_move_replica (self->catalog, job->resource, job->site, PM_REPLICA_PLANNED,
                                PM_REPLICA_FAILED, 0, NULL, job->proposal != 0, why, self->now,
                                &error)
      && !g_error_matches (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT))
    pm_catalog_report_failure ("Cannot record a refused replica", error);
}

/* Brings the replica to copying for a transfer: a fresh one from planned (or a failed or gone
 * one through planned), a stale one directly; an in_sync one is refreshed in place. */
static gboolean
prepare_replica (PmExecutor      *self,
                 const PmJob     *job,
                 const PmReplica *replica,
                 gboolean        *fresh,
                 GError         **error)
{
  PmReplicaState state = replica != NULL ? replica->state : PM_REPLICA_GONE;
  gboolean temporary = replica != NULL && state != PM_REPLICA_GONE && state != PM_REPLICA_FAILED
                         ? replica->temporary
                         : job->proposal != 0;

  *fresh = state != PM_REPLICA_IN_SYNC;
  if (state == PM_REPLICA_IN_SYNC)
    return TRUE;
  if (state == PM_REPLICA_RETIRING)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT,
                   "The replica of %s at %s is being retired", job->resource, job->site);
      return FALSE;
    }
  if (state == PM_REPLICA_GONE || state == PM_REPLICA_FAILED || state == PM_REPLICA_COPYING
      || state == PM_REPLICA_VERIFYING)
    {
      if (!pm_catalog_move_replica (self->catalog, job->resource, job->site, state,
                                    PM_REPLICA_PLANNED, 0, NULL, temporary, NULL, self->now,
                                    error))
        return FALSE;
      state = PM_REPLICA_PLANNED;
    }
  return pm_catalog_move_replica (self->catalog, job->resource, job->site, state,
                                  PM_REPLICA_COPYING, job->version, job->sha256, temporary, NULL,
                                  self->now, error);
}

static void
start_job (PmExecutor      *self,
           const PmJob     *job,
           guint            site,
           guint            resource,
           const PmReplica *replica)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmJob) running = pm_job_copy (job);
  g_autoptr(GTask) task = NULL;
  Transfer *transfer;
  g_autofree char *source_path = pm_inventory_origin_path (self->inventory, resource, &error);
  g_autoptr(PmTransport) transport = source_path != NULL ? transport_for (self, site, &error)
                                                         : NULL;
  gboolean fresh = FALSE;

  if (transport == NULL)
    {
      refuse_job (self, job, error->message);
      return;
    }
  running->state = PM_JOB_RUNNING;
  if (!pm_catalog_update_job (self->catalog, running, PM_JOB_QUEUED, self->now, &error))
    {
      /* Cancelled or taken between the listing and now. */
      g_debug ("Job %" G_GINT64_FORMAT " not started: %s", job->id, error->message);
      return;
    }
  if (!prepare_replica (self, job, replica, &fresh, &error))
    {
      g_autofree char *why = g_strdup (error->message);
      g_autoptr(GError) undo_error = NULL;

      running->state = PM_JOB_FAILED;
      g_free (running->error);
      running->error = g_strdup (why);
      if (!pm_catalog_update_job (self->catalog, running, PM_JOB_RUNNING, self->now, &undo_error))
        pm_catalog_report_failure ("Cannot record a job that could not start", undo_error);
      return;
    }

  transfer = g_new0 (Transfer, 1);
  transfer->executor = executor_ref (self);
  transfer->job = g_steal_pointer (&running);
  transfer->site = site;
  transfer->source_path = g_steal_pointer (&source_path);
  transfer->transport = g_steal_pointer (&transport);
  transfer->cancellable = g_cancellable_new ();
  transfer->fresh = fresh;
  transfer->started_us = g_get_monotonic_time ();
  transfer->bytes_total = job->bytes;

  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->running, &transfer->job->id, transfer);
  self->running_per_site[site]++;
  g_mutex_unlock (&self->lock);

  task = g_task_new (NULL, transfer->cancellable, transfer_finished_cb, NULL);
  g_task_set_task_data (task, transfer, (GDestroyNotify) transfer_free);
  g_task_set_source_tag (task, start_job);
  g_task_run_in_thread (task, transfer_thread);
}

/* Priority first, then the earliest deadline (none last), then the oldest. */
static int
compare_jobs (gconstpointer a,
              gconstpointer b)
{
  const PmJob *x = *(const PmJob **) a, *y = *(const PmJob **) b;
  gint64 dx = x->deadline_s > 0 ? x->deadline_s : G_MAXINT64;
  gint64 dy = y->deadline_s > 0 ? y->deadline_s : G_MAXINT64;

  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  if (dx != dy)
    return dx < dy ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
cancel_cancelled (PmExecutor *self,
                  GPtrArray  *jobs)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < jobs->len; i++)
    {
      const PmJob *job = g_ptr_array_index (jobs, i);
      Transfer *transfer = g_hash_table_lookup (self->running, &job->id);
      if (transfer != NULL && job->state == PM_JOB_CANCELLED)
        g_cancellable_cancel (transfer->cancellable);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
has_room (PmExecutor  *self,
          GPtrArray   *replicas,
          const PmJob *job,
          guint        site,
          char       **why)
{
  const PmSite *s = pm_topology_get_site (self->topology, site);
  const PmReplica *replica = find_replica (replicas, job->resource, job->site);
  guint64 used = pm_executor_used_bytes (self, replicas, site);

  if (s->capacity_bytes == 0)
    return TRUE;
  /* The replica's own place counts once: a refresh replaces what is there. */
  if (replica != NULL && takes_space (replica->state))
    used -= MIN (used, job->bytes);
  if (used + job->bytes <= s->capacity_bytes)
    return TRUE;
  *why = g_strdup_printf ("Site %s has no room for %s: %" G_GUINT64_FORMAT " bytes needed, %"
                          G_GUINT64_FORMAT " free of %" G_GUINT64_FORMAT, s->id, job->resource,
                          job->bytes, s->capacity_bytes - MIN (used, s->capacity_bytes),
                          s->capacity_bytes);
  return FALSE;
}

static void retire_resume (PmExecutor *self, GPtrArray *replicas);

void
pm_executor_poll (PmExecutor *self,
                  gint64      now,
                  double      speed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) replicas = NULL;
  g_autoptr(GPtrArray) ready = g_ptr_array_new ();

  self->now = now;
  self->speed = speed > 0 ? speed : 1;
  jobs = pm_catalog_list_jobs (self->catalog, &error);
  replicas = jobs != NULL ? pm_catalog_list_replicas (self->catalog, &error) : NULL;
  if (replicas == NULL)
    {
      g_debug ("Executor cannot read the catalogue: %s", error->message);
      return;
    }
  cancel_cancelled (self, jobs);
  retire_resume (self, replicas);

  for (guint i = 0; i < jobs->len; i++)
    {
      PmJob *job = g_ptr_array_index (jobs, i);
      if (job->state == PM_JOB_QUEUED && job->next_attempt_at <= now)
        g_ptr_array_add (ready, job);
    }
  g_ptr_array_sort (ready, compare_jobs);

  for (guint i = 0; i < ready->len && g_hash_table_size (self->running) < self->params.max_jobs;
       i++)
    {
      const PmJob *job = g_ptr_array_index (ready, i);
      int site = pm_topology_lookup_site (self->topology, job->site);
      int resource = pm_resources_lookup_resource (self->resources, job->resource);
      g_autofree char *why = NULL;

      if (site < 0 || resource < 0)
        {
          g_autofree char *missing = g_strdup_printf (
            "%s “%s” is no longer in the %s", site < 0 ? "Site" : "Resource",
            site < 0 ? job->site : job->resource, site < 0 ? "topology" : "inventory");
          refuse_job (self, job, missing);
          continue;
        }
      if (self->running_per_site[site] >= self->params.max_jobs_per_site)
        continue;
      if (!has_room (self, replicas, job, (guint) site, &why))
        {
          refuse_job (self, job, why);
          continue;
        }
      start_job (self, job, (guint) site, (guint) resource,
                 find_replica (replicas, job->resource, job->site));
    }
}

gboolean
pm_executor_get_progress (PmExecutor    *self,
                          gint64         job,
                          PmJobProgress *out)
{
  Transfer *transfer;
  gboolean found;

  g_mutex_lock (&self->lock);
  transfer = g_hash_table_lookup (self->running, &job);
  found = transfer != NULL;
  if (found)
    {
      double elapsed = (g_get_monotonic_time () - transfer->started_us) / 1e6;

      out->bytes_done = transfer->bytes_done;
      out->bytes_total = transfer->bytes_total;
      out->rate_bps = elapsed > 0 ? transfer->bytes_done / elapsed : 0;
      out->eta_s = out->rate_bps > 0
                     ? (double) (transfer->bytes_total - MIN (transfer->bytes_total,
                                                              transfer->bytes_done))
                         / out->rate_bps
                     : NAN;
      out->verifying = transfer->verifying;
    }
  g_mutex_unlock (&self->lock);
  return found;
}

double
pm_executor_get_throughput (PmExecutor *self,
                            guint       site)
{
  double rate;

  g_mutex_lock (&self->lock);
  rate = self->throughput[site];
  g_mutex_unlock (&self->lock);
  return rate;
}

guint
pm_executor_get_n_running (PmExecutor *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->running);
  g_mutex_unlock (&self->lock);
  return n;
}

/* Retirement */

typedef struct
{
  PmExecutor  *executor;
  char        *key;
  char        *resource;
  char        *site;
  PmTransport *transport;
} Removal;

static void
removal_free (Removal *removal)
{
  g_free (removal->key);
  g_free (removal->resource);
  g_free (removal->site);
  g_object_unref (removal->transport);
  executor_unref (removal->executor);
  g_free (removal);
}

static void
removal_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Removal *removal = task_data;
  GError *error = NULL;

  if (pm_transport_remove (removal->transport, removal->resource, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
removal_finished_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Removal *removal = g_task_get_task_data (G_TASK (result));
  PmExecutor *self = removal->executor;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot remove the replica of %s at %s (will try again): %s", removal->resource,
               removal->site, error->message);
  else if (!self->closed
           && !pm_catalog_move_replica (self->catalog, removal->resource, removal->site,
                                        PM_REPLICA_RETIRING, PM_REPLICA_GONE, 0, NULL, FALSE,
                                        NULL, self->now, &error))
    pm_catalog_report_failure ("Cannot record a removed replica", error);
  g_hash_table_remove (self->retiring, removal->key);
}

static void
start_removal (PmExecutor *self,
               const char *resource,
               const char *site)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = g_strconcat (resource, "\n", site, NULL);
  int index = pm_topology_lookup_site (self->topology, site);
  Removal *removal;
  PmTransport *transport;

  if (index < 0 || g_hash_table_contains (self->retiring, key))
    return;
  transport = transport_for (self, (guint) index, &error);
  if (transport == NULL)
    {
      g_warning ("Cannot remove the replica of %s at %s: %s", resource, site, error->message);
      return;
    }
  removal = g_new0 (Removal, 1);
  removal->executor = executor_ref (self);
  removal->key = g_strdup (key);
  removal->resource = g_strdup (resource);
  removal->site = g_strdup (site);
  removal->transport = transport;
  g_hash_table_add (self->retiring, g_steal_pointer (&key));
  task = g_task_new (NULL, NULL, removal_finished_cb, NULL);
  g_task_set_task_data (task, removal, (GDestroyNotify) removal_free);
  g_task_set_source_tag (task, start_removal);
  g_task_run_in_thread (task, removal_thread);
}

/* A retirement interrupted by a crash is finished on the next poll. */
static void
retire_resume (PmExecutor *self,
               GPtrArray  *replicas)
{
  for (guint i = 0; i < replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (replicas, i);
      if (replica->state == PM_REPLICA_RETIRING)
        start_removal (self, replica->resource, replica->site);
    }
}

gboolean
pm_executor_retire (PmExecutor *self,
                    const char *resource,
                    const char *site,
                    gint64      now,
                    GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  self->now = MAX (self->now, now);
  if (!pm_catalog_move_replica (self->catalog, resource, site, PM_REPLICA_IN_SYNC,
                                PM_REPLICA_RETIRING, 0, NULL, FALSE, NULL, now, &local_error))
    {
      if (!g_error_matches (local_error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!pm_catalog_move_replica (self->catalog, resource, site, PM_REPLICA_STALE,
                                    PM_REPLICA_RETIRING, 0, NULL, FALSE, NULL, now, error))
        return FALSE;
    }
  start_removal (self, resource, site);
  return TRUE;
}
