/* pm-usual-isolation.c: exponential smoothing over the time elapsed, falling fast and rising
 * slowly; see pm-usual-isolation.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-usual-isolation.h"

#include <math.h>

#define USUAL_FALL_S (30 * 60)
#define USUAL_RISE_S (24 * 3600)

double
pm_usual_isolation_step (double usual,
                         double isolation,
                         double elapsed_s)
{
  if (isnan (isolation))
    return usual;
  if (isnan (usual))
    return isolation;
  if (!(elapsed_s > 0))
    return usual;
  return usual + (isolation - usual)
                 * (1 - exp (-elapsed_s / (isolation < usual ? USUAL_FALL_S : USUAL_RISE_S)));
}
