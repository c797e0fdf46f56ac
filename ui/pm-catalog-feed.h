/* pm-catalog-feed.h: the replica catalogue as the console's panels see it.
 *
 * The catalogue is a database: every list read is disk I/O, so the feed reads proposals, jobs,
 * replicas, decisions and the executor's live progress in a worker thread, at most once per
 * engine tick (reads never overlap: ticks that arrive during a read are folded into one more
 * read), and hands the panels an immutable, ref-counted PmCatalogView on the main thread.
 * Operators' actions run in a worker thread too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pm-engine.h"

G_BEGIN_DECLS

/* One consistent read of the catalogue. Never changes once published: share it freely (main
 * thread). */
typedef struct
{
  GPtrArray  *proposals;  /* PmProposal, newest first */
  GPtrArray  *jobs;       /* PmJob, newest first */
  GPtrArray  *replicas;   /* PmReplica, by resource then site */
  GPtrArray  *decisions;  /* PmDecision, newest first */
  GHashTable *progress;   /* gint64 * job id → PmJobProgress *: the jobs running now */
  gint64      now_s;      /* the engine's clock when the read started */
  char       *error;      /* why the read failed (the lists are then empty); NULL when it did
                           * not */
} PmCatalogView;

#define PM_TYPE_CATALOG_VIEW (pm_catalog_view_get_type ())
GType          pm_catalog_view_get_type     (void) G_GNUC_CONST;
PmCatalogView *pm_catalog_view_ref          (PmCatalogView *view);
void           pm_catalog_view_unref        (PmCatalogView *view);
/* The live progress of a running job, or NULL. */
const PmJobProgress *pm_catalog_view_get_progress (PmCatalogView *view,
                                                   gint64         job);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmCatalogView, pm_catalog_view_unref)

typedef enum
{
  PM_CATALOG_ACTION_APPROVE,     /* proposal */
  PM_CATALOG_ACTION_REJECT,      /* proposal; reason required */
  PM_CATALOG_ACTION_MIRROR_NOW,  /* resource, site */
  PM_CATALOG_ACTION_CANCEL_JOB,  /* job */
  PM_CATALOG_ACTION_RETRY_JOB,   /* job */
  PM_CATALOG_ACTION_RETIRE,      /* resource, site */
} PmCatalogActionKind;

/* An operator's action. The feed copies it: the caller keeps ownership. */
typedef struct
{
  PmCatalogActionKind kind;
  gint64              proposal;
  gint64              job;
  const char         *resource;
  const char         *site;
  const char         *reason;    /* NULL or "" when none was given */
} PmCatalogAction;

#define PM_TYPE_CATALOG_FEED (pm_catalog_feed_get_type ())
G_DECLARE_FINAL_TYPE (PmCatalogFeed, pm_catalog_feed, PM, CATALOG_FEED, GObject)

/* Starts the first read at once. */
PmCatalogFeed *pm_catalog_feed_new          (PmEngine *engine);
PmEngine      *pm_catalog_feed_get_engine   (PmCatalogFeed *self);
/* The newest view; NULL until the first read has finished. */
PmCatalogView *pm_catalog_feed_get_view     (PmCatalogFeed *self);
/* Reads again now (or right after the read under way). */
void           pm_catalog_feed_refresh      (PmCatalogFeed *self);
/* TRUE while a read is under way or due. */
gboolean       pm_catalog_feed_is_busy      (PmCatalogFeed *self);

/* Runs the action as the OS user at the engine's time, then reads again. Errors are
 * PM_CATALOG_ERROR, with a message an operator can act on. */
void           pm_catalog_feed_act_async    (PmCatalogFeed         *self,
                                             const PmCatalogAction *action,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data);
gboolean       pm_catalog_feed_act_finish   (PmCatalogFeed  *self,
                                             GAsyncResult   *result,
                                             GError        **error);

G_END_DECLS
