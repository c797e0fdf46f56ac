/* fuzz-prometheus-reply.c: Prometheus HTTP API replies (pm_prometheus_parse_reply).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-prometheus-reply.h"

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
  g_autoptr(GError) error = NULL;
  /* Exactly size bytes, no terminating NUL: a read past the body is an ASan report. */
  g_autoptr(GPtrArray) series = pm_prometheus_parse_reply ((const char *) data, (gssize) size,
                                                           &error);

  /* Either series or an error, never both nor neither. */
  g_assert ((series == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (series == NULL)
    return 0;
  for (guint i = 0; i < series->len; i++)
    {
      PmPrometheusSeries *s = g_ptr_array_index (series, i);
      GHashTableIter iter;
      gpointer key, value;
      double sum = 0;

      g_assert (s->labels != NULL && s->points != NULL);
      /* json-glib hands out valid UTF-8 once surrogate escapes are left out. */
      g_hash_table_iter_init (&iter, s->labels);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_assert (g_utf8_validate (key, -1, NULL) && g_utf8_validate (value, -1, NULL));
      for (guint k = 0; k < s->points->len; k++)
        sum += g_array_index (s->points, PmPrometheusPoint, k).time_s;
      (void) sum;
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
