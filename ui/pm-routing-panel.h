/* pm-routing-panel.h: where clients at a location are sent: the site the location maps to, then
 * per resource the replica chosen now and the one chosen if the predicted partitions happen,
 * with the reasons and the alternatives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-engine.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_ROUTING_PANEL (pm_routing_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmRoutingPanel, pm_routing_panel, PM, ROUTING_PANEL, GtkWidget)

PmRoutingPanel *pm_routing_panel_new            (void);
/* engine may be NULL. The panel asks the engine's routing service, off the main thread. */
void            pm_routing_panel_set_engine     (PmRoutingPanel *self,
                                                 PmEngine       *engine);
/* Degrees: lat in [-90, 90], lon in [-180, 180]; mapped to the nearest site. */
void            pm_routing_panel_set_location   (PmRoutingPanel *self,
                                                 double          lat,
                                                 double          lon);
/* Back to the empty state. */
void            pm_routing_panel_clear_location (PmRoutingPanel *self);
/* Each tick: the answers are refreshed while a location is set. */
void            pm_routing_panel_set_snapshot   (PmRoutingPanel *self,
                                                 PmSnapshot     *snapshot);

/* For tests and the window: -1 without a location. */
int             pm_routing_panel_get_client_site (PmRoutingPanel *self);
/* TRUE while answers are being computed or a refresh waits for its turn. */
gboolean        pm_routing_panel_is_busy        (PmRoutingPanel *self);
guint           pm_routing_panel_get_n_rows     (PmRoutingPanel *self);
/* The texts shown for a resource's row ("par · 3.00 ms", "No route"); NULL before answers. */
const char     *pm_routing_panel_get_now_text   (PmRoutingPanel *self,
                                                 guint           resource);
const char     *pm_routing_panel_get_what_if_text (PmRoutingPanel *self,
                                                   guint           resource);
/* The site the what-if line points at, -1 for none. */
int             pm_routing_panel_get_what_if_site (PmRoutingPanel *self,
                                                   guint           resource);

G_END_DECLS
