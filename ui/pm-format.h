/* pm-format.h: how figures read in the console (units, precision, "no data").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pm_format_clock     (gint64 unix_s);
char *pm_format_ms        (double ms);
char *pm_format_ratio     (double ratio);
char *pm_format_bandwidth (double bits_per_second);
char *pm_format_km        (double km);
char *pm_format_speed     (double speed);

G_END_DECLS
