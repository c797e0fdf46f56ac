/* pm-snapshot.h: an immutable picture of the engine at one tick, shared read-only with the UI,
 * the CLI and the engine's components. Reference counted; never modified after it is published.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "model/pm-event.h"
#include "model/pm-topology.h"
#include "telemetry/pm-series.h"
#include "telemetry/pm-source.h"

G_BEGIN_DECLS

typedef struct
{
  PmSample sample;       /* the newest sample, NAN fields when none */
  gint64   sample_time;  /* unix seconds of that sample, 0 when none */
  double   health;       /* pm_health_score(); NAN = no data */
} PmSegmentState;

typedef struct
{
  guint  n_segments;     /* attached segments */
  guint  n_down;         /* of those, down now */
  double best_health;    /* of the attached segments: a site is as reachable as its best link;
                          * NAN when none has data */
} PmSiteState;

typedef struct _PmSnapshot PmSnapshot;

struct _PmSnapshot
{
  gint64          time_s;
  double          speed;
  gboolean        paused;
  PmTopology     *topology;
  char           *source_description;
  PmSourceState   source_state;
  char           *source_error;     /* NULL unless the source reported one */
  guint           n_segments;
  PmSegmentState *segments;
  guint           n_sites;
  PmSiteState    *sites;
  GPtrArray      *events;           /* PmEvent: infrastructure events active now */
};

#define PM_TYPE_SNAPSHOT (pm_snapshot_get_type ())
GType       pm_snapshot_get_type (void) G_GNUC_CONST;

PmSnapshot *pm_snapshot_new      (PmTopology *topology);
PmSnapshot *pm_snapshot_ref      (PmSnapshot *self);
void        pm_snapshot_unref    (PmSnapshot *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSnapshot, pm_snapshot_unref)

G_END_DECLS
