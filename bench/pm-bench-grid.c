/* pm-bench-grid.c: synthetic networks of any size for the benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-bench-grid.h"

#include <math.h>
#include <string.h>

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

/* A jittered cols × rows grid of sites over Europe in regions of 10 × 10 cells, the first site
 * the origin and every other an edge, with n_segments links: right and lower neighbours first,
 * then both diagonals, then random chords up to three cells long, until there are enough (a
 * meshed backbone with several paths between most pairs, as the routing tables need). As
 * GeoJSON in the topology file format, for the benchmarks that start the engine on a file. */
char *
pm_bench_mesh_geojson (guint  cols,
                       guint  rows,
                       guint  n_segments,
                       GRand *rand)
{
  g_autoptr(GString) json = g_string_new ("{\"type\": \"FeatureCollection\", \"name\": \"mesh\","
                                          " \"features\": [");
  g_autoptr(GHashTable) linked = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_segments);
  g_autoptr(GArray) lons = g_array_sized_new (FALSE, FALSE, sizeof (double), cols * rows);
  g_autoptr(GArray) lats = g_array_sized_new (FALSE, FALSE, sizeof (double), cols * rows);
  guint n_sites = cols * rows, made = 0, attempts = 0;

  for (guint s = 0; s < n_sites; s++)
    {
      double lon = -10 + 40.0 * (s % cols + g_rand_double_range (rand, -0.3, 0.3)) / cols;
      double lat = 36 + 24.0 * (s / cols + g_rand_double_range (rand, -0.3, 0.3)) / rows;

      g_array_append_val (lons, lon);
      g_array_append_val (lats, lat);

      g_string_append_printf (json,
                              "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\","
                              " \"coordinates\": [%.5f, %.5f]}, \"properties\": {\"id\":"
                              " \"s%u\", \"role\": \"%s\", \"region\": \"r%u-%u\"}}",
                              s == 0 ? "" : ",", lon, lat, s, s == 0 ? "origin" : "edge",
                              s / cols / 10, s % cols / 10);
    }

  while (made < n_segments && attempts < 100 * n_segments)
    {
      guint s, t;
      int dr, dc;
      gint64 key;

      /* Neighbours in order while there are any, then random chords. */
      if (attempts < 4 * n_sites)
        {
          static const int steps[4][2] = { { 0, 1 }, { 1, 0 }, { 1, 1 }, { 1, -1 } };

          s = attempts % n_sites;
          dr = steps[attempts / n_sites][0];
          dc = steps[attempts / n_sites][1];
        }
      else
        {
          s = g_rand_int_range (rand, 0, n_sites);
          dr = g_rand_int_range (rand, -3, 4);
          dc = g_rand_int_range (rand, -3, 4);
        }
      attempts++;
      if ((int) (s / cols) + dr < 0 || (int) (s / cols) + dr >= (int) rows ||
          (int) (s % cols) + dc < 0 || (int) (s % cols) + dc >= (int) cols || (dr == 0 && dc == 0))
        continue;
      t = (guint) ((int) s + dr * (int) cols + dc);
      key = (gint64) MIN (s, t) * n_sites + MAX (s, t);
      if (g_hash_table_contains (linked, &key))
        continue;
      g_array_append_val (keys, key);
      g_hash_table_add (linked, &g_array_index (keys, gint64, keys->len - 1));
      /* The line runs between its sites, as in a real file (the loader draws from the sites). */
      g_string_append_printf (json,
                              ",{\"type\": \"Feature\", \"geometry\": {\"type\":"
                              " \"LineString\", \"coordinates\": [[%.5f, %.5f], [%.5f, %.5f]]},"
                              " \"properties\": {\"id\": \"l%u\", \"a\": \"s%u\","
                              " \"b\": \"s%u\"}}",
                              g_array_index (lons, double, s), g_array_index (lats, double, s),
                              g_array_index (lons, double, t), g_array_index (lats, double, t),
                              made, s, t);
      made++;
    }
  g_string_append (json, "]}");
  g_assert (made == n_segments);
  return g_string_free (g_steal_pointer (&json), FALSE);
}

/* The same network, loaded. */
PmTopology *
pm_bench_mesh_topology (guint  cols,
                        guint  rows,
                        guint  n_segments,
                        GRand *rand)
{
  char *json = pm_bench_mesh_geojson (cols, rows, n_segments, rand);
  g_autoptr(GBytes) bytes = g_bytes_new_take (json, strlen (json));
  g_autoptr(GError) error = NULL;
  PmTopology *topology;


  topology = pm_topology_new_from_bytes (bytes, "mesh", &error);
  g_assert_no_error (error);
  return topology;
}
