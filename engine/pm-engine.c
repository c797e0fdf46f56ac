/* pm-engine.c: owns the clock, the topology, the time series store and the source; ticks and
 * publishes one immutable snapshot per tick.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-engine.h"

#include <string.h>

#include "pm-alert-store.h"
#include "pm-background.h"
#include "pm-demo.h"
#include "pm-health.h"
#include "pm-risk-history.h"
#include "pm-source-open.h"
#include "mirror/pm-catalog-open.h"
#include "mirror/pm-catalog-sqlite.h"
#include "model/pm-event-list.h"
#include "predict/pm-alerts.h"
#include "predict/pm-forecaster.h"
#include "predict/pm-predictor.h"
#include "telemetry/pm-simulator.h"

struct _PmEngine
{
  GObject        parent_instance;

  char          *data_dir;
  guint          tick_ms;
  PmClock       *clock;
  PmTopology    *topology;
  PmResources   *resources;
  PmSource      *source;
  PmSimulator   *simulator;   /* the source when it is the simulator, for its event feeds */
  PmFeedPoller  *feeds;       /* --events; NULL without any */
  PmSeriesStore *store;
  PmPredictor   *predictor;
  PmSnapshot    *snapshot;
  GMutex         snapshot_lock;  /* guards the snapshot pointer: the API thread reads it */
  char          *source_error;
  char          *catalog_uri;
  char          *import_uri;     /* --import-catalog, NULL when none */
  gboolean       demo_files;
  PmMirror      *mirror;
  PmRouting     *routing;
  gboolean       warming_up;  /* atomic: the predictor is being warmed up in a worker thread */
  gboolean       predictor_warm;  /* atomic: the predictor has learned (warm-up or an update) */

  /* Periodic ticks run in a thread of their own, on a context of their own, so that the
   * console's main loop never waits for one; `changed` is emitted on owner_context. */
  GMainContext  *owner_context;  /* the thread-default context of pm_engine_new's caller */
  GMainContext  *tick_context;   /* the engine thread's: its timer, and the completions of the
                                  * mirror's worker tasks (they touch engine-thread-only state) */
  GThread       *tick_thread;    /* NULL while stopped; owner thread only */
  GSource       *tick_source;    /* the periodic timer on tick_context */
  gboolean       tick_quit;      /* atomic: asks the engine thread to end */
  GMutex         tick_lock;      /* held for a whole tick: one at a time; guards source_error,
                                  * tick_serial and what only the tick may touch */
  GCond          tick_cond;      /* signalled when tick_serial grows */
  guint64        tick_serial;    /* ticks run so far */
  int            tick_us;        /* atomic: how long the last tick took */
  GSource       *notify_source;  /* a pending delivery to owner_context; under snapshot_lock */
  PmSnapshot    *delivered;      /* the snapshot last emitted with `changed`; owner thread only */
  GMutex         store_lock;  /* guards the store between the tick's appends and the readers of
                               * pm_engine_read_history on other threads */
  PmRiskHistory *risk_history;
  PmAlertStore  *alert_store;  /* acknowledgements and silences in the catalogue; from the first
                                * start on */
  int            watched_segment;  /* atomic: set from the console, read by the tick; -1: none */

  /* Settings changed while running: stored by the pm_engine_set_* setters from any thread, taken
   * by the next tick, which alone touches the predictor and the resources' policy. */
  GMutex         settings_lock;
  gint64         pending_horizon_s;     /* 0: unchanged */
  double         pending_threshold;     /* 0: unchanged */
  gboolean       pending_policy_set;
  PmAutoApprovePolicy pending_policy;
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmEngine, pm_engine, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-engine-error-quark, pm_engine_error)

static gboolean
load_model (PmEngine              *self,
            const PmEngineOptions *options,
            GError               **error)
{
  if (options->topology_path != NULL)
    self->topology = pm_topology_new_from_file (options->topology_path, error);
  else
    self->topology = pm_demo_load_topology (error);
  if (self->topology == NULL)
    return FALSE;

  self->resources = pm_demo_load_resources_or_file (options->resources_path, self->topology,
                                                    error);
  return self->resources != NULL;
}

static gboolean
open_source (PmEngine              *self,
             const PmEngineOptions *options,
             GError               **error)
{
  PmOpenedSource opened;

  if (!pm_source_open (options->source_uri != NULL ? options->source_uri : "sim:",
                       self->topology, options->speed, options->start_paused,
                       PM_SERIES_DEFAULT_SPAN_S, &opened, error))
    return FALSE;
  self->source = opened.source;
  self->clock = opened.clock;
  self->simulator = opened.simulator;
  return TRUE;
}

/* The events of the simulator and of the --events feeds visible from now to the horizon, in the
 * order pm_event_compare() gives. */
