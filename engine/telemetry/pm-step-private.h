/* pm-step-private.h: times to steps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Floor division (b > 0), so that times before 1970 land in the right step. */
static inline gint64
_pm_floor_div (gint64 a,
               gint64 b)
{
  gint64 q = a / b;

  return (a % b != 0 && a < 0) ? q - 1 : q;
}

G_END_DECLS
