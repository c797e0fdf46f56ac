/* pm-alerts-panel-private.h: what the tests look at inside the Alerts panel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-alerts-panel.h"

G_BEGIN_DECLS

/* How many rows the panel has built since it was created: rows are handed from alerts that leave
 * the listed set to alerts that enter it, so this grows only with the longest list shown. */
guint      _pm_alerts_panel_get_n_rows_built (PmAlertsPanel *self);
/* The row that shows the alert ID, or NULL when it is not listed. */
GtkWidget *_pm_alerts_panel_get_row          (PmAlertsPanel *self,
                                              const char    *id);

/* Lets the next snapshot's figures into every row's text at once, as TEXT_PERIOD_US would. */
void       _pm_alerts_panel_expire_text      (PmAlertsPanel *self);

G_END_DECLS
