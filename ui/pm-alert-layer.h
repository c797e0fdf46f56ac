/* pm-alert-layer.h: outlines around the segments and sites of pending and firing alerts; the
 * firing ones pulse.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "pm-snapshot.h"

G_BEGIN_DECLS

#define PM_TYPE_ALERT_LAYER (pm_alert_layer_get_type ())
G_DECLARE_FINAL_TYPE (PmAlertLayer, pm_alert_layer, PM, ALERT_LAYER, ShumateLayer)

PmAlertLayer *pm_alert_layer_new           (ShumateViewport *viewport);
void          pm_alert_layer_set_snapshot  (PmAlertLayer *self,
                                            PmSnapshot   *snapshot);
guint         pm_alert_layer_get_n_outlined (PmAlertLayer *self);
gboolean      pm_alert_layer_is_outlined   (PmAlertLayer  *self,
                                            PmAlertSubject subject,
                                            guint          index);
gboolean      pm_alert_layer_is_animating  (PmAlertLayer *self);

G_END_DECLS
