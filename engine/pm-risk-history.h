/* pm-risk-history.h: per segment and per site, what the risk (isolation for sites) was over the
 * last day, down-sampled to one value per step, for the console's charts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-snapshot.h"

G_BEGIN_DECLS

/* One value a minute for a day: 5.6 KiB per segment or site as floats, so that a network of a
 * few thousand segments keeps its risk history in tens of MiB. */
#define PM_RISK_HISTORY_STEP_S 60
#define PM_RISK_HISTORY_SPAN_S (24 * 3600)

typedef struct _PmRiskHistory PmRiskHistory;

PmRiskHistory *pm_risk_history_new      (guint  n_segments,
                                         guint  n_sites,
                                         gint64 step_s,
                                         gint64 span_s);
void           pm_risk_history_free     (PmRiskHistory *self);
gint64         pm_risk_history_get_step (PmRiskHistory *self);
/* Records every segment's risk and every site's isolation of the snapshot at its time. Within
 * one step the largest known value is kept, so that a short spike survives the down-sampling.
 * Thread-safe: holds the lock only while copying in. */
void           pm_risk_history_record   (PmRiskHistory    *self,
                                         const PmSnapshot *snapshot);
/* n_steps values from the step holding from_s on, NAN where unknown; returns how many are
 * known. Thread-safe: holds the lock only while copying out. */
guint          pm_risk_history_read     (PmRiskHistory *self,
                                         gboolean       site,
                                         guint          index,
                                         gint64         from_s,
                                         guint          n_steps,
                                         double        *out);

G_END_DECLS
