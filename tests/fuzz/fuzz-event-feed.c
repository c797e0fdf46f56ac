/* fuzz-event-feed.c: any event feed document, its kind told from its content
 * (pm_event_feed_parse), so that the sniffing and all three readers are reached from one input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "pm-event-feed.h"
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
  xmlInitParser ();
  xmlSetGenericErrorFunc (NULL, silent_xml_error);
  return 0;
}

static int
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autoptr(GError) error = NULL;
  PmEventFeedKind kind = (PmEventFeedKind) -1;
  g_autoptr(GPtrArray) events = pm_event_feed_parse ("fuzz-feed", (const char *) data, size,
                                                     &kind, &error);

  g_assert ((events == NULL) != (error == NULL));
  pm_fuzz_note_error (error);
  if (events == NULL)
    return 0;
  g_assert (kind == PM_EVENT_FEED_ICALENDAR || kind == PM_EVENT_FEED_CAP_GEOJSON
            || kind == PM_EVENT_FEED_CAP_XML);
  (void) pm_event_feed_kind_to_string (kind);
  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);

      g_assert (event->id != NULL);
      g_assert ((event->polygon == NULL) == (event->n_polygon == 0));
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  return fuzz_one (data, size);
}
