/* pm-resources-panel.h: the inventory's resources (origin, consistency, size) with their
 * replicas per site and the state of each, and Retire.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-catalog-feed.h"

G_BEGIN_DECLS

#define PM_TYPE_RESOURCES_PANEL (pm_resources_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmResourcesPanel, pm_resources_panel, PM, RESOURCES_PANEL, GtkWidget)

PmResourcesPanel *pm_resources_panel_new               (void);
void              pm_resources_panel_set_feed          (PmResourcesPanel *self,
                                                        PmCatalogFeed    *feed);
/* While the catalogue takes no decisions (a shared one without quorum), Retire is insensitive:
 * the engine would refuse it. */
void              pm_resources_panel_set_read_only     (PmResourcesPanel *self,
                                                        gboolean          read_only);

/* What the Retire dialog does; the result (or the engine's refusal: users at risk rely on the
 * replica) is announced by the "toast" signal. A blank reason is refused (FALSE, with a toast). */
gboolean          pm_resources_panel_retire            (PmResourcesPanel *self,
                                                        const char       *resource,
                                                        const char       *site,
                                                        const char       *reason);

/* Scrolls to the resource's row and gives it the keyboard focus (say, after a click on the map). */
void              pm_resources_panel_show_resource     (PmResourcesPanel *self,
                                                        const char       *resource);

guint             pm_resources_panel_get_n_shown       (PmResourcesPanel *self);
/* The state the replica's line shows ("in_sync", "copying", …), NULL when it has none. */
const char       *pm_resources_panel_get_replica_state (PmResourcesPanel *self,
                                                        const char       *resource,
                                                        const char       *site);

G_END_DECLS
