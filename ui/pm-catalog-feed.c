/* pm-catalog-feed.c: catalogue reads and operators' actions off the main thread.
 *
 * Worker tasks are created without a source object and carry a strong reference to the feed as
 * their callback data, dropped in the callback: the feed, and with it the engine (whose dispose
 * frees the mirror the worker uses), is thus always released on the main thread, never by a
 * worker that happens to drop the task's last reference.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-feed.h"

#include <glib/gi18n.h>

#include "pm-reason-entry.h"

struct _PmCatalogFeed
{
  GObject        parent_instance;

  PmEngine      *engine;
  gulong         changed_id;
  PmCatalogView *view;
  gboolean       reading;  /* a read is under way */
  gboolean       dirty;    /* the engine changed during that read: read once more after it */
};

typedef struct
{
  PmCatalog  *catalog;   /* a reference */
  PmExecutor *executor;  /* the engine's, alive while the feed holds the engine */
  gint64      now_s;
} ReadJob;

typedef struct
{
  PmMirror           *mirror;  /* the engine's, alive while the feed holds the engine */
  PmCatalogActionKind kind;
  gint64              proposal;
  gint64              job;
  char               *resource;
  char               *site;
  char               *reason;
  char               *who;
  gint64              now_s;
} ActJob;

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmCatalogFeed, pm_catalog_feed, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (PmCatalogView, pm_catalog_view, pm_catalog_view_ref, pm_catalog_view_unref)

/* The view */

static void
view_clear (PmCatalogView *view)
{
  g_clear_pointer (&view->proposals, g_ptr_array_unref);
  g_clear_pointer (&view->jobs, g_ptr_array_unref);
  g_clear_pointer (&view->replicas, g_ptr_array_unref);
  g_clear_pointer (&view->decisions, g_ptr_array_unref);
  g_clear_pointer (&view->progress, g_hash_table_unref);
  g_clear_pointer (&view->error, g_free);
}

static PmCatalogView *
view_new (gint64 now_s)
{
  PmCatalogView *view = g_atomic_rc_box_new0 (PmCatalogView);

  view->proposals = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_proposal_free);
  view->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_job_free);
  view->replicas = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_replica_free);
  view->decisions = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_decision_free);
  view->progress = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  view->now_s = now_s;
  return view;
}

PmCatalogView *
pm_catalog_view_ref (PmCatalogView *view)
{
  return g_atomic_rc_box_acquire (view);
}

void
pm_catalog_view_unref (PmCatalogView *view)
{
  g_atomic_rc_box_release_full (view, (GDestroyNotify) view_clear);
}

const PmJobProgress *
pm_catalog_view_get_progress (PmCatalogView *view,
                              gint64         job)
{
  g_return_val_if_fail (view != NULL, NULL);

  return g_hash_table_lookup (view->progress, &job);
}

/* Reading */

static void
read_job_free (gpointer data)
{
  ReadJob *job = data;

  g_clear_object (&job->catalog);
  g_free (job);
}

/* Replaces the (empty) list with what the catalogue returned, or keeps it and says why not. */
static gboolean
take_list (GPtrArray **slot,
           GPtrArray  *list,
           GError     *error,
           char      **message)
{
  if (list == NULL)
    {
      *message = g_strdup_printf (_("Could not read the replica catalogue: %s"), error->message);
      return FALSE;
    }
  g_ptr_array_unref (*slot);
  *slot = list;
  return TRUE;
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReadJob *job = task_data;
  PmCatalogView *view = view_new (job->now_s);
  g_autoptr(GError) error = NULL;

  if (take_list (&view->proposals, pm_catalog_list_proposals (job->catalog, &error), error,
                 &view->error)
      && take_list (&view->jobs, pm_catalog_list_jobs (job->catalog, &error), error, &view->error)
      && take_list (&view->replicas, pm_catalog_list_replicas (job->catalog, &error), error,
                    &view->error)
      && take_list (&view->decisions, pm_catalog_list_decisions (job->catalog, &error), error,
                    &view->error))
    {
      /* The catalogue gives decisions oldest first; the audit trail reads newest first. */
      GPtrArray *decisions = view->decisions;

      for (guint i = 0, j = decisions->len > 0 ? decisions->len - 1 : 0; i < j; i++, j--)
        {
          gpointer swap = decisions->pdata[i];
          decisions->pdata[i] = decisions->pdata[j];
          decisions->pdata[j] = swap;
        }
    }

  for (guint i = 0; job->executor != NULL && i < view->jobs->len; i++)
    {
      const PmJob *row = g_ptr_array_index (view->jobs, i);
      PmJobProgress progress;

      if (row->state == PM_JOB_RUNNING && pm_executor_get_progress (job->executor, row->id,
                                                                    &progress))
        g_hash_table_insert (view->progress, g_memdup2 (&row->id, sizeof row->id),
                             g_memdup2 (&progress, sizeof progress));
    }
  g_task_return_pointer (task, view, (GDestroyNotify) pm_catalog_view_unref);
}

