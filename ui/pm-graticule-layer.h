/* pm-graticule-layer.h: a dark background with a latitude/longitude grid, drawn beneath the
 * tiles so that the network stays legible when no tile loads (offline NOC, blocked proxy).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define PM_TYPE_GRATICULE_LAYER (pm_graticule_layer_get_type ())
G_DECLARE_FINAL_TYPE (PmGraticuleLayer, pm_graticule_layer, PM, GRATICULE_LAYER, ShumateLayer)

PmGraticuleLayer *pm_graticule_layer_new (ShumateViewport *viewport);

G_END_DECLS
