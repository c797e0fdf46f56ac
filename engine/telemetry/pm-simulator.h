/* pm-simulator.h: the embedded, seeded, deterministic metric source with ground truth.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-event.h"
#include "model/pm-topology.h"
#include "model/pm-truth.h"
#include "pm-source.h"

G_BEGIN_DECLS

#define PM_SIMULATOR_DEFAULT_SEED  1
#define PM_SIMULATOR_DEFAULT_SPEED 60.0
/* 2026-01-05T00:00:00Z, a Monday: a fixed start so that a scenario is named by its seed alone. */
#define PM_SIMULATOR_DEFAULT_START 1767571200

typedef struct
{
  guint64 seed;
  double  speed;    /* virtual seconds per real second for the live console */
  gint64  start_s;  /* virtual time at which the live console starts */
} PmSimulatorConfig;

#define PM_TYPE_SIMULATOR (pm_simulator_get_type ())
G_DECLARE_FINAL_TYPE (PmSimulator, pm_simulator, PM, SIMULATOR, GObject)

/* Parses "sim:" or "sim:?seed=N&speed=X&start=UNIX_S"; unknown keys and bad values are errors. */
gboolean     pm_simulator_parse_uri      (const char        *uri,
                                          PmSimulatorConfig *config,
                                          GError           **error);

PmSimulator *pm_simulator_new            (PmTopology              *topology,
                                          const PmSimulatorConfig *config);
const PmSimulatorConfig *pm_simulator_get_config (PmSimulator *self);

/* The sample of one segment at one time step: a pure function of (seed, segment, time). */
void         pm_simulator_sample         (PmSimulator *self,
                                          guint        segment,
                                          gint64       time_s,
                                          PmSample    *out);

/* Ground truth: partitions (PmPartition) overlapping [from_s, to_s), sorted by start. */
GArray      *pm_simulator_get_partitions (PmSimulator *self,
                                          gint64       from_s,
                                          gint64       to_s);
/* Event feeds: events (PmEvent, owned by the array) active in [from_s, to_s) and already
 * published at to_s — maintenance is announced in advance, weather alerts as storms form. */
GPtrArray   *pm_simulator_get_events     (PmSimulator *self,
                                          gint64       from_s,
                                          gint64       to_s);

G_END_DECLS
