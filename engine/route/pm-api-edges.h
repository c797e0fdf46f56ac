/* pm-api-edges.h: GET /edges/{site}/…, read-only serving of the replicas kept in the local
 * folders of sites whose storage is local (the demo's edges), so that a route's URL works with
 * no other web server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/pm-topology.h"
#include "pm-api-server.h"

G_BEGIN_DECLS

/* The folders are worked out now, from the topology and the engine's data folder; neither is
 * kept. */
void pm_api_edges_register (PmApiServer *server,
                            PmTopology  *topology,
                            const char  *data_dir);

G_END_DECLS
