/* pm-mirror.c: proposals, policy, consistency and retirement around the catalogue and the
 * executor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-mirror.h"

#include <math.h>
#include <string.h>

#include "pm-consistency.h"
#include "pm-inventory.h"

/* Job priorities in bands: an operator's "mirror now" first, then keeping existing replicas
 * consistent, then proposals by their score. */
#define PRIORITY_MANUAL     3e6
#define PRIORITY_REFRESH    2e6
#define PRIORITY_PROPOSAL   1e6  /* proposals' scores are clamped below this */

/* A refresh that failed for good (all its attempts) is asked for again after this long. */
#define REFRESH_RETRY_S     600

#define WHO_POLICY          "policy:auto-approve"
#define WHO_CONSISTENCY     "policy:consistency"
#define WHO_COOLDOWN        "policy:cool-down"

struct _PmMirror
{
  PmResources    *resources;
  PmTopology     *topology;
  PmCatalog      *catalog;
  PmInventory    *inventory;
  PmExecutor     *executor;
  char           *data_dir;
  gboolean        demo_files;
  PmMirrorParams  params;

  GMutex          lock;          /* guards latest, problems, needed, ready */
  PmVersion      *latest;        /* per resource; version 0 = none yet */
  char           *problems;
  gboolean        ready;
  GHashTable     *needed;        /* "resource\nsite" of replicas users at risk rely on */

  /* Engine thread only. */
  GCancellable   *cancellable;
  gboolean        scanning;
  gboolean        scan_refused;  /* the last scan's versions were refused by the catalogue */
  gint64          last_scan;
  GHashTable     *last_planned;  /* "resource\nsite" → gint64 * (clock s) */
  GHashTable     *last_needed;   /* "resource\nsite" → gint64 * (clock s) */
  GHashTable     *refreshing;    /* "resource\nsite" → Refresh */
  guint8         *usable;        /* n_resources × n_sites: the replicas that may serve now */
  gboolean        executing;     /* this console ran the jobs at the last tick */
  gboolean        synced;        /* the inventory's resources are in the catalogue */
};

typedef struct
{
  gint64 version;  /* asked for */
  gint64 at;       /* clock s */
} Refresh;

void
pm_mirror_params_init (PmMirrorParams *params)
{
  pm_planner_params_init (&params->planner);
  pm_executor_params_init (&params->executor);
  params->cooldown_s = 3600;
  params->withdraw_after_s = 300;
  params->scan_interval_s = 60;
}

static char *
pair_key (const char *resource,
          const char *site)
{
  return g_strconcat (resource, "\n", site, NULL);
}

static void
set_time (GHashTable *table,
          char       *key,
          gint64      value)
{
  gint64 *slot = g_new (gint64, 1);

  *slot = value;
  g_hash_table_insert (table, key, slot);
}

static gint64
get_time (GHashTable *table,
          const char *key,
          gint64      fallback)
{
  gint64 *slot = g_hash_table_lookup (table, key);
  return slot != NULL ? *slot : fallback;
}

