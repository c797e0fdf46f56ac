/* pm-health-palette.c: green → yellow → orange → red, grey for no data.
 *
 * The stops are the GNOME palette's green 3, yellow 4, orange 3 and red 3. Between stops the
 * colour is interpolated in OKLab rather than sRGB, so that the middle of green → yellow does not
 * turn muddy and the red end darkens steadily: the order of risks reads from lightness alone,
 * which keeps it usable for the most common colour-vision deficiencies. The map draws every line
 * and dot over a dark casing, so the light end stays legible on light basemaps too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-health-palette.h"

#include <math.h>

typedef struct
{
  double position;
  double r, g, b;
} Stop;

static const Stop stops[] = {
  { 0.0, 0x33 / 255.0, 0xd1 / 255.0, 0x7a / 255.0 },
  { 0.5, 0xf5 / 255.0, 0xc2 / 255.0, 0x11 / 255.0 },
  { 0.75, 0xff / 255.0, 0x78 / 255.0, 0x00 / 255.0 },
  { 1.0, 0xe0 / 255.0, 0x1b / 255.0, 0x24 / 255.0 },
};

static const GdkRGBA no_data = { 0x9a / 255.0, 0x99 / 255.0, 0x96 / 255.0, 1 };
static const GdkRGBA down = { 0xa5 / 255.0, 0x1d / 255.0, 0x2d / 255.0, 1 };

static double
to_linear (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
from_linear (double c)
{
  c = CLAMP (c, 0.0, 1.0);
  return c <= 0.0031308 ? c * 12.92 : 1.055 * pow (c, 1 / 2.4) - 0.055;
}

/* Björn Ottosson's OKLab, from and to linear sRGB. */
static void
to_oklab (const Stop *s,
          double      lab[3])
{
  double r = to_linear (s->r), g = to_linear (s->g), b = to_linear (s->b);
  double l = cbrt (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  double m = cbrt (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  double k = cbrt (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);

  lab[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * k;
  lab[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * k;
  lab[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * k;
}

static void
from_oklab (const double lab[3],
            GdkRGBA     *out)
{
  double l = lab[0] + 0.3963377774 * lab[1] + 0.2158037573 * lab[2];
  double m = lab[0] - 0.1055613458 * lab[1] - 0.0638541728 * lab[2];
  double k = lab[0] - 0.0894841775 * lab[1] - 1.2914855480 * lab[2];

  l = l * l * l;
  m = m * m * m;
  k = k * k * k;
  out->red = from_linear (4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * k);
  out->green = from_linear (-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * k);
  out->blue = from_linear (-0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * k);
  out->alpha = 1;
}

void
pm_health_palette_color (double   score,
                         GdkRGBA *out)
{
  double a[3], b[3], mix[3], t;
  guint lower = 0;

  if (isnan (score))
    {
      *out = no_data;
      return;
    }
  score = CLAMP (score, 0.0, 1.0);
  while (lower + 2 < G_N_ELEMENTS (stops) && score >= stops[lower + 1].position)
    lower++;
  t = (score - stops[lower].position) / (stops[lower + 1].position - stops[lower].position);
  /* The anchors come out exactly, not through a colour-space round trip. */
  if (t <= 0 || t >= 1)
    {
      const Stop *s = &stops[t <= 0 ? lower : lower + 1];
      *out = (GdkRGBA) { s->r, s->g, s->b, 1 };
      return;
    }
  to_oklab (&stops[lower], a);
  to_oklab (&stops[lower + 1], b);
  for (guint i = 0; i < 3; i++)
    mix[i] = a[i] + (b[i] - a[i]) * t;
  from_oklab (mix, out);
}

/* The bucket of a score: 0 … PM_PALETTE_N_BUCKETS - 1, or PM_PALETTE_N_BUCKETS for no data. */
guint
pm_health_palette_bucket (double score)
{
  if (isnan (score))
    return PM_PALETTE_N_BUCKETS;
  return (guint) lround (CLAMP (score, 0.0, 1.0) * (PM_PALETTE_N_BUCKETS - 1));
}

/* The colour of a bucket, from a table filled once: the map asks for it thousands of times a
 * frame. */
const GdkRGBA *
pm_health_palette_bucket_color (guint bucket)
{
  static GdkRGBA table[PM_PALETTE_N_BUCKETS + 1];
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      for (guint i = 0; i < PM_PALETTE_N_BUCKETS; i++)
        pm_health_palette_color ((double) i / (PM_PALETTE_N_BUCKETS - 1), &table[i]);
      table[PM_PALETTE_N_BUCKETS] = no_data;
      g_once_init_leave (&initialised, 1);
    }
  return &table[MIN (bucket, PM_PALETTE_N_BUCKETS)];
}

void
pm_health_palette_down_color (GdkRGBA *out)
{
  *out = down;
}