static GPtrArray *
announced_events (PmEngine *self,
                  gint64    now_s)
{
  gint64 until_s = now_s + pm_predictor_get_horizon (self->predictor);
  GPtrArray *events;

  events = self->simulator != NULL ? pm_simulator_get_events (self->simulator, now_s, until_s)
                                   : g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  if (self->feeds != NULL)
    {
      g_autoptr(GPtrArray) fed = pm_feed_poller_get_events (self->feeds, now_s, until_s);

      if (fed->len > 0)
        {
          g_ptr_array_extend_and_steal (events, g_steal_pointer (&fed));
          g_ptr_array_sort (events, pm_event_compare);
        }
    }
  return events;
}

/* A sample older than a few steps is stale: its segment shows no data (health and risk) rather
 * than old good news. */
static gboolean
sample_is_stale (PmEngine *self,
                 gint64    sample_time,
                 gint64    now_s)
{
  return now_s - sample_time > 3 * pm_series_store_get_step (self->store);
}

static void
fill_site_states (PmSnapshot *snapshot)
{
  for (guint i = 0; i < snapshot->n_sites; i++)
    snapshot->sites[i] = (PmSiteState) { 0, 0, NAN, NAN };
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (snapshot->topology, i);
      double health = snapshot->segments[i].health;
      guint ends[2] = { segment->a, segment->b };

      for (guint e = 0; e < 2; e++)
        {
          PmSiteState *site = &snapshot->sites[ends[e]];
          site->n_segments++;
          if (pm_health_level (health) == PM_HEALTH_DOWN)
            site->n_down++;
          if (!isnan (health) && (isnan (site->best_health) || health < site->best_health))
            site->best_health = health;
        }
    }
}

/* The watched segment's forecast over the horizon, read here on the thread that updates the
 * predictor so that the console never touches the forecasters. */
static void
fill_watch (PmEngine   *self,
            PmSnapshot *snapshot)
{
  int segment = g_atomic_int_get (&self->watched_segment);
  PmForecaster *forecaster = pm_predictor_get_forecaster (self->predictor);
  gint64 step_s = pm_forecaster_get_step (forecaster);
  guint n_steps = (guint) (pm_predictor_get_horizon (self->predictor) / step_s);
  gint64 start_s;

  if (segment < 0 || (guint) segment >= snapshot->n_segments || n_steps == 0)
    return;
  start_s = pm_holt_winters_get_time (pm_forecaster_get_holt_winters (forecaster, (guint) segment,
                                                                      PM_METRIC_LATENCY));
  snapshot->watch = pm_forecast_watch_new ((guint) segment, start_s, step_s, n_steps);
  for (guint m = 0; m < PM_WATCH_N_METRICS; m++)
    pm_forecaster_forecast_path (forecaster, (guint) segment, (PmMetric) m, n_steps,
                                 snapshot->watch->mean[m], snapshot->watch->sd[m]);
}

static PmSnapshot *
build_snapshot (PmEngine *self,
                gint64    now_s)
{
  PmSnapshot *snapshot = pm_snapshot_new (self->topology);
  /* Read once: the warm-up's end may come (from the owner thread) in the middle of the tick. */
  gboolean warming_up = g_atomic_int_get (&self->warming_up);

  snapshot->time_s = now_s;
  snapshot->speed = pm_clock_get_speed (self->clock);
  snapshot->paused = pm_clock_get_paused (self->clock);
  snapshot->source_description = pm_source_describe (self->source);
  snapshot->source_state = pm_source_get_state (self->source);
  /* A source that failed after having had data says it is stale; one that only has errors to
   * report, not a state, has failed. */
  if (self->source_error != NULL && snapshot->source_state == PM_SOURCE_STATE_CONNECTED)
    snapshot->source_state = PM_SOURCE_STATE_FAILED;
  snapshot->source_error = g_strdup (self->source_error);

  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      PmSegmentState *state = &snapshot->segments[i];
      gint64 sample_time;

      pm_series_store_latest (self->store, i, &sample_time, &state->sample);
      if (sample_is_stale (self, sample_time, now_s))
        state->sample = PM_SAMPLE_NO_DATA;
      state->sample_time = sample_time;
      state->health = pm_health_score (pm_topology_get_segment (self->topology, i),
                                       &state->sample);
    }
  fill_site_states (snapshot);

  {
    /* Announced events of the coming horizon feed the prediction; those active now are also
     * shown on the map. */
    g_autoptr(GPtrArray) events = announced_events (self, now_s);

    for (guint i = 0; i < events->len; i++)
      {
        const PmEvent *event = g_ptr_array_index (events, i);
        if (event->issued_s <= now_s && event->start_s <= now_s && now_s < event->end_s)
          g_ptr_array_add (snapshot->events, pm_event_copy (event));
      }
    if (self->feeds != NULL)
      {
        g_ptr_array_unref (snapshot->feeds);
        snapshot->feeds = pm_feed_poller_get_status (self->feeds);
      }
    if (!warming_up)
      pm_predictor_update (self->predictor, self->store, events, now_s, snapshot);
  }
  if (!warming_up)
    g_atomic_int_set (&self->predictor_warm, TRUE);
  /* Without fresh samples (the source is down or the recording is over) a segment's risk is
   * unknown, as its health is: the map shows no data rather than a forecast of old news. */
  for (guint i = 0; i < snapshot->n_segments; i++)
    if (sample_is_stale (self, snapshot->segments[i].sample_time, now_s))
      snapshot->segments[i].risk = NAN;
  snapshot->horizon_s = pm_predictor_get_horizon (self->predictor);
  snapshot->predicting = !warming_up;
  if (!warming_up)
    fill_watch (self, snapshot);
  return snapshot;
}

