/* pm-detail-panel.h: name and live figures of the selected site or segment.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-chart.h"
#include "pm-engine.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_DETAIL_PANEL (pm_detail_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmDetailPanel, pm_detail_panel, PM, DETAIL_PANEL, GtkWidget)

PmDetailPanel *pm_detail_panel_new          (void);
void           pm_detail_panel_select       (PmDetailPanel *self,
                                             int            site,
                                             int            segment);
void           pm_detail_panel_set_snapshot (PmDetailPanel *self,
                                             PmSnapshot    *snapshot);
void           pm_detail_panel_set_engine   (PmDetailPanel *self,
                                             PmEngine      *engine);
PmChart       *pm_detail_panel_get_chart    (PmDetailPanel *self);
const char    *pm_detail_panel_get_title    (PmDetailPanel *self);
const char    *pm_detail_panel_get_value    (PmDetailPanel *self,
                                             const char    *row_title);

G_END_DECLS