PmMirror *
pm_mirror_new (PmResources          *resources,
               PmCatalog            *catalog,
               const char           *data_dir,
               gboolean              demo_files,
               const PmMirrorParams *params)
{
  PmMirror *self = g_new0 (PmMirror, 1);

  self->resources = g_object_ref (resources);
  self->topology = pm_resources_get_topology (resources);
  self->catalog = g_object_ref (catalog);
  self->data_dir = g_strdup (data_dir);
  self->demo_files = demo_files;
  if (params != NULL)
    self->params = *params;
  else
    pm_mirror_params_init (&self->params);
  /* The resources file's policy says how long temporary mirrors stay. */
  if (pm_resources_get_retire_after_s (resources) > 0)
    self->params.cooldown_s = pm_resources_get_retire_after_s (resources);
  self->inventory = pm_inventory_new (resources, data_dir);
  self->executor = pm_executor_new (catalog, resources, self->inventory, data_dir,
                                    &self->params.executor);
  g_mutex_init (&self->lock);
  self->latest = g_new0 (PmVersion, pm_resources_get_n_resources (resources));
  self->needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->last_planned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->last_needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->refreshing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
pm_mirror_free (PmMirror *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  /* A scan in flight holds the inventory: wait for it, as the executor waits for its jobs. */
  while (self->scanning)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  pm_executor_free (self->executor);
  pm_inventory_free (self->inventory);
  for (guint i = 0; i < pm_resources_get_n_resources (self->resources); i++)
    pm_version_clear (&self->latest[i]);
  g_free (self->latest);
  g_free (self->problems);
  g_free (self->usable);
  g_hash_table_unref (self->needed);
  g_hash_table_unref (self->last_planned);
  g_hash_table_unref (self->last_needed);
  g_hash_table_unref (self->refreshing);
  g_object_unref (self->cancellable);
  g_mutex_clear (&self->lock);
  g_object_unref (self->catalog);
  g_object_unref (self->resources);
  g_free (self->data_dir);
  g_free (self);
}

PmCatalog *
pm_mirror_get_catalog (PmMirror *self)
{
  return self->catalog;
}

PmExecutor *
pm_mirror_get_executor (PmMirror *self)
{
  return self->executor;
}

PmResources *
pm_mirror_get_resources (PmMirror *self)
{
  return self->resources;
}

gboolean
pm_mirror_is_ready (PmMirror *self)
{
  gboolean ready;

  g_mutex_lock (&self->lock);
  ready = self->ready;
  g_mutex_unlock (&self->lock);
  return ready;
}

char *
pm_mirror_dup_problems (PmMirror *self)
{
  char *problems;

  g_mutex_lock (&self->lock);
  problems = g_strdup (self->problems);
  g_mutex_unlock (&self->lock);
  return problems;
}

/* Origin files */

typedef struct
{
  PmInventory *inventory;
  PmCatalog   *catalog;
  gboolean     demo_files;
  gint64       now;
  char        *problems;
} Scan;

static void
scan_free (Scan *scan)
{
  g_object_unref (scan->catalog);
  g_free (scan->problems);
  g_free (scan);
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Scan *scan = task_data;
  g_autoptr(GError) demo_error = NULL;
  GError *error = NULL;

  /* The demo's files are written once; a failure to write them is a problem to show, and the
   * scan below names each file that is missing. */
  if (scan->demo_files
      && !pm_inventory_create_demo_files (scan->inventory, cancellable, &demo_error)
      && !g_error_matches (demo_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot create the demo's origin files: %s", demo_error->message);
  if (pm_inventory_scan (scan->inventory, scan->catalog, scan->now, NULL, &scan->problems,
                         cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
load_latest_versions (PmMirror *self)
{
  for (guint i = 0; i < pm_resources_get_n_resources (self->resources); i++)
    {
      const PmResource *r = pm_resources_get_resource (self->resources, i);
      PmVersion version = { 0 };

      if (!pm_catalog_get_latest_version (self->catalog, r->id, &version, NULL))
        continue;
      g_mutex_lock (&self->lock);
      pm_version_clear (&self->latest[i]);
      self->latest[i] = version;
      g_mutex_unlock (&self->lock);
    }
}

static void
scan_finished_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PmMirror *self = user_data;
  Scan *scan = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->scanning = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gboolean refused = g_error_matches (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_READ_ONLY);

      /* Refused while the catalogue is out of reach: said once, not at every scan. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !(refused && self->scan_refused))
        pm_catalog_report_failure ("Cannot record the origin files' versions", error);
      self->scan_refused = refused;
      return;
    }
  self->scan_refused = FALSE;
  load_latest_versions (self);
  g_mutex_lock (&self->lock);
  g_free (self->problems);
  self->problems = g_steal_pointer (&scan->problems);
  self->ready = TRUE;
  g_mutex_unlock (&self->lock);
}

static void
start_scan (PmMirror *self,
            gint64    now)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, scan_finished_cb, self);
  Scan *scan = g_new0 (Scan, 1);

  scan->inventory = self->inventory;
  scan->catalog = g_object_ref (self->catalog);
  /* The demo's files are written by the first scan of a start; later scans only read. */
  scan->demo_files = self->demo_files && self->last_scan == 0;
  scan->now = now;
  self->scanning = TRUE;
  self->last_scan = now;
  g_task_set_task_data (task, scan, (GDestroyNotify) scan_free);
  g_task_set_source_tag (task, start_scan);
  g_task_run_in_thread (task, scan_thread);
}

gboolean
pm_mirror_start (PmMirror *self,
                 gint64    now,
                 GError  **error)
{
  guint n_reset = 0;

  /* A shared catalogue no member of which answers yet, or without a quorum: the console
   * starts and shows that; the first tick that finds it writable records the resources
   * (catch_up). */
  if (pm_catalog_get_state (self->catalog) != PM_CATALOG_STATE_OK)
    g_message ("%s takes no changes now: the resources are recorded there once it does",
               pm_catalog_describe (self->catalog));
  else
    {
      if (!pm_catalog_recover (self->catalog, now, &n_reset, error)
          || !pm_catalog_sync_resources (self->catalog, self->resources, error))
        return FALSE;
      if (n_reset > 0)
        g_message ("Resuming what the last shutdown interrupted: %u jobs and replicas reset",
                   n_reset);
      self->synced = TRUE;
    }
  self->executing = pm_catalog_is_executor (self->catalog);
  load_latest_versions (self);
  start_scan (self, now);
  return TRUE;
}

gboolean
pm_mirror_dup_latest (PmMirror  *self,
                      guint      resource,
                      PmVersion *out)
{
  g_mutex_lock (&self->lock);
  *out = self->latest[resource];
  out->resource = g_strdup (self->latest[resource].resource);
  g_mutex_unlock (&self->lock);
  return out->version > 0;
}

/* Looks up the newest version of a resource (thread-safe copy). */
static gboolean
latest_of (PmMirror   *self,
           const char *resource,
           guint      *index,
           PmVersion  *out,
           GError    **error)
{
  int r = pm_resources_lookup_resource (self->resources, resource);

  if (r < 0)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND,
                   "No resource “%s” in the inventory", resource);
      return FALSE;
    }
  if (!pm_mirror_dup_latest (self, (guint) r, out))
    {
      pm_version_clear (out);
      /* The versions are recorded in the catalogue before they are known here. */
      if (pm_catalog_get_state (self->catalog) != PM_CATALOG_STATE_OK)
        {
          g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_READ_ONLY,
                       "%s takes no decisions now: it cannot be reached or has lost its quorum",
                       pm_catalog_describe (self->catalog));
          return FALSE;
        }
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT,
                   "Resource “%s” has no version yet: its origin file has not been read "
                   "(missing, or still being hashed)", resource);
      return FALSE;
    }
  *index = (guint) r;
  return TRUE;
}

static void
spec_for (PmJobSpec       *spec,
          const PmVersion *version,
          double           priority,
          gint64           deadline_s)
{
  spec->version = version->version;
  memcpy (spec->sha256, version->sha256, sizeof spec->sha256);
  spec->bytes = version->size_bytes;
  spec->priority = priority;
  spec->deadline_s = deadline_s;
}

static PmProposal *
find_proposal (PmMirror *self,
               gint64    id,
               GError  **error)
{
  g_autoptr(GPtrArray) proposals = pm_catalog_list_proposals (self->catalog, error);

  if (proposals == NULL)
    return NULL;
  for (guint i = 0; i < proposals->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (proposals, i);
      if (proposal->id == id)
        return pm_proposal_copy (proposal);
    }
  g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND, "No proposal %" G_GINT64_FORMAT,
               id);
  return NULL;
}