static gboolean
notify_cb (gpointer data);

/* The alert manager keeps its clear threshold in the same proportion to the fire threshold as
 * the defaults do, so that a lower threshold keeps the hysteresis that stops flapping. */
static void
apply_alert_threshold (PmEngine *self,
                       double    threshold)
{
  PmAlertManager *alerts = pm_predictor_get_alert_manager (self->predictor);
  const PmAlertSubject subjects[] = { PM_ALERT_SEGMENT, PM_ALERT_SITE };

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      PmAlertParams params;

      pm_alert_manager_get_params (alerts, subjects[i], &params);
      params.fire_threshold = threshold;
      params.clear_threshold =
        threshold * PM_ALERT_DEFAULT_CLEAR_THRESHOLD / PM_ALERT_DEFAULT_FIRE_THRESHOLD;
      pm_alert_manager_set_params (alerts, subjects[i], &params);
    }
}

/* Takes the settings changed since the last tick. A new horizon waits while a warm-up thread
 * works on the predictor; it then applies from this tick on, so this tick's snapshot has it. */
static void
apply_settings (PmEngine *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->settings_lock);

  if (self->pending_horizon_s > 0 && !g_atomic_int_get (&self->warming_up))
    {
      pm_predictor_set_horizon (self->predictor, self->pending_horizon_s);
      self->pending_horizon_s = 0;
    }
  if (self->pending_threshold > 0)
    {
      apply_alert_threshold (self, self->pending_threshold);
      self->pending_threshold = 0;
    }
  if (self->pending_policy_set)
    {
      pm_resources_set_policy (self->resources, &self->pending_policy);
      self->pending_policy_set = FALSE;
    }
}

/* One tick, on whichever thread holds tick_lock (the engine thread, or a synchronous
 * pm_engine_tick while that thread is stopped). Publishes the snapshot for every thread; from the
 * engine thread (notify) it also asks the owner context to emit `changed`. */
static void
run_tick (PmEngine *self,
          gboolean  notify)
{
  g_autoptr(GError) error = NULL;
  PmSnapshot *snapshot, *old;
  gint64 now_s, start_us = g_get_monotonic_time ();

  apply_settings (self);
  now_s = pm_clock_now_s (self->clock);
  g_clear_pointer (&self->source_error, g_free);
  g_mutex_lock (&self->store_lock);
  if (!pm_source_advance (self->source, self->store, now_s, &error))
    self->source_error = g_strdup (error->message);
  g_mutex_unlock (&self->store_lock);
  /* Each feed's failure is kept in its status, which the snapshot carries. */
  if (self->feeds != NULL)
    pm_feed_poller_refresh (self->feeds, NULL);

  snapshot = build_snapshot (self, now_s);
  pm_risk_history_record (self->risk_history, snapshot);
  /* An episode that ended, a silence that ran out: the stored marks follow. */
  if (self->alert_store != NULL)
    pm_alert_store_save (self->alert_store, now_s);
  if (self->mirror != NULL)
    {
      snapshot->catalog_state = pm_catalog_get_state (pm_mirror_get_catalog (self->mirror));
      pm_mirror_update (self->mirror, snapshot);
    }
  pm_routing_update (self->routing, snapshot,
                     self->mirror != NULL ? pm_mirror_get_usable (self->mirror) : NULL);
  g_mutex_lock (&self->snapshot_lock);
  old = g_steal_pointer (&self->snapshot);
  self->snapshot = snapshot;
  /* Coalesced: while a delivery is pending the owner has not caught up, and that delivery takes
   * the newest snapshot when it runs, so another would only queue work behind a busy loop. */
  if (notify && self->notify_source == NULL)
    {
      self->notify_source = g_idle_source_new ();
      g_source_set_priority (self->notify_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->notify_source, notify_cb, self, NULL);
      g_source_set_static_name (self->notify_source, "PmEngine changed");
      g_source_attach (self->notify_source, self->owner_context);
    }
  g_mutex_unlock (&self->snapshot_lock);
  /* Unreferenced outside the lock: the last reference may free a large snapshot. */
  g_clear_pointer (&old, pm_snapshot_unref);
  self->tick_serial++;
  g_cond_broadcast (&self->tick_cond);
  g_atomic_int_set (&self->tick_us, (int) MIN (g_get_monotonic_time () - start_us, G_MAXINT));
}