static void start_read (PmCatalogFeed *self);

static void
read_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmCatalogFeed) self = user_data;
  PmCatalogView *view = g_task_propagate_pointer (G_TASK (result), NULL);

  self->reading = FALSE;
  g_clear_pointer (&self->view, pm_catalog_view_unref);
  self->view = view;
  if (self->engine != NULL)
    g_signal_emit (self, signals[CHANGED], 0, self->view);
  if (self->dirty && self->engine != NULL)
    start_read (self);
}

static void
start_read (PmCatalogFeed *self)
{
  g_autoptr(GTask) task = NULL;
  PmMirror *mirror = pm_engine_get_mirror (self->engine);
  ReadJob *job;

  if (self->reading)
    {
      self->dirty = TRUE;
      return;
    }
  self->reading = TRUE;
  self->dirty = FALSE;

  job = g_new0 (ReadJob, 1);
  job->now_s = pm_clock_now_s (pm_engine_get_clock (self->engine));
  if (mirror != NULL)
    {
      job->catalog = g_object_ref (pm_mirror_get_catalog (mirror));
      job->executor = pm_mirror_get_executor (mirror);
    }

  task = g_task_new (NULL, NULL, read_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_read);
  g_task_set_task_data (task, job, read_job_free);
  if (job->catalog == NULL)
    {
      /* Before the engine starts there is no catalogue to read: an empty view. */
      g_task_return_pointer (task, view_new (job->now_s), (GDestroyNotify) pm_catalog_view_unref);
      return;
    }
  g_task_run_in_thread (task, read_thread);
}

static void
engine_changed_cb (PmEngine      *engine,
                   PmSnapshot    *snapshot,
                   PmCatalogFeed *self)
{
  start_read (self);
}

/* Acting */

static void
act_job_free (gpointer data)
{
  ActJob *job = data;

  g_free (job->resource);
  g_free (job->site);
  g_free (job->reason);
  g_free (job->who);
  g_free (job);
}

static void
act_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ActJob *job = task_data;
  GError *error = NULL;
  gboolean ok = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;
  switch (job->kind)
    {
    case PM_CATALOG_ACTION_APPROVE:
      ok = pm_mirror_approve (job->mirror, job->proposal, job->who, job->reason, job->now_s,
                              &error) > 0;
      break;
    case PM_CATALOG_ACTION_REJECT:
      ok = pm_mirror_reject (job->mirror, job->proposal, job->who, job->reason, job->now_s,
                             &error) > 0;
      break;
    case PM_CATALOG_ACTION_MIRROR_NOW:
      ok = pm_mirror_mirror_now (job->mirror, job->resource, job->site, job->who, job->reason,
                                 job->now_s, &error) > 0;
      break;
    case PM_CATALOG_ACTION_CANCEL_JOB:
    case PM_CATALOG_ACTION_RETRY_JOB:
      ok = pm_mirror_act_on_job (job->mirror, job->job,
                                 job->kind == PM_CATALOG_ACTION_CANCEL_JOB ? "cancel" : "retry",
                                 job->who, job->reason, job->now_s, &error);
      break;
    case PM_CATALOG_ACTION_RETIRE:
      ok = pm_mirror_retire (job->mirror, job->resource, job->site, job->who, job->reason,
                             job->now_s, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok && error == NULL)
    g_set_error_literal (&error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_BACKEND,
                         _("The catalogue refused the action without saying why"));
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Back on the main thread: hands the worker's answer to the caller's task and reads again, so
 * that the panels show the action's effect without waiting for the next tick. */
static void
act_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  PmCatalogFeed *self = g_task_get_source_object (outer);
  GError *error = NULL;

  if (self->engine != NULL)
    pm_catalog_feed_refresh (self);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (outer, TRUE);
  else
    g_task_return_error (outer, error);
}

