/* pm-alerts-panel.h: the list of pending and firing alerts, most probable first, with their
 * expected time and top factors in words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-engine.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_ALERTS_PANEL (pm_alerts_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmAlertsPanel, pm_alerts_panel, PM, ALERTS_PANEL, GtkWidget)

PmAlertsPanel *pm_alerts_panel_new          (void);
void           pm_alerts_panel_set_snapshot (PmAlertsPanel *self,
                                             PmSnapshot    *snapshot);
/* The engine the operator's actions (acknowledge, silence) go to. */
void           pm_alerts_panel_set_engine   (PmAlertsPanel *self,
                                             PmEngine      *engine);
guint          pm_alerts_panel_get_n_shown  (PmAlertsPanel *self);

G_END_DECLS