/* On the owner thread: the snapshot it works with from now on, and `changed`. */
static void
deliver (PmEngine   *self,
         PmSnapshot *snapshot)
{
  if (snapshot == self->delivered)
    return;
  g_clear_pointer (&self->delivered, pm_snapshot_unref);
  self->delivered = pm_snapshot_ref (snapshot);
  g_signal_emit (self, signals[CHANGED], 0, snapshot);
}

static gboolean
notify_cb (gpointer data)
{
  PmEngine *self = PM_ENGINE (data);
  g_autoptr(PmSnapshot) snapshot = NULL;

  g_mutex_lock (&self->snapshot_lock);
  /* Cleared before the snapshot is taken: a tick publishing after this asks again. */
  g_clear_pointer (&self->notify_source, g_source_unref);
  if (self->snapshot != NULL)
    snapshot = pm_snapshot_ref (self->snapshot);
  g_mutex_unlock (&self->snapshot_lock);
  if (snapshot != NULL)
    deliver (self, snapshot);
  return G_SOURCE_REMOVE;
}

/* While the engine thread is stopped its context belongs to whoever ticks: the mirror's worker
 * completions queued there since are taken first, as the engine thread would have. */
static void
tick_here (PmEngine *self)
{
  g_mutex_lock (&self->tick_lock);
  g_main_context_push_thread_default (self->tick_context);
  while (g_main_context_iteration (self->tick_context, FALSE))
    ;
  run_tick (self, FALSE);
  g_main_context_pop_thread_default (self->tick_context);
  g_mutex_unlock (&self->tick_lock);
}

/* Synchronous: `changed` has been emitted on the caller's thread when it returns. While the
 * engine thread runs, the tick runs there (the mirror's state belongs to that thread) and the
 * caller waits for it: at most the tick in progress and this one. */
void
pm_engine_tick (PmEngine *self)
{
  g_autoptr(PmSnapshot) snapshot = NULL;

  g_return_if_fail (PM_IS_ENGINE (self));

  if (self->tick_thread == NULL)
    {
      tick_here (self);
    }
  else
    {
      guint64 target;

      /* Holding the lock, no tick is in progress: the one asked for starts after this call. */
      g_mutex_lock (&self->tick_lock);
      target = self->tick_serial + 1;
      g_source_set_ready_time (self->tick_source, 0);
      while (self->tick_serial < target)
        g_cond_wait (&self->tick_cond, &self->tick_lock);
      g_mutex_unlock (&self->tick_lock);
    }
  snapshot = pm_engine_dup_snapshot (self);
  if (snapshot != NULL)
    deliver (self, snapshot);
}

/* Asynchronous: with the engine thread running, it ticks at once and `changed` follows on the
 * owner context; while stopped, the same as pm_engine_tick. For the console's controls, which
 * must not wait for a tick of a large network. */
void
pm_engine_tick_soon (PmEngine *self)
{
  g_return_if_fail (PM_IS_ENGINE (self));

  if (self->tick_thread == NULL)
    pm_engine_tick (self);
  else
    g_source_set_ready_time (self->tick_source, 0);
}

/* How long the last tick took, in microseconds; safe from any thread. */
gint64
pm_engine_get_tick_us (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), 0);

  return g_atomic_int_get (&self->tick_us);
}

typedef struct
{
  PmPredictor   *predictor;
  PmSeriesStore *store;
  gint64         now_s;
} WarmUp;

static void
warm_up_free (gpointer data)
{
  WarmUp *warm_up = data;

  g_object_unref (warm_up->predictor);
  g_clear_pointer (&warm_up->store, pm_series_store_free);
  g_free (warm_up);
}

static void
warm_up_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  WarmUp *warm_up = task_data;

  pm_predictor_warm_up (warm_up->predictor, warm_up->store, warm_up->now_s);
  /* A day of a big network's history takes tens of milliseconds to free: here, not in the
   * callback on the main thread. */
  g_clear_pointer (&warm_up->store, pm_series_store_free);
  g_task_return_boolean (task, TRUE);
}

static void
warm_up_done (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PmEngine *self = PM_ENGINE (source_object);

  /* The worker's writes to the predictor happened before this callback (the task's hand-off);
   * the atomic store carries them on to the engine thread, which reads the flag atomically. */
  g_atomic_int_set (&self->predictor_warm, TRUE);
  g_atomic_int_set (&self->warming_up, FALSE);
  /* The minutes that passed meanwhile are walked from the live store at this tick. */
  if (self->tick_thread != NULL)
    g_source_set_ready_time (self->tick_source, 0);
}

/* Fitting every forecaster on the stored day and training on it takes seconds for a large
 * network: it runs in a worker thread on a copy of the store, while ticks keep the map live
 * (risks unknown, no alerts) and the predictor is left alone until it is done. */
