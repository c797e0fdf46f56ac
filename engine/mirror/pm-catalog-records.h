/* pm-catalog-records.h: the catalogue's records as the JSON objects a shared backend stores,
 * one per key, and back. A field that holds its default may be absent; a record that lacks a
 * field it cannot do without reads as NULL (FALSE for a version), for the caller to report and
 * skip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pm-catalog.h"

G_BEGIN_DECLS

/* Compact JSON text of object. */
char        *_pm_record_object_to_text   (JsonObject        *object);
/* The object in text (NULL for NULL); a value that is no JSON object is reported with its key
 * as a warning and reads as NULL. */
JsonObject  *_pm_record_parse_record     (const char        *key,
                                          const char        *text);
/* Sets field unless value is NULL (an absent field reads as NULL). */
void         _pm_record_set_string       (JsonObject        *object,
                                          const char        *field,
                                          const char        *value);
/* 0 when absent. */
gint64       _pm_record_get_int          (JsonObject        *object,
                                          const char        *field);

char        *_pm_record_replica_to_text  (const PmReplica   *replica);
PmReplica   *_pm_record_replica_from     (JsonObject        *o);
char        *_pm_record_proposal_to_text (const PmProposal  *p);
PmProposal  *_pm_record_proposal_from    (JsonObject        *o);
char        *_pm_record_job_to_text      (const PmJob       *job);
PmJob       *_pm_record_job_from         (JsonObject        *o);
char        *_pm_record_decision_to_text (const PmDecision  *d);
PmDecision  *_pm_record_decision_from    (JsonObject        *o);
char        *_pm_record_version_to_text  (const PmVersion   *v);
gboolean     _pm_record_version_from     (JsonObject        *o,
                                          PmVersion         *v);
char        *_pm_record_mark_to_text     (const PmAlertMark *m);
PmAlertMark *_pm_record_mark_from        (JsonObject        *o);
/* {"id": id}: the value of an index key (pending/…, active/…). */
char        *_pm_record_id_to_text       (gint64             id);

G_END_DECLS
