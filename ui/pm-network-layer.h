/* pm-network-layer.h: the whole network in one map layer: segments coloured by partition risk,
 * sites by isolation risk, site names, and the snapshot's events (weather polygons, maintenance).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "pm-network-raster.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_NETWORK_LAYER (pm_network_layer_get_type ())
G_DECLARE_FINAL_TYPE (PmNetworkLayer, pm_network_layer, PM, NETWORK_LAYER, ShumateLayer)

PmNetworkLayer *pm_network_layer_new          (ShumateViewport *viewport);
void            pm_network_layer_set_snapshot (PmNetworkLayer *self,
                                               PmSnapshot     *snapshot);
void            pm_network_layer_set_selection (PmNetworkLayer *self,
                                                int             site,
                                                int             segment);
void            pm_network_layer_set_show_events (PmNetworkLayer *self,
                                                  gboolean        show_events);
int             pm_network_layer_site_at      (PmNetworkLayer *self,
                                               double          x,
                                               double          y,
                                               double          tolerance);
int             pm_network_layer_segment_at   (PmNetworkLayer *self,
                                               double          x,
                                               double          y,
                                               double          tolerance);
gboolean        pm_network_layer_is_current   (PmNetworkLayer *self);
PmNetworkFrame *pm_network_layer_new_frame    (PmNetworkLayer *self);
guint           pm_network_layer_get_n_drawn  (PmNetworkLayer *self);
guint           pm_network_layer_get_n_labelled (PmNetworkLayer *self);
guint           pm_network_layer_get_n_site_labels (PmNetworkLayer *self);
guint           pm_network_layer_get_n_weather_polygons (PmNetworkLayer *self);
guint           pm_network_layer_get_n_maintenance_segments (PmNetworkLayer *self);

G_END_DECLS