static void
start_warm_up (PmEngine *self,
               gint64    now_s)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, warm_up_done, NULL);
  WarmUp *warm_up = g_new0 (WarmUp, 1);

  warm_up->predictor = g_object_ref (self->predictor);
  warm_up->store = pm_series_store_copy (self->store);
  warm_up->now_s = now_s;
  g_task_set_task_data (task, warm_up, warm_up_free);
  g_task_set_source_tag (task, start_warm_up);
  /* Learning from a day of history takes a core for seconds to minutes on a big network: in a
   * thread of its own that yields to the console's main thread and the engine's tick. */
  pm_background_run_in_new_thread (task, warm_up_thread);
}

gboolean
pm_engine_is_predicting (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), FALSE);

  if (g_atomic_int_get (&self->warming_up) || !g_atomic_int_get (&self->predictor_warm))
    return FALSE;
  /* With the engine thread ticking, the owner sees predictions once a snapshot carrying them
   * has been delivered to it. */
  return self->tick_thread == NULL || self->delivered->predicting;
}

static gboolean
tick_cb (gpointer data)
{
  PmEngine *self = PM_ENGINE (data);

  g_mutex_lock (&self->tick_lock);
  run_tick (self, TRUE);
  g_mutex_unlock (&self->tick_lock);
  return G_SOURCE_CONTINUE;
}

static gpointer
tick_thread_run (gpointer data)
{
  PmEngine *self = PM_ENGINE (data);

  /* A tick may take a while on a big network; the console's main loop must not wait for it. */
  pm_background_lower_thread_priority ();
  g_main_context_push_thread_default (self->tick_context);
  while (!g_atomic_int_get (&self->tick_quit))
    g_main_context_iteration (self->tick_context, TRUE);
  g_main_context_pop_thread_default (self->tick_context);
  return NULL;
}

static void
pm_engine_dispose (GObject *object)
{
  PmEngine *self = PM_ENGINE (object);

  /* A feed fetch in progress would hold the engine thread, and so this, for its whole timeout. */
  if (self->feeds != NULL)
    pm_feed_poller_cancel (self->feeds);
  pm_engine_stop (self);
  g_mutex_lock (&self->snapshot_lock);
  if (self->notify_source != NULL)
    g_source_destroy (self->notify_source);
  g_clear_pointer (&self->notify_source, g_source_unref);
  g_mutex_unlock (&self->snapshot_lock);
  g_clear_pointer (&self->delivered, pm_snapshot_unref);
  /* The mirror waits for its workers, whose completions are queued on the engine context. */
  if (self->mirror != NULL)
    {
      g_main_context_push_thread_default (self->tick_context);
      g_clear_pointer (&self->mirror, pm_mirror_free);
      g_main_context_pop_thread_default (self->tick_context);
    }
  g_clear_pointer (&self->routing, pm_routing_free);
  g_clear_pointer (&self->alert_store, pm_alert_store_free);
  g_clear_object (&self->source);
  g_clear_object (&self->simulator);
  g_clear_object (&self->feeds);
  g_clear_object (&self->predictor);
  g_clear_object (&self->resources);
  g_clear_object (&self->topology);
  g_clear_object (&self->clock);
  g_mutex_lock (&self->snapshot_lock);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  g_mutex_unlock (&self->snapshot_lock);

  G_OBJECT_CLASS (pm_engine_parent_class)->dispose (object);
}

static void
pm_engine_finalize (GObject *object)
{
  PmEngine *self = PM_ENGINE (object);

  g_clear_pointer (&self->store, pm_series_store_free);
  g_clear_pointer (&self->risk_history, pm_risk_history_free);
  g_mutex_clear (&self->store_lock);
  g_free (self->data_dir);
  g_free (self->catalog_uri);
  g_free (self->import_uri);
  g_free (self->source_error);
  g_mutex_clear (&self->snapshot_lock);
  g_mutex_clear (&self->settings_lock);
  g_mutex_clear (&self->tick_lock);
  g_cond_clear (&self->tick_cond);
  g_main_context_unref (self->tick_context);
  g_main_context_unref (self->owner_context);

  G_OBJECT_CLASS (pm_engine_parent_class)->finalize (object);
}

