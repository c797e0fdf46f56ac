/* pm-catalog-private.h: what every catalogue backend shares: the checks of a call's arguments
 * (made before anything is read, with the same messages whichever backend is in use) and the
 * effect of a replica's move on its record.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-catalog.h"

G_BEGIN_DECLS

/* Sets a PM_CATALOG_ERROR; always returns FALSE. */
gboolean _pm_catalog_refuse            (GError          **error,
                                        PmCatalogError    code,
                                        const char       *format,
                                        ...) G_GNUC_PRINTF (3, 4);
/* INVALID "WHAT must not be empty" when value is NULL or blank. */
gboolean _pm_catalog_require_text      (const char       *value,
                                        const char       *what,
                                        GError          **error);
/* Copies a SHA-256 given in hex to out in the stored form, lowercase. */
gboolean _pm_catalog_normalize_sha256  (const char       *text,
                                        char              out[65],
                                        GError          **error);
/* A job's spec, with its digest normalised into sha256. */
gboolean _pm_catalog_check_spec        (const PmJobSpec  *spec,
                                        char              sha256[65],
                                        GError          **error);
/* A mark's kind, subject and subject id (enough for one to remove). */
gboolean _pm_catalog_check_alert_mark  (const PmAlertMark *mark,
                                        GError          **error);
/* The marks of an update_alert_marks call: put ones complete (who; a silence's end and reason),
 * removed ones keyed. */
gboolean _pm_catalog_check_alert_marks (GPtrArray        *put,
                                        GPtrArray        *remove,
                                        GError          **error);
/* A decision to record: who and a known action. */
gboolean _pm_catalog_check_decision    (const PmDecision *decision,
                                        GError          **error);
/* The arguments of move_replica, with the digest normalised into digest ("" when version is
 * 0). */
gboolean _pm_catalog_check_move        (const char       *resource,
                                        const char       *site,
                                        PmReplicaState    to,
                                        gint64            version,
                                        const char       *sha256,
                                        char              digest[65],
                                        GError          **error);

/* Moves replica to `to` in memory: the version and digest when version > 0 (a gone replica
 * holds none), verified now when it becomes in_sync, the failure's text when it fails. */
void     _pm_replica_apply_move        (PmReplica        *replica,
                                        PmReplicaState    to,
                                        gint64            version,
                                        const char       *sha256,
                                        gboolean          temporary,
                                        const char       *error_text,
                                        gint64            now);

G_END_DECLS
