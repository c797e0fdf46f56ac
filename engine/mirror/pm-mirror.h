/* pm-mirror.h: the Adaptive Mirroring Service. Once per engine tick it turns the snapshot's
 * predictions into proposals (the planner), approves those the auto-approve policy matches,
 * keeps replicas consistent with the origin's versions, runs the job queue (the executor) and
 * retires temporary mirrors after the risk has stayed low for the cool-down.
 *
 * Operators' actions (approve, reject, mirror now, cancel, retry, retire) are thread-safe: the
 * API calls them from its own thread; they go straight to the catalogue, in one transaction
 * each, and the next tick acts on them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "pm-catalog.h"
#include "pm-executor.h"
#include "pm-planner.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

typedef struct
{
  PmPlannerParams  planner;
  PmExecutorParams executor;
  gint64           cooldown_s;        /* a temporary mirror goes after its users were out of risk
                                       * this long (default 1 h) */
  gint64           withdraw_after_s;  /* a pending proposal the planner stopped making is
                                       * withdrawn after this long (default 5 min): risk that
                                       * flickers around the threshold does not flood the list */
  gint64           scan_interval_s;   /* origin files are checked for new versions this often
                                       * (default 60 s of the engine's clock) */
} PmMirrorParams;

typedef struct _PmMirror PmMirror;

void       pm_mirror_params_init  (PmMirrorParams *params);

/* demo_files: write the demo's origin files on first start. */
PmMirror  *pm_mirror_new          (PmResources          *resources,
                                   PmCatalog            *catalog,
                                   const char           *data_dir,
                                   gboolean              demo_files,
                                   const PmMirrorParams *params);
void       pm_mirror_free         (PmMirror *self);

/* Reconciles the catalogue after a crash, registers the inventory and starts reading the origin
 * files (in a worker thread). */
gboolean   pm_mirror_start        (PmMirror *self,
                                   gint64    now,
                                   GError  **error);
/* One tick, on the engine's thread. speed is the clock's rate. */
void       pm_mirror_update       (PmMirror         *self,
                                   const PmSnapshot *snapshot);

/* TRUE once the origin files have been read at least once. */
gboolean   pm_mirror_is_ready     (PmMirror *self);
/* Problems with origin files found by the last scan, one per line; NULL when none. */
char      *pm_mirror_dup_problems (PmMirror *self);

/* A copy of the resource's newest version (thread-safe); FALSE when none is known yet. */
gboolean   pm_mirror_dup_latest   (PmMirror  *self,
                                   guint      resource,
                                   PmVersion *out);

/* n_resources × n_sites (one row per resource): 1 where a replica may serve clients now, as of
 * the last update; NULL before the first. Engine thread only. */
const guint8 *pm_mirror_get_usable  (PmMirror *self);

PmCatalog   *pm_mirror_get_catalog   (PmMirror *self);
PmExecutor  *pm_mirror_get_executor  (PmMirror *self);
PmResources *pm_mirror_get_resources (PmMirror *self);

/* Operators' actions; thread-safe. Errors are PM_CATALOG_ERROR (NOT_FOUND 404, CONFLICT 409,
 * INVALID 400, …). Approve and mirror return the job id. */
gint64     pm_mirror_approve      (PmMirror   *self,
                                   gint64      proposal,
                                   const char *who,
                                   const char *reason,
                                   gint64      now,
                                   GError    **error);
gint64     pm_mirror_reject       (PmMirror   *self,
                                   gint64      proposal,
                                   const char *who,
                                   const char *reason,
                                   gint64      now,
                                   GError    **error);
gint64     pm_mirror_mirror_now   (PmMirror   *self,
                                   const char *resource,
                                   const char *site,
                                   const char *who,
                                   const char *reason,
                                   gint64      now,
                                   GError    **error);
gboolean   pm_mirror_act_on_job   (PmMirror   *self,
                                   gint64      job,
                                   const char *action,
                                   const char *who,
                                   const char *reason,
                                   gint64      now,
                                   GError    **error);
/* Refuses (CONFLICT) the last replica users at risk rely on. */
gboolean   pm_mirror_retire       (PmMirror   *self,
                                   const char *resource,
                                   const char *site,
                                   const char *who,
                                   const char *reason,
                                   gint64      now,
                                   GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmMirror, pm_mirror_free)

G_END_DECLS