static void
pm_engine_class_init (PmEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_engine_dispose;
  object_class->finalize = pm_engine_finalize;

  /**
   * PmEngine::changed:
   * @snapshot: the new #PmSnapshot, valid for as long as the handler holds a reference
   *
   * Emitted once per tick, after every component has updated.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1,
                                   PM_TYPE_SNAPSHOT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
pm_engine_init (PmEngine *self)
{
  g_mutex_init (&self->snapshot_lock);
  g_mutex_init (&self->store_lock);
  g_mutex_init (&self->settings_lock);
  self->watched_segment = -1;
  g_mutex_init (&self->tick_lock);
  g_cond_init (&self->tick_cond);
  self->owner_context = g_main_context_ref_thread_default ();
  self->tick_context = g_main_context_new ();
}

gboolean
pm_engine_check_event_feeds (const char *const *feeds,
                             GError           **error)
{
  g_autoptr(PmEventList) events = pm_event_list_new ();

  for (guint i = 0; feeds[i] != NULL; i++)
    {
      g_autofree char *path = NULL;

      if (g_str_has_prefix (feeds[i], "file://"))
        path = g_filename_from_uri (feeds[i], NULL, error);
      else if (strstr (feeds[i], "://") == NULL)
        path = g_strdup (feeds[i]);
      else
        continue;
      if (path == NULL || !pm_event_list_load_file (events, path, error))
        return FALSE;
    }
  return TRUE;
}

PmEngine *
pm_engine_new (const PmEngineOptions *options,
               GError               **error)
{
  g_autoptr(PmEngine) self = g_object_new (PM_TYPE_ENGINE, NULL);
  PmRouterParams route_params;

  self->data_dir = options->data_dir != NULL
                     ? g_strdup (options->data_dir)
                     : g_build_filename (g_get_user_data_dir (), "premirror", NULL);
  self->tick_ms = options->tick_ms > 0 ? options->tick_ms : 500;
  self->catalog_uri = g_strdup (options->catalog_uri);
  self->import_uri = g_strdup (options->import_catalog_uri);
  self->demo_files = options->demo_files && options->resources_path == NULL;

  if (!load_model (self, options, error) || !open_source (self, options, error))
    return NULL;
  if (options->event_feeds != NULL && options->event_feeds[0] != NULL)
    {
      if (!pm_engine_check_event_feeds (options->event_feeds, error))
        return NULL;
      self->feeds = pm_feed_poller_new (options->event_feeds, error);
      if (self->feeds == NULL)
        return NULL;
    }
  self->store = pm_series_store_new (pm_topology_get_n_segments (self->topology),
                                     PM_SERIES_DEFAULT_STEP_S, PM_SERIES_DEFAULT_SPAN_S);
  self->predictor = pm_predictor_new (self->topology, options->horizon_s);
  self->risk_history = pm_risk_history_new (pm_topology_get_n_segments (self->topology),
                                            pm_topology_get_n_sites (self->topology),
                                            PM_RISK_HISTORY_STEP_S, PM_RISK_HISTORY_SPAN_S);
  self->snapshot = pm_snapshot_new (self->topology);
  self->delivered = pm_snapshot_ref (self->snapshot);
  pm_router_params_init (&route_params);
  if (options->route_margin_ms > 0)
    route_params.margin_ms = options->route_margin_ms;
  self->routing = pm_routing_new (self->topology, self->resources, &route_params);
  return g_steal_pointer (&self);
}

/* --catalog's URI; the default lives in the data folder. */
static PmCatalog *
open_catalog (PmEngine *self,
              GError  **error)
{
  g_autofree char *path = NULL;

  if (self->catalog_uri == NULL)
    {
      path = g_build_filename (self->data_dir, "catalog.sqlite", NULL);
      return pm_catalog_sqlite_open (path, error);
    }
  return pm_catalog_open (self->catalog_uri, error);
}

/* --import-catalog: the other catalogue's content, copied into the one in use. */
static gboolean
import_catalog (PmEngine  *self,
                PmCatalog *catalog,
                GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  guint n = 0;

  if (self->import_uri == NULL)
    return TRUE;
  if (!pm_catalog_import (catalog, self->import_uri, self->resources, &n, &local_error))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_CATALOG,
                   "Cannot import %s into %s: %s", self->import_uri,
                   pm_catalog_describe (catalog), local_error->message);
      return FALSE;
    }
  g_message ("Imported %u records from %s into %s", n, self->import_uri,
             pm_catalog_describe (catalog));
  return TRUE;
}

static gboolean
start_mirror (PmEngine *self,
              GError  **error)
{
  g_autoptr(PmCatalog) catalog = open_catalog (self, error);
  g_autoptr(PmMirror) mirror = NULL;

  if (catalog == NULL || !import_catalog (self, catalog, error))
    return FALSE;
  mirror = pm_mirror_new (self->resources, catalog, self->data_dir, self->demo_files, NULL);
  if (!pm_mirror_start (mirror, pm_clock_now_s (self->clock), error))
    return FALSE;
  self->mirror = g_steal_pointer (&mirror);
  return TRUE;
}

