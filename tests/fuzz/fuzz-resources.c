/* fuzz-resources.c: resources JSON (pm_resources_new_from_bytes) against the demo network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-demo.h"
#include "pm-fuzz.h"

static PmTopology *topology;

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  g_autoptr(GError) error = NULL;

  pm_fuzz_init (argc, argv);
  /* The demo inventory (the seed) names the demo network's sites. */
  topology = pm_demo_load_topology (&error);
  if (topology == NULL)
    g_error ("demo topology: %s", error->message);
  return 0;
}

static int
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmResources) resources = pm_resources_new_from_bytes (bytes, "fuzz.json", topology,
                                                                  &error);
  const PmAutoApprovePolicy *policy;

  g_assert ((resources == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (resources == NULL)
    return 0;

  g_assert (pm_resources_get_topology (resources) == topology);
  for (guint i = 0; i < pm_resources_get_n_resources (resources); i++)
    {
      const PmResource *resource = pm_resources_get_resource (resources, i);

      g_assert (resource->id != NULL && resource->name != NULL);
      g_assert (resource->origin < pm_topology_get_n_sites (topology));
      g_assert (pm_resources_lookup_resource (resources, resource->id) >= 0);
      (void) pm_consistency_to_string (resource->consistency);
      (void) pm_resource_get_total_demand (resource);
      for (guint k = 0; k < resource->n_demand; k++)
        (void) pm_resource_get_demand (resource, resource->demand[k].region);
    }
  policy = pm_resources_get_policy (resources);
  g_assert (policy != NULL);
  (void) pm_resources_get_retire_after_s (resources);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
