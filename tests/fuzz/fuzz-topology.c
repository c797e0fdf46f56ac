/* fuzz-topology.c: topology GeoJSON (pm_topology_new_from_bytes), then every accessor over what
 * was read, so that an index the loader let through is used the way the engine uses it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  pm_fuzz_init (argc, argv);
  return 0;
}

static int
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = pm_topology_new_from_bytes (bytes, "fuzz.geojson", &error);
  guint n_sites, n_segments;

  g_assert ((topology == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (topology == NULL)
    return 0;

  (void) pm_topology_get_name (topology);
  (void) pm_topology_get_attribution (topology);
  (void) pm_topology_get_origin (topology);
  n_sites = pm_topology_get_n_sites (topology);
  n_segments = pm_topology_get_n_segments (topology);
  for (guint i = 0; i < n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      const guint *segments;
      guint n;

      g_assert (site->id != NULL && site->name != NULL && site->region != NULL);
      g_assert (pm_topology_lookup_site (topology, site->id) >= 0);
      (void) pm_site_role_to_string (site->role);
      segments = pm_topology_get_site_segments (topology, i, &n);
      for (guint k = 0; k < n; k++)
        {
          g_assert (segments[k] < n_segments);
          g_assert (pm_topology_segment_peer (topology, segments[k], i) < n_sites);
        }
    }
  for (guint i = 0; i < n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);

      g_assert (segment->id != NULL && segment->probe != NULL);
      g_assert (segment->a < n_sites && segment->b < n_sites);
      g_assert (pm_topology_lookup_segment (topology, segment->id) >= 0);
      (void) pm_segment_baseline_rtt_ms (segment);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
