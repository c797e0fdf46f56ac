/* fuzz-truth.c: ground-truth partitions (pm_truth_load_file, which reads a file) against a
 * two-segment topology, and the JSON written back from what was read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-truth.h"

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
  PmTopology *topology = pm_fuzz_tiny_topology ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) partitions = pm_truth_load_file (topology, pm_fuzz_write_file (data, size),
                                                     &error);
  g_autofree char *json = NULL;

  g_assert ((partitions == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (partitions == NULL)
    return 0;
  for (guint i = 0; i < partitions->len; i++)
    {
      const PmPartition *p = &g_array_index (partitions, PmPartition, i);

      g_assert (p->segment < pm_topology_get_n_segments (topology));
      (void) pm_partition_kind_to_string (p->kind);
    }
  json = pm_truth_to_json (topology, partitions);
  g_assert (json != NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
