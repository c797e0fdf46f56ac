/* pm-usual-isolation.h: a site's usual isolation, the calm level its risk returns to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The usual level after `elapsed_s` more seconds at `isolation`: it follows a fall within half
 * an hour and a rise over a day, so it is the calm level a site at the end of one long line
 * always has, which a storm or a degradation rises above, and an hour cut off barely lifts it.
 * usual NAN: the first estimate, taken as it is; isolation NAN: unchanged. */
double pm_usual_isolation_step (double usual,
                                double isolation,
                                double elapsed_s);

G_END_DECLS
