/* pm-demo.h: the built-in demo: a European backbone, its resource inventory and local edges.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "model/pm-topology.h"

G_BEGIN_DECLS

#define PM_DEMO_RESOURCE_PATH "/io/github/premirror/Premirror/demo/"
#define PM_DEMO_NETWORK_PATH   PM_DEMO_RESOURCE_PATH "network.geojson"
#define PM_DEMO_RESOURCES_PATH PM_DEMO_RESOURCE_PATH "resources.json"

PmTopology  *pm_demo_load_topology  (GError    **error);
PmResources *pm_demo_load_resources (PmTopology *topology,
                                     GError    **error);
/* The resources file at path or, when path is NULL, the demo's adapted to topology (DESIGN):
 * every origin moved to the topology's origin site, and the demand spread over its regions
 * when none of the demo's regions is one of them. */
PmResources *pm_demo_load_resources_or_file (const char *path,
                                             PmTopology *topology,
                                             GError    **error);
gboolean     pm_demo_prepare_edges  (const char *data_dir,
                                     PmTopology *topology,
                                     GError    **error);

G_END_DECLS
