/* pm-health-palette.c: green → amber → red, grey for no data.
 *
 * The stops are the GNOME palette's green 3, yellow 4 and red 3, which stay distinguishable on
 * the dark map and for the most common colour-vision deficiency when paired with the dashes
 * the map draws for segments that are down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-health-palette.h"

#include <math.h>

static const GdkRGBA stops[] = {
  { 0x33 / 255.0, 0xd1 / 255.0, 0x7a / 255.0, 1 },
  { 0xf5 / 255.0, 0xc2 / 255.0, 0x11 / 255.0, 1 },
  { 0xe0 / 255.0, 0x1b / 255.0, 0x24 / 255.0, 1 },
};

static const GdkRGBA no_data = { 0x9a / 255.0, 0x99 / 255.0, 0x96 / 255.0, 1 };

void
pm_health_palette_color (double   score,
                         GdkRGBA *out)
{
  double position;
  guint lower;
  double t;

  if (isnan (score))
    {
      *out = no_data;
      return;
    }
  position = CLAMP (score, 0.0, 1.0) * (G_N_ELEMENTS (stops) - 1);
  lower = MIN ((guint) position, G_N_ELEMENTS (stops) - 2);
  t = position - lower;
  out->red = stops[lower].red + (stops[lower + 1].red - stops[lower].red) * t;
  out->green = stops[lower].green + (stops[lower + 1].green - stops[lower].green) * t;
  out->blue = stops[lower].blue + (stops[lower + 1].blue - stops[lower].blue) * t;
  out->alpha = 1;
}
