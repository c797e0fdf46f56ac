/* fuzz-cap-xml.c: CAP 1.2 XML alerts and their wrappers (pm_cap_xml_parse).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "pm-cap-xml.h"
#include "pm-fuzz.h"

static void
silent_xml_error (void       *user_data,
                  const char *format,
                  ...)
{
}

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  pm_fuzz_init (argc, argv);
  /* libxml2 prints what it finds wrong unless told otherwise; the parser's own errors carry it. */
  xmlInitParser ();
  xmlSetGenericErrorFunc (NULL, silent_xml_error);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = pm_cap_xml_parse ((const char *) data, size, "fuzz.xml", &error);

  g_assert ((events == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (events == NULL)
    return 0;
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);
      double lat = 0;

      g_assert (event->id != NULL && event->kind == PM_EVENT_WEATHER);
      g_assert (g_utf8_validate (event->id, -1, NULL));
      g_assert (event->title == NULL || g_utf8_validate (event->title, -1, NULL));
      g_assert ((event->polygon == NULL) == (event->n_polygon == 0));
      for (guint k = 0; k < event->n_polygon; k++)
        lat += event->polygon[k].lat;
      (void) lat;
    }
  return 0;
}
