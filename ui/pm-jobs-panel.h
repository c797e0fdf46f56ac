/* pm-jobs-panel.h: the copy jobs, running and queued first, with live progress, Cancel and
 * Retry.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-catalog-feed.h"

G_BEGIN_DECLS

#define PM_TYPE_JOBS_PANEL (pm_jobs_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmJobsPanel, pm_jobs_panel, PM, JOBS_PANEL, GtkWidget)

PmJobsPanel *pm_jobs_panel_new          (void);
void         pm_jobs_panel_set_feed     (PmJobsPanel   *self,
                                         PmCatalogFeed *feed);
/* While the catalogue takes no decisions (a shared one without quorum), Cancel and Retry are
 * insensitive: the engine would refuse them. */
void         pm_jobs_panel_set_read_only (PmJobsPanel *self,
                                          gboolean     read_only);

/* What the Cancel and Retry buttons do; the result is announced by the "toast" signal. */
void         pm_jobs_panel_cancel       (PmJobsPanel *self,
                                         gint64       job);
void         pm_jobs_panel_retry        (PmJobsPanel *self,
                                         gint64       job);

guint        pm_jobs_panel_get_n_shown  (PmJobsPanel *self);
/* The state a job's row shows ("running", "done", …), NULL when it has no row. */
const char  *pm_jobs_panel_get_state    (PmJobsPanel *self,
                                         gint64       job);
/* The id of the newest job shown for resource → site, 0 when none. */
gint64       pm_jobs_panel_find_job     (PmJobsPanel *self,
                                         const char  *resource,
                                         const char  *site);

G_END_DECLS
