/* fuzz-csv-source.c: metrics CSV replayed through the real source (pm_csv_source_new, its last
 * time read from the tail of the file, and advances into a store) with a two-segment topology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-csv-source.h"
#include "pm-fuzz.h"

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  pm_fuzz_init (argc, argv);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  PmTopology *topology = pm_fuzz_tiny_topology ();
  const char *path = pm_fuzz_write_file (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvSource) source = pm_csv_source_new (topology, path, &error);
  g_autoptr(GError) last_error = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autofree char *description = NULL;
  gint64 first, last;

  g_assert ((source == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (source == NULL)
    return 0;

  first = pm_csv_source_get_first_time (source);
  if (!pm_csv_source_get_last_time (source, &last, &last_error))
    last = first;
  description = pm_source_describe (PM_SOURCE (source));

  /* A day of ten-second steps per segment: the shape the console replays into. */
  store = pm_series_store_new (pm_topology_get_n_segments (topology), PM_SERIES_DEFAULT_STEP_S,
                               PM_SERIES_DEFAULT_SPAN_S);
  /* The first advance loads history, the later ones stream; the last reaches past the end. */
  const gint64 targets[] = { first, first + 600, MAX (first, last), G_MAXINT64 / 2 };
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(GError) advance_error = NULL;

      if (!pm_source_advance (PM_SOURCE (source), store, targets[i], &advance_error))
        break;
    }
  g_assert (pm_csv_source_get_stats (source)->rows >= 1);
  (void) pm_source_get_state (PM_SOURCE (source));
  return 0;
}
