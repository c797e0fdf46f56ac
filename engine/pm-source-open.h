/* pm-source-open.h: the --source URI made into a source and the clock that drives it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"
#include "telemetry/pm-clock.h"
#include "telemetry/pm-simulator.h"
#include "telemetry/pm-source.h"

G_BEGIN_DECLS

typedef struct
{
  PmSource    *source;
  PmClock     *clock;
  PmSimulator *simulator;  /* the source when it is the simulator (its event feeds); else NULL */
} PmOpenedSource;

/* Opens uri ("sim:…", "csv:FILE" or "prometheus:http://HOST:PORT…"):
 * - the simulator runs on a virtual clock from its start, at its speed;
 * - a CSV file is replayed on a virtual clock that starts one history span after its first row
 *   (so the console starts with that span of charts), or at its first row if it is shorter;
 * - Prometheus is live: the wall clock, which cannot be sped up or paused.
 * speed > 0 overrides a virtual clock's speed (an error for the wall clock); history_s is the
 * series store's span. */
gboolean pm_source_open          (const char     *uri,
                                  PmTopology     *topology,
                                  double          speed,
                                  gboolean        start_paused,
                                  gint64          history_s,
                                  PmOpenedSource *out,
                                  GError        **error);
void     pm_opened_source_clear  (PmOpenedSource *opened);

G_END_DECLS
