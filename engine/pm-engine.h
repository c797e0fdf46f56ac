/* pm-engine.h: the facade the console, the headless server and the CLI tools talk to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "model/pm-topology.h"
#include "mirror/pm-mirror.h"
#include "pm-snapshot.h"
#include "route/pm-api-alerts.h"
#include "route/pm-routing.h"
#include "telemetry/pm-clock.h"

G_BEGIN_DECLS

#define PM_ENGINE_ERROR (pm_engine_error_quark ())

typedef enum
{
  PM_ENGINE_ERROR_SOURCE,   /* the --source URI names no source this build has */
  PM_ENGINE_ERROR_CATALOG,  /* the --catalog URI names no catalogue this build has */
} PmEngineError;

typedef struct
{
  const char *topology_path;   /* NULL: the built-in demo network */
  const char *resources_path;  /* NULL: the demo resources, moved to the topology's origin */
  const char *source_uri;      /* NULL: "sim:" */
  const char *data_dir;        /* NULL: <user data dir>/premirror */
  double      speed;           /* > 0 overrides the source's clock speed */
  guint       tick_ms;         /* real milliseconds between ticks; 0: 500 */
  gboolean    start_paused;    /* the virtual clock starts paused (tests, replays) */
  gint64      horizon_s;       /* risk horizon H; 0: 30 min */
  const char *catalog_uri;     /* NULL: sqlite:<data-dir>/catalog.sqlite */
  gboolean    demo_files;      /* write the demo resources' origin files on first start (the
                                * console does with the demo inventory; tests need not) */
  double      route_margin_ms; /* a client region's replica changes only for one faster by this
                                * much; 0: the router's default (5 ms) */
} PmEngineOptions;

#define PM_TYPE_ENGINE (pm_engine_get_type ())
G_DECLARE_FINAL_TYPE (PmEngine, pm_engine, PM, ENGINE, GObject)

GQuark       pm_engine_error_quark    (void);

PmEngine    *pm_engine_new            (const PmEngineOptions *options,
                                       GError               **error);
gboolean     pm_engine_start          (PmEngine *self,
                                       GError  **error);
void         pm_engine_stop           (PmEngine *self);
void         pm_engine_tick           (PmEngine *self);
/* FALSE from pm_engine_start until the predictor has learned from the stored history (in a
 * worker thread); snapshots meanwhile carry no risk (PmSnapshot.predicting). */
gboolean     pm_engine_is_predicting  (PmEngine *self);

PmClock     *pm_engine_get_clock      (PmEngine *self);
PmTopology  *pm_engine_get_topology   (PmEngine *self);
PmResources *pm_engine_get_resources  (PmEngine *self);
PmSnapshot  *pm_engine_get_snapshot   (PmEngine *self);
/* The mirroring service; NULL before pm_engine_start. */
PmMirror    *pm_engine_get_mirror     (PmEngine *self);
PmSnapshot  *pm_engine_dup_snapshot   (PmEngine *self);
/* Where clients are sent: thread-safe, refreshed by every tick. */
PmRouting   *pm_engine_get_routing    (PmEngine *self);
const char  *pm_engine_get_data_dir   (PmEngine *self);
gint64       pm_engine_get_history_step (PmEngine *self);
guint        pm_engine_read_history   (PmEngine *self,
                                       guint     segment,
                                       gint64    from_s,
                                       guint     n_steps,
                                       PmSample *out);

gboolean     pm_engine_acknowledge_alert (PmEngine   *self,
                                          const char *id,
                                          const char *who,
                                          gint64      now_s,
                                          GError    **error);
gboolean     pm_engine_silence_alert  (PmEngine   *self,
                                       const char *id,
                                       gint64      until_s,
                                       const char *reason,
                                       const char *who,
                                       gint64      now_s,
                                       GError    **error);

void         pm_engine_get_api_alert_actions (PmEngine          *self,
                                             PmApiAlertActions *actions);

G_END_DECLS