/* Approves a proposal whose resource, score and deadline the caller knows. The catalogue
 * checks "still pending" inside its transaction: of two operators approving at once, one gets
 * the job and the other a conflict. */
static gint64
approve_as (PmMirror   *self,
            gint64      id,
            const char *resource,
            double      score,
            gint64      deadline_s,
            const char *who,
            const char *reason,
            gint64      now,
            GError    **error)
{
  PmVersion version = { 0 };
  PmJobSpec spec = { 0 };
  guint index;

  if (!latest_of (self, resource, &index, &version, error))
    return 0;
  spec_for (&spec, &version, MIN (score, PRIORITY_PROPOSAL - 1), deadline_s);
  pm_version_clear (&version);
  return pm_catalog_decide (self->catalog, id, TRUE, who, reason, &spec, now, error);
}

gint64
pm_mirror_approve (PmMirror   *self,
                   gint64      proposal,
                   const char *who,
                   const char *reason,
                   gint64      now,
                   GError    **error)
{
  g_autoptr(PmProposal) found = find_proposal (self, proposal, error);

  if (found == NULL)
    return 0;
  if (found->state != PM_PROPOSAL_PENDING)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT,
                   "Proposal %" G_GINT64_FORMAT " was already decided (%s)", proposal,
                   pm_proposal_state_to_string (found->state));
      return 0;
    }
  return approve_as (self, proposal, found->resource, found->score, found->deadline_s, who,
                     reason, now, error);
}

