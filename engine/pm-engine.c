/* pm-engine.c: owns the clock, the topology, the time series store and the source; ticks and
 * publishes one immutable snapshot per tick.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-engine.h"

#include <errno.h>

#include "pm-demo.h"
#include "pm-health.h"
#include "mirror/pm-catalog-sqlite.h"
#include "predict/pm-alerts.h"
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
  PmSeriesStore *store;
  PmPredictor   *predictor;
  PmSnapshot    *snapshot;
  GMutex         snapshot_lock;  /* guards the snapshot pointer: the API thread reads it */
  char          *source_error;
  char          *catalog_uri;
  gboolean       demo_files;
  PmMirror      *mirror;
  PmRouting     *routing;
  guint          tick_id;
  gboolean       warming_up;  /* the predictor is being warmed up in a worker thread */
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

  if (options->resources_path != NULL)
    {
      self->resources = pm_resources_new_from_file (options->resources_path, self->topology, error);
    }
  else
    {
      self->resources = pm_demo_load_resources (self->topology, error);
      if (self->resources != NULL)
        pm_resources_set_origin (self->resources, (guint) pm_topology_get_origin (self->topology));
    }
  return self->resources != NULL;
}

static gboolean
open_source (PmEngine              *self,
             const PmEngineOptions *options,
             GError               **error)
{
  const char *uri = options->source_uri != NULL ? options->source_uri : "sim:";
  PmSimulatorConfig config;

  if (!g_str_has_prefix (uri, "sim:"))
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_SOURCE,
                   "--source %s: this build reads only the simulator (sim:); "
                   "Prometheus and CSV sources are not available yet", uri);
      return FALSE;
    }
  if (!pm_simulator_parse_uri (uri, &config, error))
    return FALSE;
  self->simulator = pm_simulator_new (self->topology, &config);
  self->source = PM_SOURCE (g_object_ref (self->simulator));
  self->clock = pm_clock_new_virtual (config.start_s * G_USEC_PER_SEC,
                                      options->speed > 0 ? options->speed : config.speed);
  pm_clock_set_paused (self->clock, options->start_paused);
  return TRUE;
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

static PmSnapshot *
build_snapshot (PmEngine *self,
                gint64    now_s)
{
  PmSnapshot *snapshot = pm_snapshot_new (self->topology);

  snapshot->time_s = now_s;
  snapshot->speed = pm_clock_get_speed (self->clock);
  snapshot->paused = pm_clock_get_paused (self->clock);
  snapshot->source_description = pm_source_describe (self->source);
  snapshot->source_state = self->source_error != NULL ? PM_SOURCE_STATE_FAILED
                                                      : pm_source_get_state (self->source);
  snapshot->source_error = g_strdup (self->source_error);

  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      PmSegmentState *state = &snapshot->segments[i];
      gint64 sample_time;

      pm_series_store_latest (self->store, i, &sample_time, &state->sample);
      /* A sample older than a few steps is stale: show no data rather than old good news. */
      if (now_s - sample_time > 3 * pm_series_store_get_step (self->store))
        state->sample = PM_SAMPLE_NO_DATA;
      state->sample_time = sample_time;
      state->health = pm_health_score (pm_topology_get_segment (self->topology, i),
                                       &state->sample);
    }
  fill_site_states (snapshot);

  if (self->simulator != NULL)
    {
      /* Announced events of the coming horizon feed the prediction; those active now are also
       * shown on the map. */
      gint64 horizon = pm_predictor_get_horizon (self->predictor);
      g_autoptr(GPtrArray) events = pm_simulator_get_events (self->simulator, now_s,
                                                             now_s + horizon);
      for (guint i = 0; i < events->len; i++)
        {
          const PmEvent *event = g_ptr_array_index (events, i);
          if (event->issued_s <= now_s && event->start_s <= now_s && now_s < event->end_s)
            g_ptr_array_add (snapshot->events, pm_event_copy (event));
        }
      if (!self->warming_up)
        pm_predictor_update (self->predictor, self->store, events, now_s, snapshot);
    }
  else if (!self->warming_up)
    {
      pm_predictor_update (self->predictor, self->store, NULL, now_s, snapshot);
    }
  snapshot->horizon_s = pm_predictor_get_horizon (self->predictor);
  snapshot->predicting = !self->warming_up;
  return snapshot;
}

