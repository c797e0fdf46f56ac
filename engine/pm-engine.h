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
#include "predict/pm-alerts.h"
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
  const char *const *event_feeds; /* NULL or NULL-terminated: --events files and URLs */
  const char *data_dir;        /* NULL: <user data dir>/premirror */
  double      speed;           /* > 0 overrides the source's clock speed */
  guint       tick_ms;         /* real milliseconds between ticks; 0: 500 */
  gboolean    start_paused;    /* the virtual clock starts paused (tests, replays) */
  gint64      horizon_s;       /* risk horizon H; 0: 30 min */
  const char *catalog_uri;     /* NULL: sqlite:<data-dir>/catalog.sqlite */
  const char *import_catalog_uri; /* copied into the catalogue at start; NULL: none */
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
/* Reads the local files among feeds (paths and file:// URIs) as the engine will, so that one
 * that is missing or malformed is refused where it was given; URLs are fetched by the running
 * engine, which shows their state. */
gboolean     pm_engine_check_event_feeds (const char *const *feeds,
                                          GError           **error);
gboolean     pm_engine_start          (PmEngine *self,
                                       GError  **error);
void         pm_engine_stop           (PmEngine *self);
/* Ticks run in the engine's own thread from pm_engine_start to pm_engine_stop; `changed` is
 * emitted on the thread-default context of pm_engine_new's caller (the main context), coalesced:
 * one pending delivery at most, always of the newest snapshot. pm_engine_tick is synchronous
 * (`changed` has been emitted on the caller's thread when it returns; while the engine thread
 * runs, it waits for a tick there); pm_engine_tick_soon only asks for one when the engine thread
 * runs (the console's controls), and is pm_engine_tick otherwise. */
void         pm_engine_tick           (PmEngine *self);
void         pm_engine_tick_soon      (PmEngine *self);
/* Microseconds the last tick took (in whichever thread ran it); safe from any thread. */
gint64       pm_engine_get_tick_us    (PmEngine *self);
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
/* n_steps samples of a segment from the step holding from_s on (NAN fields where none); returns
 * how many have data. Safe from any thread: it copies under a lock the tick holds only while it
 * appends, so a window of a segment costs the reader about a memcpy. */
guint        pm_engine_read_history   (PmEngine *self,
                                       guint     segment,
                                       gint64    from_s,
                                       guint     n_steps,
                                       PmSample *out);
/* Risk history: every tick records each segment's risk and each site's isolation, down-sampled
 * to one value (the largest) per risk step (60 s) over the last day. read_risk_history gives
 * n_steps values from the step holding from_s on, of a site's isolation (site TRUE) or a
 * segment's risk, NAN where unknown; returns how many are known. Safe from any thread. */
gint64       pm_engine_get_risk_step  (PmEngine *self);
guint        pm_engine_read_risk_history (PmEngine *self,
                                          gboolean  site,
                                          guint     index,
                                          gint64    from_s,
                                          guint     n_steps,
                                          double   *out);
/* The segment whose forecast every following snapshot carries in PmSnapshot.watch (-1 or out
 * of range: none). Safe from any thread; takes effect at the next tick. */
void         pm_engine_set_watched_segment (PmEngine *self,
                                            int       segment);
int          pm_engine_get_watched_segment (PmEngine *self);

/* Settings applied while running. Safe from any thread; each takes effect at the next tick (a
 * new horizon waits for a warm-up in progress to end). The horizon keeps what the predictor has
 * learned but labels its training examples against the new horizon from then on. */
void         pm_engine_set_horizon         (PmEngine *self,
                                            gint64    horizon_s);
void         pm_engine_set_alert_threshold (PmEngine *self,
                                            double    probability);
void         pm_engine_set_auto_approve    (PmEngine                  *self,
                                            const PmAutoApprovePolicy *policy);

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
/* The alert manager the ticks feed (thread-safe): for tests and tools that inspect its marks.
 * Operators' actions go through pm_engine_acknowledge_alert and pm_engine_silence_alert, which
 * also store them. */
PmAlertManager *pm_engine_get_alert_manager (PmEngine *self);
/* Takes over another engine's acknowledgements and silences (the one a reload replaces, which may
 * have kept them in another catalogue) and stores them in this one's; ended silences are left
 * behind. Call it right after pm_engine_start, before alerts fire. */
void         pm_engine_adopt_alert_marks (PmEngine *self,
                                          PmEngine *from);

G_END_DECLS
