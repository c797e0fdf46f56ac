/* pm-bench-grid.h: synthetic networks of any size for the benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/pm-topology.h"

PmTopology *pm_bench_grid_topology (guint n_segments);
char       *pm_bench_mesh_geojson  (guint  cols,
                                    guint  rows,
                                    guint  n_segments,
                                    GRand *rand);
PmTopology *pm_bench_mesh_topology (guint  cols,
                                    guint  rows,
                                    guint  n_segments,
                                    GRand *rand);