/* Prepares the data folder, loads history through a first tick and starts ticking. */
gboolean
pm_engine_start (PmEngine *self,
                 GError  **error)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), FALSE);

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the data folder %s: %s", self->data_dir, g_strerror (saved));
      return FALSE;
    }
  if (!pm_demo_prepare_edges (self->data_dir, self->topology, error))
    return FALSE;
  if (self->tick_thread != NULL)
    return TRUE;
  if (self->mirror == NULL)
    {
      gboolean started;

      /* Its first scan completes on the engine context, as every later one will. */
      g_main_context_push_thread_default (self->tick_context);
      started = start_mirror (self, error);
      g_main_context_pop_thread_default (self->tick_context);
      if (!started)
        return FALSE;
      /* Before the first tick feeds the alerts: a silenced subject never notifies. */
      self->alert_store = pm_alert_store_new (pm_predictor_get_alert_manager (self->predictor),
                                              pm_mirror_get_catalog (self->mirror));
      pm_alert_store_restore (self->alert_store, pm_clock_now_s (self->clock));
    }

  if (g_atomic_int_get (&self->predictor_warm) || g_atomic_int_get (&self->warming_up))
    {
      pm_engine_tick (self);
    }
  else
    {
      /* The first tick loads the history (and shows it); the warm-up learns from it. */
      g_atomic_int_set (&self->warming_up, TRUE);
      pm_engine_tick (self);
      start_warm_up (self, self->delivered->time_s);
    }

  g_atomic_int_set (&self->tick_quit, FALSE);
  self->tick_source = g_timeout_source_new (self->tick_ms);
  g_source_set_callback (self->tick_source, tick_cb, self, NULL);
  g_source_set_static_name (self->tick_source, "PmEngine tick");
  g_source_attach (self->tick_source, self->tick_context);
  self->tick_thread = g_thread_new ("pm-engine", tick_thread_run, self);
  return TRUE;
}

/* No tick runs once this returns; a delivery already queued on the owner context still comes. */
void
pm_engine_stop (PmEngine *self)
{
  g_return_if_fail (PM_IS_ENGINE (self));

  if (self->tick_thread == NULL)
    return;
  g_atomic_int_set (&self->tick_quit, TRUE);
  g_main_context_wakeup (self->tick_context);
  g_clear_pointer (&self->tick_thread, g_thread_join);
  g_source_destroy (self->tick_source);
  g_clear_pointer (&self->tick_source, g_source_unref);
}

/* The routing service: answers from any thread; its tables follow every tick. */
PmRouting *
pm_engine_get_routing (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), NULL);

  return self->routing;
}

PmMirror *
pm_engine_get_mirror (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), NULL);

  return self->mirror;
}

PmClock *
pm_engine_get_clock (PmEngine *self)
{
  return self->clock;
}

PmTopology *
pm_engine_get_topology (PmEngine *self)
{
  return self->topology;
}

PmResources *
pm_engine_get_resources (PmEngine *self)
{
  return self->resources;
}

/* The snapshot last delivered with `changed`, borrowed: for the owner thread (the main thread)
 * only, valid until its next `changed`. Other threads use pm_engine_dup_snapshot. */
PmSnapshot *
pm_engine_get_snapshot (PmEngine *self)
{
  return self->delivered;
}

/* The latest snapshot, with a new reference: safe from any thread (the API server's), since a
 * published snapshot is immutable. NULL once the engine is disposed. */
PmSnapshot *
pm_engine_dup_snapshot (PmEngine *self)
{
  PmSnapshot *snapshot = NULL;

  g_return_val_if_fail (PM_IS_ENGINE (self), NULL);

  g_mutex_lock (&self->snapshot_lock);
  if (self->snapshot != NULL)
    snapshot = pm_snapshot_ref (self->snapshot);
  g_mutex_unlock (&self->snapshot_lock);
  return snapshot;
}

const char *
pm_engine_get_data_dir (PmEngine *self)
{
  return self->data_dir;
}

gint64
pm_engine_get_history_step (PmEngine *self)
{
  return pm_series_store_get_step (self->store);
}

guint
pm_engine_read_history (PmEngine *self,
                        guint     segment,
                        gint64    from_s,
                        guint     n_steps,
                        PmSample *out)
{
  guint with_data;

  g_return_val_if_fail (segment < pm_topology_get_n_segments (self->topology), 0);
  g_mutex_lock (&self->store_lock);
  with_data = pm_series_store_read (self->store, segment, from_s, n_steps, out);
  g_mutex_unlock (&self->store_lock);
  return with_data;
}

gint64
pm_engine_get_risk_step (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), 0);

  return pm_risk_history_get_step (self->risk_history);
}

guint
pm_engine_read_risk_history (PmEngine *self,
                             gboolean  site,
                             guint     index,
                             gint64    from_s,
                             guint     n_steps,
                             double   *out)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), 0);

  return pm_risk_history_read (self->risk_history, site, index, from_s, n_steps, out);
}

/* The live settings: thread-safe; each takes effect at the next tick. Values are checked by the
 * caller (the preferences); policy figures out of range are clamped to what the mirror can use. */
void
pm_engine_set_horizon (PmEngine *self,
                       gint64    horizon_s)
{
  g_return_if_fail (PM_IS_ENGINE (self));
  g_return_if_fail (horizon_s > 0);

  g_mutex_lock (&self->settings_lock);
  self->pending_horizon_s = horizon_s;
  g_mutex_unlock (&self->settings_lock);
}

