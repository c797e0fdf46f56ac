/* pm-map-view.h: the operator's risk map: segments by partition risk and sites by isolation risk
 * on one colour scale, alert outlines, weather and maintenance, replicas of a resource, search.
 *
 * Actions: map.zoom-in, map.zoom-out, map.fit, map.find (opens the search), map.show-events
 * (boolean state: weather and maintenance overlays), map.clear-replicas.
 * Signals: selected (int site, int segment), location-activated (double lat, double lon),
 * resource-activated (int resource).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "model/pm-resources.h"
#include "pm-alert-layer.h"
#include "pm-network-layer.h"
#include "pm-replica-layer.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_MAP_VIEW (pm_map_view_get_type ())
G_DECLARE_FINAL_TYPE (PmMapView, pm_map_view, PM, MAP_VIEW, GtkWidget)

PmMapView      *pm_map_view_new               (void);
void            pm_map_view_set_snapshot      (PmMapView  *self,
                                               PmSnapshot *snapshot);
void            pm_map_view_set_resources     (PmMapView   *self,
                                               PmResources *resources);
void            pm_map_view_select            (PmMapView *self,
                                               int        site,
                                               int        segment);
void            pm_map_view_show_resource     (PmMapView *self,
                                               int        resource,
                                               GPtrArray *replicas);
int             pm_map_view_get_shown_resource (PmMapView *self);
void            pm_map_view_bind_settings     (PmMapView *self,
                                               GSettings *settings);
ShumateMap     *pm_map_view_get_map           (PmMapView *self);
PmNetworkLayer *pm_map_view_get_network_layer (PmMapView *self);
PmAlertLayer   *pm_map_view_get_alert_layer   (PmMapView *self);
PmReplicaLayer *pm_map_view_get_replica_layer (PmMapView *self);
guint           pm_map_view_get_n_site_markers (PmMapView *self);
const char     *pm_map_view_get_basemap_name  (PmMapView *self);
GtkEditable    *pm_map_view_get_search_entry  (PmMapView *self);
guint           pm_map_view_get_n_search_results (PmMapView *self);

G_END_DECLS
