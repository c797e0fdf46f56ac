/* fuzz-ics.c: iCalendar maintenance notices (pm_ics_parse), and writing what was read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-fuzz.h"
#include "pm-ics.h"

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
  g_autofree char *text = pm_fuzz_strdup (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = pm_ics_parse (text, "fuzz.ics", &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) again_error = NULL;
  g_autofree char *written = NULL;

  g_assert ((events == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (events == NULL)
    return 0;
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);

      g_assert (event->id != NULL && event->kind == PM_EVENT_MAINTENANCE);
      g_assert (g_utf8_validate (event->id, -1, NULL));
      g_assert (event->title == NULL || g_utf8_validate (event->title, -1, NULL));
    }
  /* What was read must also be writable, and the writer's output readable. */
  written = pm_ics_write (events, "fuzz", "fuzz");
  again = pm_ics_parse (written, "written.ics", &again_error);
  return 0;
}