gint64
pm_mirror_reject (PmMirror   *self,
                  gint64      proposal,
                  const char *who,
                  const char *reason,
                  gint64      now,
                  GError    **error)
{
  if (reason == NULL || *reason == '\0')
    {
      g_set_error_literal (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                           "A rejection needs a reason");
      return 0;
    }
  return pm_catalog_decide (self->catalog, proposal, FALSE, who, reason, NULL, now, error);
}

static gboolean
check_target (PmMirror   *self,
              const char *site,
              GError    **error)
{
  int index = pm_topology_lookup_site (self->topology, site);

  if (index < 0)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_NOT_FOUND, "No site “%s”", site);
      return FALSE;
    }
  if (pm_topology_get_site (self->topology, index)->role == PM_SITE_ROLE_CORE)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                   "Site “%s” is a core site: only origin and edge sites hold replicas", site);
      return FALSE;
    }
  return TRUE;
}

gint64
pm_mirror_mirror_now (PmMirror   *self,
                      const char *resource,
                      const char *site,
                      const char *who,
                      const char *reason,
                      gint64      now,
                      GError    **error)
{
  PmVersion version = { 0 };
  PmJobSpec spec = { 0 };
  guint index;
  const PmResource *r;

  if (!check_target (self, site, error) || !latest_of (self, resource, &index, &version, error))
    return 0;
  r = pm_resources_get_resource (self->resources, index);
  spec_for (&spec, &version, PRIORITY_MANUAL + r->criticality, 0);
  pm_version_clear (&version);
  return pm_catalog_mirror_now (self->catalog, resource, site, who, reason, &spec, now, error);
}

gboolean
pm_mirror_act_on_job (PmMirror   *self,
                      gint64      job,
                      const char *action,
                      const char *who,
                      const char *reason,
                      gint64      now,
                      GError    **error)
{
  return pm_catalog_act_on_job (self->catalog, job, action, who, reason, now, error);
}

gboolean
pm_mirror_retire (PmMirror   *self,
                  const char *resource,
                  const char *site,
                  const char *who,
                  const char *reason,
                  gint64      now,
                  GError    **error)
{
  g_autofree char *key = pair_key (resource, site);
  PmDecision decision = { 0 };
  gboolean needed;

  g_mutex_lock (&self->lock);
  needed = g_hash_table_contains (self->needed, key);
  g_mutex_unlock (&self->lock);
  if (needed)
    {
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_CONFLICT,
                   "Users cut off from the origin by a predicted partition rely on the replica of "
                   "%s at %s: it cannot be retired now", resource, site);
      return FALSE;
    }
  /* The executor removes the file on its next poll (it resumes every retiring replica). */
  if (!pm_catalog_move_replica (self->catalog, resource, site, PM_REPLICA_IN_SYNC,
                                PM_REPLICA_RETIRING, 0, NULL, FALSE, NULL, now, NULL)
      && !pm_catalog_move_replica (self->catalog, resource, site, PM_REPLICA_STALE,
                                   PM_REPLICA_RETIRING, 0, NULL, FALSE, NULL, now, error))
    return FALSE;
  decision.at = now;
  decision.who = (char *) who;
  decision.action = (char *) "retire";
  decision.resource = (char *) resource;
  decision.site = (char *) site;
  decision.reason = (char *) reason;
  return pm_catalog_record_decision (self->catalog, &decision, error);
}

/* One tick */

typedef struct
{
  const PmSnapshot *snapshot;
  GPtrArray        *replicas;      /* PmReplica */
  GPtrArray        *jobs;          /* PmJob */
  PmVersion        *latest;        /* per resource, a copy */
  guint            *component;     /* per site, without the failing segments */
  guint8           *matrix;        /* n_resources × n_sites: PM_PLANNER_REPLICA_* */
  gboolean          predicting;
} Tick;

