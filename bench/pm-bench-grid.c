/* pm-bench-grid.c: synthetic networks of any size for the benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-bench-grid.h"

#include <math.h>

/* A grid of sites over Europe, each linked to its right and lower neighbours, until the network
 * has n segments: a synthetic backbone whose lines storms can cross, shared by the benchmarks. */
PmTopology *
pm_bench_grid_topology (guint n_segments)
{
  guint side = (guint) ceil (sqrt (n_segments / 2.0)) + 1;
  g_autoptr(GString) json = g_string_new ("{\"type\": \"FeatureCollection\", \"name\": \"grid\","
                                          " \"features\": [");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint made = 0;
  PmTopology *topology;

#define LON(col) (-10.0 + 40.0 * (col) / (side - 1))
#define LAT(row) (36.0 + 24.0 * (row) / (side - 1))

  for (guint row = 0; row < side; row++)
    for (guint col = 0; col < side; col++)
      g_string_append_printf (json,
                              "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
                              " \"coordinates\": [%.5f, %.5f]}, \"properties\": {\"id\":"
                              " \"s%u-%u\", \"role\": \"%s\"}}",
                              row + col == 0 ? "" : ",", LON (col), LAT (row), row, col,
                              row + col == 0 ? "origin" : "edge");

  for (guint row = 0; row < side && made < n_segments; row++)
    for (guint col = 0; col < side && made < n_segments; col++)
      for (guint dir = 0; dir < 2 && made < n_segments; dir++)
        {
          guint row2 = row + dir, col2 = col + !dir;

          if (row2 >= side || col2 >= side)
            continue;
          g_string_append_printf (json,
                                  ",{\"type\": \"Feature\", \"geometry\": {\"type\":"
                                  " \"LineString\", \"coordinates\": [[%.5f, %.5f], [%.5f, %.5f]]},"
                                  " \"properties\": {\"id\": \"l%u\", \"a\": \"s%u-%u\","
                                  " \"b\": \"s%u-%u\", \"circuit_id\": \"C%u\"}}",
                                  LON (col), LAT (row), LON (col2), LAT (row2), made, row, col,
                                  row2, col2, made);
          made++;
        }
  g_string_append (json, "]}");

#undef LON
#undef LAT

  g_assert (made == n_segments);
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  topology = pm_topology_new_from_bytes (bytes, "grid", &error);
  g_assert_no_error (error);
  return topology;
}
