/* pm-source.c: the metric source interface.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-source.h"

G_DEFINE_INTERFACE (PmSource, pm_source, G_TYPE_OBJECT)

static void
pm_source_default_init (PmSourceInterface *iface)
{
}

gboolean
pm_source_advance (PmSource      *self,
                   PmSeriesStore *store,
                   gint64         until_s,
                   GError       **error)
{
  g_return_val_if_fail (PM_IS_SOURCE (self), FALSE);
  return PM_SOURCE_GET_IFACE (self)->advance (self, store, until_s, error);
}

char *
pm_source_describe (PmSource *self)
{
  g_return_val_if_fail (PM_IS_SOURCE (self), NULL);
  return PM_SOURCE_GET_IFACE (self)->describe (self);
}

PmSourceState
pm_source_get_state (PmSource *self)
{
  g_return_val_if_fail (PM_IS_SOURCE (self), PM_SOURCE_STATE_FAILED);
  return PM_SOURCE_GET_IFACE (self)->get_state (self);
}

const char *
pm_source_state_to_string (PmSourceState state)
{
  switch (state)
    {
    case PM_SOURCE_STATE_CONNECTING:
      return "connecting";
    case PM_SOURCE_STATE_CONNECTED:
      return "connected";
    case PM_SOURCE_STATE_STALE:
      return "stale";
    case PM_SOURCE_STATE_FAILED:
    default:
      return "failed";
    }
}
