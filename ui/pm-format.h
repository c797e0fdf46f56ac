/* pm-format.h: how figures read in the console (units, precision, "no data").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pm_format_clock     (gint64 unix_s);
/* A time near now_s, to the minute: "14:05 UTC" on now_s's day, with the date on another. */
char *pm_format_clock_near (gint64 unix_s,
                            gint64 now_s);
char *pm_format_ms        (double ms);
char *pm_format_ratio     (double ratio);
/* A probability at a glance, in whole percent. */
char *pm_format_percent   (double ratio);
char *pm_format_bandwidth (double bits_per_second);
char *pm_format_km        (double km);
char *pm_format_speed     (double speed);

G_END_DECLS
