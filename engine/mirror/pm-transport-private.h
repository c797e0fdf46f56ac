/* pm-transport-private.h: helpers shared by the transports, implemented in pm-transport.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-transport.h"

G_BEGIN_DECLS

/* Sets a SERVER error (NO_SPACE for 507) remembering http_status, which
 * pm_transport_error_is_transient reads. */
void  _pm_transport_set_http_error (GError    **error,
                                    guint       http_status,
                                    const char *format,
                                    ...) G_GNUC_PRINTF (3, 4);

/* The temporary name a replica is written under before its digest is checked: in the same
 * directory as name (so that the final rename stays within one directory), hidden, recognisable
 * and unique: "dir/.base.part-<16 random hex digits>". */
char *_pm_transport_temp_name      (const char *name);

G_END_DECLS