void
pm_engine_tick (PmEngine *self)
{
  g_autoptr(GError) error = NULL;
  PmSnapshot *snapshot, *old;
  gint64 now_s;

  g_return_if_fail (PM_IS_ENGINE (self));

  now_s = pm_clock_now_s (self->clock);
  g_clear_pointer (&self->source_error, g_free);
  if (!pm_source_advance (self->source, self->store, now_s, &error))
    self->source_error = g_strdup (error->message);

  snapshot = build_snapshot (self, now_s);
  if (self->mirror != NULL)
    pm_mirror_update (self->mirror, snapshot);
  pm_routing_update (self->routing, snapshot,
                     self->mirror != NULL ? pm_mirror_get_usable (self->mirror) : NULL);
  g_mutex_lock (&self->snapshot_lock);
  old = g_steal_pointer (&self->snapshot);
  self->snapshot = snapshot;
  g_mutex_unlock (&self->snapshot_lock);
  /* Unreferenced outside the lock: the last reference may free a large snapshot. */
  g_clear_pointer (&old, pm_snapshot_unref);
  g_signal_emit (self, signals[CHANGED], 0, self->snapshot);
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
  pm_series_store_free (warm_up->store);
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
  g_task_return_boolean (task, TRUE);
}

static void
warm_up_done (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PmEngine *self = PM_ENGINE (source_object);

  self->warming_up = FALSE;
  /* The minutes that passed meanwhile are walked from the live store at this tick. */
  if (self->tick_id != 0)
    pm_engine_tick (self);
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
  g_task_run_in_thread (task, warm_up_thread);
}

gboolean
pm_engine_is_predicting (PmEngine *self)
{
  g_return_val_if_fail (PM_IS_ENGINE (self), FALSE);

  return !self->warming_up && pm_predictor_is_warm (self->predictor);
}

static gboolean
tick_cb (gpointer data)
{
  pm_engine_tick (PM_ENGINE (data));
  return G_SOURCE_CONTINUE;
}

static void
pm_engine_dispose (GObject *object)
{
  PmEngine *self = PM_ENGINE (object);

  pm_engine_stop (self);
  g_clear_pointer (&self->mirror, pm_mirror_free);
  g_clear_pointer (&self->routing, pm_routing_free);
  g_clear_object (&self->source);
  g_clear_object (&self->simulator);
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
  g_free (self->data_dir);
  g_free (self->catalog_uri);
  g_free (self->source_error);
  g_mutex_clear (&self->snapshot_lock);

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
  self->demo_files = options->demo_files && options->resources_path == NULL;

  if (!load_model (self, options, error) || !open_source (self, options, error))
    return NULL;
  self->store = pm_series_store_new (pm_topology_get_n_segments (self->topology),
                                     PM_SERIES_DEFAULT_STEP_S, PM_SERIES_DEFAULT_SPAN_S);
  self->predictor = pm_predictor_new (self->topology, options->horizon_s);
  self->snapshot = pm_snapshot_new (self->topology);
  pm_router_params_init (&route_params);
  if (options->route_margin_ms > 0)
    route_params.margin_ms = options->route_margin_ms;
  self->routing = pm_routing_new (self->topology, self->resources, &route_params);
  return g_steal_pointer (&self);
}

/* "sqlite:PATH"; the default lives in the data folder. */
static PmCatalog *
open_catalog (PmEngine *self,
              GError  **error)
{
  g_autofree char *path = NULL;

  if (self->catalog_uri == NULL)
    path = g_build_filename (self->data_dir, "catalog.sqlite", NULL);
  else if (g_str_has_prefix (self->catalog_uri, "sqlite:") && self->catalog_uri[7] != '\0')
    path = g_strdup (self->catalog_uri + 7);
  else
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_CATALOG,
                   "Unknown catalogue “%s”: expected sqlite:PATH", self->catalog_uri);
      return NULL;
    }
  return pm_catalog_sqlite_open (path, error);
}

static gboolean
start_mirror (PmEngine *self,
              GError  **error)
{
  g_autoptr(PmCatalog) catalog = open_catalog (self, error);
  g_autoptr(PmMirror) mirror = NULL;

  if (catalog == NULL)
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
  if (self->mirror == NULL && !start_mirror (self, error))
    return FALSE;

  if (self->tick_id != 0)
    return TRUE;
  if (pm_predictor_is_warm (self->predictor) || self->warming_up)
    {
      pm_engine_tick (self);
    }
  else
    {
      /* The first tick loads the history (and shows it); the warm-up learns from it. */
      self->warming_up = TRUE;
      pm_engine_tick (self);
      start_warm_up (self, self->snapshot->time_s);
    }
  self->tick_id = g_timeout_add (self->tick_ms, tick_cb, self);
  return TRUE;
}

void
pm_engine_stop (PmEngine *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
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

/* The latest snapshot, borrowed: for the thread that runs the engine (the main thread). */
PmSnapshot *
pm_engine_get_snapshot (PmEngine *self)
{
  return self->snapshot;
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
  g_return_val_if_fail (segment < pm_topology_get_n_segments (self->topology), 0);
  return pm_series_store_read (self->store, segment, from_s, n_steps, out);
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
