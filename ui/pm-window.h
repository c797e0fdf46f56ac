/* pm-window.h: the console's main window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pm-alerts-panel.h"
#include "pm-detail-panel.h"
#include "pm-engine.h"
#include "pm-jobs-panel.h"
#include "pm-map-view.h"
#include "pm-proposals-panel.h"
#include "pm-routing-panel.h"

G_BEGIN_DECLS

#define PM_TYPE_WINDOW (pm_window_get_type ())
G_DECLARE_FINAL_TYPE (PmWindow, pm_window, PM, WINDOW, AdwApplicationWindow)

PmWindow      *pm_window_new              (gpointer  application,
                                           PmEngine *engine);
void           pm_window_set_engine       (PmWindow *self,
                                           PmEngine *engine);
PmEngine      *pm_window_get_engine       (PmWindow *self);
/* NULL: the API is not serving. */
void           pm_window_set_api_url      (PmWindow   *self,
                                           const char *url);
/* A short message about the result of an action. */
void           pm_window_add_toast        (PmWindow   *self,
                                           const char *message);
void           pm_window_add_accels       (GtkApplication *application);
PmMapView     *pm_window_get_map_view     (PmWindow *self);
PmDetailPanel *pm_window_get_detail_panel (PmWindow *self);
PmAlertsPanel *pm_window_get_alerts_panel (PmWindow *self);
PmProposalsPanel *pm_window_get_proposals_panel (PmWindow *self);
PmJobsPanel   *pm_window_get_jobs_panel   (PmWindow *self);
PmRoutingPanel *pm_window_get_routing_panel (PmWindow *self);
/* The name of the side panel shown: "alerts", "proposals", … */
const char    *pm_window_get_visible_panel (PmWindow *self);
const char    *pm_window_get_clock_text   (PmWindow *self);

G_END_DECLS
