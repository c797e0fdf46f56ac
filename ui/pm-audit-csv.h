/* pm-audit-csv.h: the audit trail (the catalogue's decisions) as RFC 4180 CSV.
 *
 * A header row, then one record per decision in the order given; CRLF line ends; a field that
 * holds a comma, a double quote, CR or LF is quoted with its quotes doubled; times are RFC 3339
 * in UTC; a missing proposal, job or reason is an empty field. Needs no engine and no display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One field as it goes into a record: quoted when it must be. */
char     *pm_audit_csv_escape      (const char    *field);

/* decisions: PmDecision. Writes to out but does not close it. */
gboolean  pm_audit_csv_write       (GPtrArray     *decisions,
                                    GOutputStream *out,
                                    GError       **error);

/* Writes the file whole or not at all: into a temporary file beside it, renamed over it only
 * once everything was written, so that a failed export never leaves half a file. Blocking: call
 * it from a worker thread. */
gboolean  pm_audit_csv_write_file  (GPtrArray     *decisions,
                                    GFile         *file,
                                    GCancellable  *cancellable,
                                    GError       **error);

G_END_DECLS
