/* pm-network-layer.h: every segment of the network, coloured by health, in one map layer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

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
int             pm_network_layer_site_at      (PmNetworkLayer *self,
                                               double          x,
                                               double          y,
                                               double          tolerance);
int             pm_network_layer_segment_at   (PmNetworkLayer *self,
                                               double          x,
                                               double          y,
                                               double          tolerance);
guint           pm_network_layer_get_n_drawn  (PmNetworkLayer *self);

G_END_DECLS
