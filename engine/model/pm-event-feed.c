/* pm-event-feed.c: one entry point for every event feed document.
 *
 * The kind is told from the first characters of the content, never from a file name or a
 * Content-Type: feeds are served as text/plain, application/octet-stream or worse, and saved
 * under whatever name a user picked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-event-feed.h"

#include <gio/gio.h>
#include <string.h>

#include "pm-cap-geojson.h"
#include "pm-cap-xml.h"
#include "pm-ics.h"

#define VCALENDAR "BEGIN:VCALENDAR"

/* The first characters after a UTF-8 byte order mark and white space. */
static const char *
content_start (const char *data,
               gsize       length)
{
  const char *p = data;
  const char *end = data + length;

  if (length >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  while (p < end && g_ascii_isspace (*p))
    p++;
  return p;
}

static gboolean
sniff (const char      *name,
       const char      *data,
       gsize            length,
       PmEventFeedKind *kind,
       GError         **error)
{
  const char *start = content_start (data, length);
  gsize left = length - (gsize) (start - data);

  if (left == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: empty document (expected iCalendar, CAP GeoJSON or CAP XML)", name);
      return FALSE;
    }
  if (left >= strlen (VCALENDAR) && g_ascii_strncasecmp (start, VCALENDAR, strlen (VCALENDAR)) == 0)
    {
      *kind = PM_EVENT_FEED_ICALENDAR;
      return TRUE;
    }
  if (*start == '{')
    {
      *kind = PM_EVENT_FEED_CAP_GEOJSON;
      return TRUE;
    }
  /* Any XML is taken for CAP: the XML reader then says which root it found instead of <alert>,
   * which helps more than "unknown format" would. */
  if (*start == '<')
    {
      *kind = PM_EVENT_FEED_CAP_XML;
      return TRUE;
    }
  if ((length >= 2 && (memcmp (data, "\xff\xfe", 2) == 0 || memcmp (data, "\xfe\xff", 2) == 0)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: the document is UTF-16; save it as UTF-8", name);
      return FALSE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s: not an event feed: expected iCalendar (BEGIN:VCALENDAR), CAP GeoJSON (a JSON "
               "object) or CAP 1.2 XML (<alert>)", name);
  return FALSE;
}

GPtrArray *
pm_event_feed_parse (const char      *name,
                     const char      *data,
                     gsize            length,
                     PmEventFeedKind *kind_out,
                     GError         **error)
{
  PmEventFeedKind kind;
  const char *start;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (!sniff (name, data, length, &kind, error))
    return NULL;
  if (kind_out != NULL)
    *kind_out = kind;
  /* Each reader gets the document from its first character: libical refuses anything before
   * BEGIN:VCALENDAR and libxml2 anything before <?xml. (Lines in XML errors then count from
   * there; feeds with leading blank lines are rare.) */
  start = content_start (data, length);
  length -= (gsize) (start - data);
  data = start;

  switch (kind)
    {
    case PM_EVENT_FEED_ICALENDAR:
      {
        /* libical reads a NUL-terminated string; a NUL inside would silently cut it short. */
        g_autofree char *text = NULL;

        if (memchr (data, '\0', length) != NULL)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "%s: byte %" G_GSIZE_FORMAT ": a NUL character in an iCalendar "
                         "document", name,
                         (gsize) ((const char *) memchr (data, '\0', length) - data));
            return NULL;
          }
        text = g_strndup (data, length);
        return pm_ics_parse (text, name, error);
      }
    case PM_EVENT_FEED_CAP_GEOJSON:
      return pm_cap_geojson_parse (data, length, name, error);
    case PM_EVENT_FEED_CAP_XML:
      return pm_cap_xml_parse (data, length, name, error);
    default:
      g_assert_not_reached ();
    }
}

const char *
pm_event_feed_kind_to_string (PmEventFeedKind kind)
{
  switch (kind)
    {
    case PM_EVENT_FEED_ICALENDAR:
      return "iCalendar";
    case PM_EVENT_FEED_CAP_GEOJSON:
      return "CAP GeoJSON";
    case PM_EVENT_FEED_CAP_XML:
      return "CAP XML";
    default:
      return "unknown";
    }
}
