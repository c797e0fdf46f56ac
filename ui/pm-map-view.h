/* pm-map-view.h: the live network map: basemap, graticule, segments by health, site names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-network-layer.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_MAP_VIEW (pm_map_view_get_type ())
G_DECLARE_FINAL_TYPE (PmMapView, pm_map_view, PM, MAP_VIEW, GtkWidget)

PmMapView      *pm_map_view_new               (void);
void            pm_map_view_set_snapshot      (PmMapView  *self,
                                               PmSnapshot *snapshot);
void            pm_map_view_select            (PmMapView *self,
                                               int        site,
                                               int        segment);
void            pm_map_view_bind_settings     (PmMapView *self,
                                               GSettings *settings);
PmNetworkLayer *pm_map_view_get_network_layer (PmMapView *self);
guint           pm_map_view_get_n_site_markers (PmMapView *self);
const char     *pm_map_view_get_basemap_name  (PmMapView *self);

G_END_DECLS
