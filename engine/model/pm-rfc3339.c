/* pm-rfc3339.c: times as RFC 3339 text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-rfc3339.h"

char *
pm_rfc3339_format (gint64 unix_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

gboolean
pm_rfc3339_parse (const char *text,
                  gint64     *unix_s)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) east = g_time_zone_new_offset (3600);
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) shifted = NULL;

  if (text == NULL)
    return FALSE;
  /* GLib reads a time without a zone in the default one; RFC 3339 has no such times, and
   * reading one in whatever zone the machine is in would shift events silently. Two defaults
   * tell them apart. */
  time = g_date_time_new_from_iso8601 (text, utc);
  shifted = g_date_time_new_from_iso8601 (text, east);
  if (time == NULL || shifted == NULL || !g_date_time_equal (time, shifted))
    return FALSE;
  *unix_s = g_date_time_to_unix (time);
  return TRUE;
}
