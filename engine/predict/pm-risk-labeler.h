/* pm-risk-labeler.h: turns the features the risk model saw into training examples once the
 * outcome is known, i.e. a horizon later: did the segment partition within H of that moment?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-risk-model.h"

G_BEGIN_DECLS

typedef struct _PmRiskLabeler PmRiskLabeler;

PmRiskLabeler *pm_risk_labeler_new               (guint  n_segments,
                                                  gint64 horizon_s,
                                                  gint64 every_s);
void           pm_risk_labeler_free              (PmRiskLabeler *self);
void           pm_risk_labeler_record            (PmRiskLabeler        *self,
                                                  guint                 segment,
                                                  gint64                time_s,
                                                  const PmRiskFeatures *features);
void           pm_risk_labeler_partition_started (PmRiskLabeler *self,
                                                  guint          segment,
                                                  gint64         start_s);
guint          pm_risk_labeler_train_due         (PmRiskLabeler *self,
                                                  gint64         now_s,
                                                  PmRiskModel   *model);
guint          pm_risk_labeler_get_n_pending     (PmRiskLabeler *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRiskLabeler, pm_risk_labeler_free)

G_END_DECLS
