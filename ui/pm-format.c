/* pm-format.c: figures for people. Missing values read "no data", never 0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-format.h"

#include <glib/gi18n.h>
#include <math.h>

/* NOCs work in UTC: every time the console shows is UTC and says so. */
char *
pm_format_clock (gint64 unix_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);

  if (time == NULL)
    return g_strdup (_("no time"));
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC");
}

char *
pm_format_clock_near (gint64 unix_s,
                      gint64 now_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_s);

  if (time == NULL || now == NULL)
    return g_strdup (_("no time"));
  if (g_date_time_get_year (time) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M UTC");
  return g_date_time_format (time, "%Y-%m-%d %H:%M UTC");
}

char *
pm_format_ms (double ms)
{
  if (isnan (ms))
    return g_strdup (_("no data"));
  return g_strdup_printf (ms < 10 ? _("%.2f ms") : _("%.1f ms"), ms);
}

char *
pm_format_ratio (double ratio)
{
  if (isnan (ratio))
    return g_strdup (_("no data"));
  return g_strdup_printf (_("%.2f %%"), ratio * 100);
}

char *
pm_format_percent (double ratio)
{
  if (isnan (ratio))
    return g_strdup (_("no data"));
  return g_strdup_printf (_("%.0f %%"), ratio * 100);
}

char *
pm_format_bandwidth (double bits_per_second)
{
  if (bits_per_second >= 1e12)
    return g_strdup_printf (_("%g Tbit/s"), bits_per_second / 1e12);
  if (bits_per_second >= 1e9)
    return g_strdup_printf (_("%g Gbit/s"), bits_per_second / 1e9);
  return g_strdup_printf (_("%g Mbit/s"), bits_per_second / 1e6);
}

char *
pm_format_km (double km)
{
  return g_strdup_printf (_("%.0f km"), km);
}

char *
pm_format_speed (double speed)
{
  return g_strdup_printf ("%g×", speed);
}