static const PmResource *
resource_of (PmMirror   *self,
             const char *id,
             guint      *index)
{
  int r = pm_resources_lookup_resource (self->resources, id);

  if (r < 0)
    return NULL;
  if (index != NULL)
    *index = (guint) r;
  return pm_resources_get_resource (self->resources, r);
}

static gboolean
has_active_job (GPtrArray  *jobs,
                const char *resource,
                const char *site)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      const PmJob *job = g_ptr_array_index (jobs, i);
      if ((job->state == PM_JOB_QUEUED || job->state == PM_JOB_RUNNING)
          && g_str_equal (job->resource, resource) && g_str_equal (job->site, site))
        return TRUE;
    }
  return FALSE;
}

/* Strong replicas go stale with a new origin version, bounded ones after their bound, and every
 * outdated replica gets one refresh job per version. */
static void
keep_consistent (PmMirror *self,
                 Tick     *tick)
{
  gint64 now = tick->snapshot->time_s;

  for (guint i = 0; i < tick->replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (tick->replicas, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;
      const PmResource *r;
      const PmVersion *latest;
      const Refresh *asked;
      guint index;

      if (replica->state != PM_REPLICA_IN_SYNC && replica->state != PM_REPLICA_STALE)
        continue;
      r = resource_of (self, replica->resource, &index);
      latest = r != NULL && tick->latest[index].version > 0 ? &tick->latest[index] : NULL;
      if (latest == NULL || replica->version >= latest->version)
        continue;

      if (replica->state == PM_REPLICA_IN_SYNC
          && pm_consistency_is_outdated (r, replica->version, latest, now)
          && !pm_catalog_move_replica (self->catalog, replica->resource, replica->site,
                                       PM_REPLICA_IN_SYNC, PM_REPLICA_STALE, 0, NULL,
                                       replica->temporary, NULL, now, &error))
        {
          g_debug ("Replica not marked stale: %s", error->message);
          g_clear_error (&error);
        }

      key = pair_key (replica->resource, replica->site);
      asked = g_hash_table_lookup (self->refreshing, key);
      /* One refresh per version; one that failed for good is asked again after a while. */
      if ((asked != NULL && asked->version >= latest->version
           && now - asked->at < REFRESH_RETRY_S)
          || has_active_job (tick->jobs, replica->resource, replica->site))
        continue;
      {
        g_autofree char *reason = g_strdup_printf ("origin version %" G_GINT64_FORMAT
                                                   " replaces version %" G_GINT64_FORMAT,
                                                   latest->version, replica->version);
        PmJobSpec spec = { 0 };
        Refresh *refresh = g_new (Refresh, 1);

        spec_for (&spec, latest, PRIORITY_REFRESH + r->criticality, 0);
        if (pm_catalog_mirror_now (self->catalog, replica->resource, replica->site,
                                   WHO_CONSISTENCY, reason, &spec, now, &error) == 0)
          g_debug ("No refresh job: %s", error->message);
        refresh->version = latest->version;
        refresh->at = now;
        g_hash_table_insert (self->refreshing, g_steal_pointer (&key), refresh);
      }
    }
}

static guint8 *
replica_matrix (PmMirror *self,
                Tick     *tick)
{
  guint n_sites = pm_topology_get_n_sites (self->topology);
  guint8 *matrix = g_new0 (guint8, pm_resources_get_n_resources (self->resources) * n_sites);

  for (guint i = 0; i < tick->replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (tick->replicas, i);
      int site = pm_topology_lookup_site (self->topology, replica->site);
      guint r;
      const PmResource *resource = resource_of (self, replica->resource, &r);
      guint8 value = PM_PLANNER_REPLICA_NONE;

      if (site < 0 || resource == NULL)
        continue;
      if (pm_consistency_can_serve (resource, replica,
                                    tick->latest[r].version > 0 ? &tick->latest[r] : NULL,
                                    tick->snapshot->time_s))
        value = PM_PLANNER_REPLICA_USABLE;
      else if (replica->state == PM_REPLICA_PLANNED || replica->state == PM_REPLICA_COPYING
               || replica->state == PM_REPLICA_VERIFYING
               || (replica->state == PM_REPLICA_STALE
                   && has_active_job (tick->jobs, replica->resource, replica->site)))
        value = PM_PLANNER_REPLICA_UNDERWAY;
      matrix[r * n_sites + (guint) site] = value;
    }
  return matrix;
}

static gboolean
auto_approves (PmMirror              *self,
               const PmResource      *resource,
               const PmPlannedMirror *planned,
               char                 **reason)
{
  const PmAutoApprovePolicy *policy = pm_resources_get_policy (self->resources);

  if (!policy->enabled || resource->criticality < policy->min_criticality
      || planned->probability < policy->min_risk)
    return FALSE;
  *reason = g_strdup_printf ("criticality %u ≥ %u and risk %.2f ≥ %.2f", resource->criticality,
                             policy->min_criticality, planned->probability, policy->min_risk);
  return TRUE;
}

static void
propose (PmMirror              *self,
         Tick                  *tick,
         const PmPlannedMirror *planned)
{
  const PmResource *r = pm_resources_get_resource (self->resources, planned->resource);
  const PmSite *target = pm_topology_get_site (self->topology, planned->target);
  const PmSite *users = pm_topology_get_site (self->topology, planned->users_site);
  gint64 now = tick->snapshot->time_s;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  PmProposal proposal = { 0 };
  gint64 id;

  proposal.resource = r->id;
  proposal.site = target->id;
  proposal.users_site = users->id;
  proposal.probability = planned->probability;
  proposal.eta_s = planned->eta_s;
  proposal.deadline_s = planned->deadline_s;
  proposal.late = planned->late;
  proposal.bytes = planned->bytes;
  proposal.benefit = planned->benefit;
  proposal.score = planned->score;
  proposal.reason = planned->reason;
  proposal.prediction = planned->prediction;
  id = pm_catalog_upsert_proposal (self->catalog, &proposal, now, &error);
  if (id == 0)
    {
      pm_catalog_report_failure ("Cannot record a proposal", error);
      return;
    }
  set_time (self->last_planned, pair_key (r->id, target->id), now);
  if (auto_approves (self, r, planned, &reason)
      && approve_as (self, id, r->id, planned->score, planned->deadline_s, WHO_POLICY, reason,
                     now, &error) == 0)
    g_debug ("Auto-approval of proposal %" G_GINT64_FORMAT " not done: %s", id, error->message);
}

/* Pending proposals the planner no longer makes are withdrawn once they have not been made for
 * withdraw_after_s. */
static void
withdraw_stale_proposals (PmMirror *self,
                          Tick     *tick)
{
  g_autoptr(GPtrArray) proposals = pm_catalog_list_proposals (self->catalog, NULL);
  gint64 now = tick->snapshot->time_s;

  for (guint i = 0; proposals != NULL && i < proposals->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (proposals, i);
      g_autofree char *key = NULL;
      g_autoptr(GError) error = NULL;

      if (proposal->state != PM_PROPOSAL_PENDING)
        continue;
      key = pair_key (proposal->resource, proposal->site);
      if (now - get_time (self->last_planned, key, proposal->updated_at)
          < self->params.withdraw_after_s)
        continue;
      if (!pm_catalog_withdraw_proposal (self->catalog, proposal->id, now, &error))
        g_debug ("Proposal not withdrawn: %s", error->message);
      g_hash_table_remove (self->last_planned, key);
    }
}

static void
plan (PmMirror *self,
      Tick     *tick)
{
  const PmSnapshot *snapshot = tick->snapshot;
  guint n_sites = snapshot->n_sites, n_segments = snapshot->n_segments;
  g_autofree double *risk = g_new (double, n_segments);
  g_autofree gint64 *eta = g_new (gint64, n_segments);
  g_autofree double *isolation = g_new (double, n_sites);
  g_autofree guint64 *free_bytes = g_new (guint64, n_sites);
  g_autofree double *throughput = g_new (double, n_sites);
  g_auto(PmPlannerStats) stats = { 0 };
  g_autoptr(GPtrArray) planned = NULL;
  PmPlannerInput input = { 0 };

  for (guint i = 0; i < n_segments; i++)
    {
      risk[i] = snapshot->segments[i].risk;
      eta[i] = snapshot->segments[i].eta_s;
    }
  for (guint i = 0; i < n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (self->topology, i);
      guint64 used = pm_executor_used_bytes (self->executor, tick->replicas, i);

      isolation[i] = snapshot->sites[i].isolation;
      free_bytes[i] = site->capacity_bytes == 0 ? G_MAXUINT64
                                                : site->capacity_bytes - MIN (used,
                                                                              site->capacity_bytes);
      throughput[i] = pm_executor_get_throughput (self->executor, i);
    }
  input.topology = self->topology;
  input.resources = self->resources;
  input.now_s = snapshot->time_s;
  input.risk = risk;
  input.eta_s = eta;
  input.isolation = isolation;
  input.events = snapshot->events;
  input.replicas = tick->matrix;
  input.free_bytes = free_bytes;
  input.throughput_bps = throughput;

  planned = pm_planner_plan (&input, &self->params.planner, &stats);
  for (guint i = 0; i < planned->len; i++)
    propose (self, tick, g_ptr_array_index (planned, i));
  withdraw_stale_proposals (self, tick);
}

/* A temporary replica is needed while its side of the predicted cut holds users at risk and not
 * the resource's origin; after cooldown_s without being needed, it goes. */
static void
retire_cooled_down (PmMirror *self,
                    Tick     *tick)
{
  const PmSnapshot *snapshot = tick->snapshot;
  guint n_sites = snapshot->n_sites;
  g_autofree gboolean *at_risk_component = g_new0 (gboolean, n_sites);
  g_autoptr(GHashTable) needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now = snapshot->time_s;

  for (guint i = 0; i < n_sites; i++)
    if (pm_planner_site_watched (&self->params.planner, snapshot->sites[i].isolation))
      at_risk_component[tick->component[i]] = TRUE;

  for (guint i = 0; i < tick->replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (tick->replicas, i);
      int site = pm_topology_lookup_site (self->topology, replica->site);
      const PmResource *r = resource_of (self, replica->resource, NULL);
      g_autofree char *key = NULL;
      g_autoptr(GError) error = NULL;
      guint component;

      if (site < 0 || r == NULL || replica->state != PM_REPLICA_IN_SYNC)
        continue;
      key = pair_key (replica->resource, replica->site);
      component = tick->component[site];
      /* Without predictions nothing is known to be safe: keep every mirror. */
      if (!tick->predicting
          || (at_risk_component[component] && component != tick->component[r->origin]))
        {
          set_time (self->last_needed, g_strdup (key), now);
          g_hash_table_add (needed, g_steal_pointer (&key));
          continue;
        }
      if (!replica->temporary
          || now - get_time (self->last_needed, key, replica->verified_at)
               < self->params.cooldown_s)
        continue;
      if (!pm_executor_retire (self->executor, replica->resource, replica->site, now, &error))
        {
          g_debug ("Replica not retired: %s", error->message);
          continue;
        }
      tick->matrix[(gsize) pm_resources_lookup_resource (self->resources, replica->resource)
                   * snapshot->n_sites + (guint) site] = PM_PLANNER_REPLICA_NONE;
      {
        g_autofree char *reason = g_strdup_printf (
          "no users at risk relied on it for %" G_GINT64_FORMAT " min", self->params.cooldown_s / 60);
        PmDecision decision = { .at = now, .who = (char *) WHO_COOLDOWN, .action = (char *) "retire",
                                .resource = replica->resource, .site = replica->site,
                                .reason = reason };
        if (!pm_catalog_record_decision (self->catalog, &decision, &error))
          pm_catalog_report_failure ("Cannot record a retirement", error);
      }
      g_hash_table_remove (self->last_needed, key);
    }

  g_mutex_lock (&self->lock);
  g_hash_table_unref (self->needed);
  self->needed = g_steal_pointer (&needed);
  g_mutex_unlock (&self->lock);
}

/* Which replicas may serve clients now, for the router: the planner's view, reduced to
 * "usable" (verified, in sync and not lagging the origin past the consistency level). */
static void
mark_usable (PmMirror     *self,
             const guint8 *matrix)
{
  gsize n = (gsize) pm_resources_get_n_resources (self->resources) *
            pm_topology_get_n_sites (self->topology);

  if (self->usable == NULL)
    self->usable = g_new0 (guint8, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    self->usable[i] = matrix[i] == PM_PLANNER_REPLICA_USABLE;
}

const guint8 *
pm_mirror_get_usable (PmMirror *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->usable;
}

/* This console became the one that runs jobs: what the last one left running without a live
 * lease goes back to the queue (the first start's recovery did that for a console alone). */
static void
take_over (PmMirror *self,
           gint64    now)
{
  g_autoptr(GError) error = NULL;
  guint n_reset = 0;

  if (!pm_catalog_recover (self->catalog, now, &n_reset, &error))
    {
      g_autofree char *what = g_strdup_printf ("Taking over the jobs of %s",
                                               pm_catalog_describe (self->catalog));

      pm_catalog_report_failure (what, error);
    }
  else if (n_reset > 0)
    g_message ("This console now runs the jobs of %s: %u jobs and replicas the last one left "
               "were reset", pm_catalog_describe (self->catalog), n_reset);
}

/* The shared catalogue, unreachable or without quorum at start, takes changes now: what the
 * start would have written is written, and the origin files are scanned again (the scans
 * meanwhile could not record their versions). The jobs are taken over by whichever console is
 * elected. */
static void
catch_up (PmMirror *self,
          gint64    now)
{
  g_autoptr(GError) error = NULL;

  if (!pm_catalog_sync_resources (self->catalog, self->resources, &error))
    {
      pm_catalog_report_failure ("Cannot record the resources", error);
      return;
    }
  g_message ("%s takes changes again: the resources are recorded there",
             pm_catalog_describe (self->catalog));
  self->synced = TRUE;
  self->last_scan = MIN (self->last_scan, now - self->params.scan_interval_s);
}

void
pm_mirror_update (PmMirror         *self,
                  const PmSnapshot *snapshot)
{
  g_autoptr(GError) error = NULL;
  guint n_resources = pm_resources_get_n_resources (self->resources);
  Tick tick = { .snapshot = snapshot, .predicting = snapshot->predicting };
  g_autofree double *risk = g_new (double, snapshot->n_segments);
  gint64 now = snapshot->time_s;
  gboolean executing;

  if (!self->synced && pm_catalog_get_state (self->catalog) == PM_CATALOG_STATE_OK)
    catch_up (self, now);
  if (!self->scanning && now - self->last_scan >= self->params.scan_interval_s)
    start_scan (self, now);

  tick.replicas = pm_catalog_list_replicas (self->catalog, &error);
  tick.jobs = tick.replicas != NULL ? pm_catalog_list_jobs (self->catalog, &error) : NULL;
  if (tick.jobs == NULL)
    {
      g_debug ("Mirroring skips a tick: %s", error->message);
      g_clear_pointer (&tick.replicas, g_ptr_array_unref);
      /* Which replicas may serve is unknown while the catalogue cannot be read: a replica it
       * would now refuse (outdated, retired) must not keep serving, so only origins do. */
      if (self->usable != NULL)
        memset (self->usable, 0, (gsize) n_resources * pm_topology_get_n_sites (self->topology));
      return;
    }
  tick.latest = g_new0 (PmVersion, n_resources);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < n_resources; i++)
    {
      tick.latest[i] = self->latest[i];
      tick.latest[i].resource = g_strdup (self->latest[i].resource);
    }
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < snapshot->n_segments; i++)
    risk[i] = snapshot->segments[i].risk;
  tick.component = g_new (guint, snapshot->n_sites);
  pm_planner_split (self->topology, risk, self->params.planner.segment_threshold,
                    tick.component);

  /* Consoles sharing a catalogue elect one to act; the others show what it does. Without a
   * quorum nobody acts: every change would be refused. */
  executing = pm_catalog_is_executor (self->catalog)
              && pm_catalog_get_state (self->catalog) == PM_CATALOG_STATE_OK;
  if (executing && !self->executing)
    take_over (self, now);
  self->executing = executing;
  if (executing)
    keep_consistent (self, &tick);
  tick.matrix = replica_matrix (self, &tick);
  if (executing && snapshot->predicting)
    plan (self, &tick);
  if (executing)
    retire_cooled_down (self, &tick);
  /* After retiring: a replica whose removal has started serves nobody. */
  mark_usable (self, tick.matrix);
  if (executing)
    pm_executor_poll (self->executor, now, snapshot->speed);

  for (guint i = 0; i < n_resources; i++)
    pm_version_clear (&tick.latest[i]);
  g_free (tick.latest);
  g_free (tick.component);
  g_free (tick.matrix);
  g_ptr_array_unref (tick.replicas);
  g_ptr_array_unref (tick.jobs);
}