void
pm_engine_set_alert_threshold (PmEngine *self,
                               double    probability)
{
  g_return_if_fail (PM_IS_ENGINE (self));
  g_return_if_fail (probability > 0 && probability < 1);

  g_mutex_lock (&self->settings_lock);
  self->pending_threshold = probability;
  g_mutex_unlock (&self->settings_lock);
}

void
pm_engine_set_auto_approve (PmEngine                  *self,
                            const PmAutoApprovePolicy *policy)
{
  g_return_if_fail (PM_IS_ENGINE (self));
  g_return_if_fail (policy != NULL);

  g_mutex_lock (&self->settings_lock);
  self->pending_policy = *policy;
  self->pending_policy.min_criticality = CLAMP (policy->min_criticality, 1, 5);
  self->pending_policy.min_risk = CLAMP (policy->min_risk, 0, 1);
  self->pending_policy_set = TRUE;
  g_mutex_unlock (&self->settings_lock);
}

void
pm_engine_set_watched_segment (PmEngine *self,
                               int       segment)
{
  g_return_if_fail (PM_IS_ENGINE (self));

  g_atomic_int_set (&self->watched_segment,
                    segment >= 0 && (guint) segment < pm_topology_get_n_segments (self->topology)
                      ? segment : -1);
}

int
pm_engine_get_watched_segment (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), -1);

  return g_atomic_int_get (&self->watched_segment);
}

/* Alert errors in the terms callers outside the prediction engine know (GIO's). */
static gboolean
translate_alert_error (GError **error,
                       GError  *alert_error)
{
  int code = G_IO_ERROR_INVALID_ARGUMENT;

  if (g_error_matches (alert_error, PM_ALERT_ERROR, PM_ALERT_ERROR_NOT_FOUND))
    code = G_IO_ERROR_NOT_FOUND;
  else if (g_error_matches (alert_error, PM_ALERT_ERROR, PM_ALERT_ERROR_CONFLICT))
    code = G_IO_ERROR_EXISTS;
  g_set_error_literal (error, G_IO_ERROR, code, alert_error->message);
  g_error_free (alert_error);
  return FALSE;
}

/* Operator actions; thread-safe (the API calls them from its own thread). */
gboolean
pm_engine_acknowledge_alert (PmEngine   *self,
                             const char *id,
                             const char *who,
                             gint64      now_s,
                             GError    **error)
{
  GError *alert_error = NULL;

  if (!pm_alert_manager_acknowledge (pm_predictor_get_alert_manager (self->predictor), id, who,
                                     now_s, &alert_error))
    return translate_alert_error (error, alert_error);
  if (self->alert_store != NULL)
    pm_alert_store_save (self->alert_store, now_s);
  return TRUE;
}

gboolean
pm_engine_silence_alert (PmEngine   *self,
                         const char *id,
                         gint64      until_s,
                         const char *reason,
                         const char *who,
                         gint64      now_s,
                         GError    **error)
{
  GError *alert_error = NULL;

  if (!pm_alert_manager_silence (pm_predictor_get_alert_manager (self->predictor), id, until_s,
                                 reason, who, now_s, &alert_error))
    return translate_alert_error (error, alert_error);
  if (self->alert_store != NULL)
    pm_alert_store_save (self->alert_store, now_s);
  return TRUE;
}

static gboolean
api_acknowledge_cb (const char *id,
                    const char *who,
                    gint64      now,
                    gpointer    data,
                    GError    **error)
{
  return pm_engine_acknowledge_alert (data, id, who, now, error);
}

static gboolean
api_silence_cb (const char *id,
                gint64      until,
                const char *reason,
                const char *who,
                gint64      now,
                gpointer    data,
                GError    **error)
{
  return pm_engine_silence_alert (data, id, until, reason, who, now, error);
}

/* The alert actions the API offers, bound to this engine (the actions hold a reference). */
void
pm_engine_get_api_alert_actions (PmEngine          *self,
                                 PmApiAlertActions *actions)
{
  *actions = (PmApiAlertActions) { api_acknowledge_cb, api_silence_cb, g_object_ref (self),
                                   g_object_unref };
}

PmAlertManager *
pm_engine_get_alert_manager (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), NULL);

  return pm_predictor_get_alert_manager (self->predictor);
}

void
pm_engine_adopt_alert_marks (PmEngine *self,
                             PmEngine *from)
{
  gint64 now;
  g_autoptr(GPtrArray) marks = NULL;

  g_return_if_fail (PM_IS_ENGINE (self));
  g_return_if_fail (PM_IS_ENGINE (from));

  now = pm_clock_now_s (self->clock);
  marks = pm_alert_manager_dup_marks (pm_engine_get_alert_manager (from), now);
  for (guint i = 0; i < marks->len; i++)
    /* Both engines run on one topology; a silence over by this engine's clock is dropped. */
    pm_alert_manager_restore (pm_engine_get_alert_manager (self), g_ptr_array_index (marks, i),
                              now, NULL);
  if (self->alert_store != NULL)
    pm_alert_store_save (self->alert_store, now);
}
