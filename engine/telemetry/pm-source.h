/* pm-source.h: where samples come from (simulator, Prometheus, CSV).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pm-series.h"

G_BEGIN_DECLS

typedef enum
{
  PM_SOURCE_STATE_CONNECTING,
  PM_SOURCE_STATE_CONNECTED,
  PM_SOURCE_STATE_STALE,
  PM_SOURCE_STATE_FAILED,
} PmSourceState;

#define PM_TYPE_SOURCE (pm_source_get_type ())
G_DECLARE_INTERFACE (PmSource, pm_source, PM, SOURCE, GObject)

struct _PmSourceInterface
{
  GTypeInterface parent_iface;

  /* Writes every sample with a timestamp in (previous until_s, until_s] into the store. On the
   * first call a source loads as much history as the store holds (its span) up to until_s, so
   * that a console starts with a day of charts rather than an empty map. */
  gboolean      (*advance)     (PmSource      *self,
                                PmSeriesStore *store,
                                gint64         until_s,
                                GError       **error);
  char         *(*describe)    (PmSource *self);
  PmSourceState (*get_state)   (PmSource *self);
};

gboolean      pm_source_advance   (PmSource      *self,
                                   PmSeriesStore *store,
                                   gint64         until_s,
                                   GError       **error);
char         *pm_source_describe  (PmSource *self);
PmSourceState pm_source_get_state (PmSource *self);
const char   *pm_source_state_to_string (PmSourceState state);

G_END_DECLS
