/* pm-health-palette.h: the one colour scale for risk (and health), shared by the map, the legend
 * and the panels so that "amber" means the same thing everywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* The documented anchors of the scale; the tests and the legend rely on them. */
#define PM_PALETTE_LOW     "#33d17a" /* 0: green */
#define PM_PALETTE_MIDDLE  "#f5c211" /* 0.5: yellow */
#define PM_PALETTE_HIGH    "#ff7800" /* 0.75: orange */
#define PM_PALETTE_TOP     "#e01b24" /* 1: red */
#define PM_PALETTE_NO_DATA "#9a9996" /* NAN: grey */
#define PM_PALETTE_DOWN    "#a51d2d" /* down now: dark red, drawn dashed */

/* Scores are quantised into this many buckets so that the map can stroke every segment of one
 * colour in a single path; bucket PM_PALETTE_N_BUCKETS is "no data". */
#define PM_PALETTE_N_BUCKETS 48

/* score 0 (safe) … 1 (certain partition) on green → yellow → orange → red, interpolated in
 * OKLab so that lightness and hue change evenly; NAN is grey "no data". */
void  pm_health_palette_color        (double   score,
                                      GdkRGBA *out);
guint pm_health_palette_bucket       (double   score);
const GdkRGBA *pm_health_palette_bucket_color (guint bucket);
void  pm_health_palette_down_color   (GdkRGBA *out);

G_END_DECLS
