/* pm-rfc3339.h: times as RFC 3339 text, as feeds and command lines write them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "2026-01-05T00:00:00Z": whole seconds, UTC. */
char     *pm_rfc3339_format (gint64      unix_s);
/* Any RFC 3339 time with a zone ("Z" or "±hh:mm"); fractions of a second are dropped. FALSE
 * when text is not one. */
gboolean  pm_rfc3339_parse  (const char *text,
                             gint64     *unix_s);

G_END_DECLS
