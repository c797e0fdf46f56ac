/* pm-health-palette.h: the one colour scale for health and risk, shared by the map, the legend
 * and the panels so that "amber" means the same thing everywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* score 0 (healthy) … 1 (down) on green → amber → red; NAN is grey "no data". */
void pm_health_palette_color (double   score,
                              GdkRGBA *out);

G_END_DECLS