static gboolean
check_action (const PmCatalogAction *action,
              GError               **error)
{
  switch (action->kind)
    {
    case PM_CATALOG_ACTION_REJECT:
      if (pm_reason_text_is_blank (action->reason))
        {
          g_set_error_literal (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                               _("A rejection needs a reason: say why the proposal is wrong"));
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case PM_CATALOG_ACTION_APPROVE:
      if (action->proposal <= 0)
        {
          g_set_error_literal (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                               _("No proposal was chosen"));
          return FALSE;
        }
      return TRUE;
    case PM_CATALOG_ACTION_CANCEL_JOB:
    case PM_CATALOG_ACTION_RETRY_JOB:
      if (action->job <= 0)
        {
          g_set_error_literal (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                               _("No job was chosen"));
          return FALSE;
        }
      return TRUE;
    case PM_CATALOG_ACTION_MIRROR_NOW:
    case PM_CATALOG_ACTION_RETIRE:
      if (action->resource == NULL || action->site == NULL)
        {
          g_set_error_literal (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                               _("No replica was chosen"));
          return FALSE;
        }
      return TRUE;
    default:
      g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_INVALID,
                   _("Unknown catalogue action %d"), (int) action->kind);
      return FALSE;
    }
}

/* GObject */

static void
pm_catalog_feed_dispose (GObject *object)
{
  PmCatalogFeed *self = PM_CATALOG_FEED (object);

  g_clear_signal_handler (&self->changed_id, self->engine);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->view, pm_catalog_view_unref);

  G_OBJECT_CLASS (pm_catalog_feed_parent_class)->dispose (object);
}

static void
pm_catalog_feed_class_init (PmCatalogFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_catalog_feed_dispose;

  /**
   * PmCatalogFeed::changed:
   * @view: the new #PmCatalogView
   *
   * Emitted on the main thread after every read of the catalogue.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1,
                                   PM_TYPE_CATALOG_VIEW | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
pm_catalog_feed_init (PmCatalogFeed *self)
{
}

/* Public API */

PmCatalogFeed *
pm_catalog_feed_new (PmEngine *engine)
{
  PmCatalogFeed *self;

  g_return_val_if_fail (PM_IS_ENGINE (engine), NULL);

  self = g_object_new (PM_TYPE_CATALOG_FEED, NULL);
  self->engine = g_object_ref (engine);
  self->changed_id = g_signal_connect (engine, "changed", G_CALLBACK (engine_changed_cb), self);
  start_read (self);
  return self;
}

PmEngine *
pm_catalog_feed_get_engine (PmCatalogFeed *self)
{
  g_return_val_if_fail (PM_IS_CATALOG_FEED (self), NULL);

  return self->engine;
}

PmCatalogView *
pm_catalog_feed_get_view (PmCatalogFeed *self)
{
  g_return_val_if_fail (PM_IS_CATALOG_FEED (self), NULL);

  return self->view;
}

void
pm_catalog_feed_refresh (PmCatalogFeed *self)
{
  g_return_if_fail (PM_IS_CATALOG_FEED (self));
  g_return_if_fail (self->engine != NULL);

  start_read (self);
}

gboolean
pm_catalog_feed_is_busy (PmCatalogFeed *self)
{
  g_return_val_if_fail (PM_IS_CATALOG_FEED (self), FALSE);

  return self->reading || self->dirty;
}

void
pm_catalog_feed_act_async (PmCatalogFeed         *self,
                           const PmCatalogAction *action,
                           GCancellable          *cancellable,
                           GAsyncReadyCallback    callback,
                           gpointer               user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  g_autoptr(GError) error = NULL;
  PmMirror *mirror;
  ActJob *job;

  g_return_if_fail (PM_IS_CATALOG_FEED (self));
  g_return_if_fail (action != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, pm_catalog_feed_act_async);
  mirror = self->engine != NULL ? pm_engine_get_mirror (self->engine) : NULL;
  if (mirror == NULL)
    {
      g_task_return_new_error (outer, PM_CATALOG_ERROR, PM_CATALOG_ERROR_READ_ONLY,
                               _("The mirroring service is not running"));
      return;
    }
  if (!check_action (action, &error))
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }

  job = g_new0 (ActJob, 1);
  job->mirror = mirror;
  job->kind = action->kind;
  job->proposal = action->proposal;
  job->job = action->job;
  job->resource = g_strdup (action->resource);
  job->site = g_strdup (action->site);
  job->reason = action->reason != NULL && *action->reason != '\0' ? g_strdup (action->reason)
                                                                  : NULL;
  job->who = g_strdup (g_get_user_name ());
  job->now_s = pm_clock_now_s (pm_engine_get_clock (self->engine));

  inner = g_task_new (NULL, cancellable, act_done_cb, g_steal_pointer (&outer));
  g_task_set_source_tag (inner, act_thread);
  g_task_set_task_data (inner, job, act_job_free);
  g_task_run_in_thread (inner, act_thread);
}

gboolean
pm_catalog_feed_act_finish (PmCatalogFeed *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
