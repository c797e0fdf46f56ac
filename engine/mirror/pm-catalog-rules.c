/* pm-catalog-rules.c: the argument checks and record changes every catalogue backend shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-private.h"

#include <math.h>
#include <string.h>

static const char *const alert_mark_kinds[] = { "acknowledged", "silenced", NULL };
static const char *const alert_mark_subjects[] = { "segment", "site", NULL };

static const char *const decision_actions[] = {
  "approve", "reject", "auto_approve", "mirror", "cancel", "retry", "retire", NULL,
};

gboolean
_pm_catalog_refuse (GError        **error,
        PmCatalogError  code,
        const char     *format,
        ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, PM_CATALOG_ERROR, code, message);
  return FALSE;
}

gboolean
_pm_catalog_require_text (const char *value,
              const char *what,
              GError    **error)
{
  for (const char *p = value; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID, "%s must not be empty", what);
}

gboolean
_pm_catalog_check_alert_mark (const PmAlertMark *mark,
                  GError           **error)
{
  if (mark->kind == NULL || !g_strv_contains (alert_mark_kinds, mark->kind))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "Unknown alert mark “%s”: expected acknowledged or silenced",
                   mark->kind != NULL ? mark->kind : "");
  if (mark->subject == NULL || !g_strv_contains (alert_mark_subjects, mark->subject))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "Unknown alert subject “%s”: expected segment or site",
                   mark->subject != NULL ? mark->subject : "");
  return _pm_catalog_require_text (mark->subject_id, "The alert's segment or site", error);
}

gboolean
_pm_catalog_normalize_sha256 (const char *text,
                  char        out[65],
                  GError    **error)
{
  if (text == NULL || strlen (text) != 64)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "SHA-256 “%s” must be 64 hexadecimal digits", text != NULL ? text : "");
  for (int i = 0; i < 64; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                       "SHA-256 “%s” must be 64 hexadecimal digits", text);
      out[i] = g_ascii_tolower (text[i]);
    }
  out[64] = '\0';
  return TRUE;
}

gboolean
_pm_catalog_check_spec (const PmJobSpec *spec,
            char             sha256[65],
            GError         **error)
{
  if (spec == NULL)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "Starting a job needs its spec: the version to copy and its digest");
  if (spec->version <= 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "A job's version must be 1 or more, not %" G_GINT64_FORMAT, spec->version);
  if (!isfinite (spec->priority) || spec->deadline_s < 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                   "A job's priority must be a number and its deadline 0 or more");
  return _pm_catalog_normalize_sha256 (spec->sha256, sha256, error);
}

gboolean
_pm_catalog_check_alert_marks (GPtrArray *put,
                               GPtrArray *remove,
                               GError   **error)
{
  for (guint i = 0; put != NULL && i < put->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (put, i);

      if (!_pm_catalog_check_alert_mark (mark, error)
          || !_pm_catalog_require_text (mark->who, "The operator's name", error))
        return FALSE;
      if (g_str_equal (mark->kind, "silenced") && mark->until <= mark->at)
        return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                                   "The silence of %s “%s” must end after it was made (at %"
                                   G_GINT64_FORMAT ", until %" G_GINT64_FORMAT ")",
                                   mark->subject, mark->subject_id, mark->at, mark->until);
      if (g_str_equal (mark->kind, "silenced")
          && !_pm_catalog_require_text (mark->reason, "A silence's reason", error))
        return FALSE;
    }
  for (guint i = 0; remove != NULL && i < remove->len; i++)
    if (!_pm_catalog_check_alert_mark (g_ptr_array_index (remove, i), error))
      return FALSE;
  return TRUE;
}

gboolean
_pm_catalog_check_decision (const PmDecision *decision,
                            GError          **error)
{
  if (!_pm_catalog_require_text (decision->who, "The decider's name", error))
    return FALSE;
  if (decision->action == NULL || !g_strv_contains (decision_actions, decision->action))
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                               "Unknown decision “%s”: expected approve, reject, auto_approve, "
                               "mirror, cancel, retry or retire",
                               decision->action != NULL ? decision->action : "");
  return TRUE;
}

gboolean
_pm_catalog_check_move (const char    *resource,
                        const char    *site,
                        PmReplicaState to,
                        gint64         version,
                        const char    *sha256,
                        char           digest[65],
                        GError       **error)
{
  digest[0] = '\0';
  if (!_pm_catalog_require_text (resource, "The resource", error)
      || !_pm_catalog_require_text (site, "The site", error))
    return FALSE;
  if (to == PM_REPLICA_IN_SYNC && version <= 0)
    return _pm_catalog_refuse (error, PM_CATALOG_ERROR_INVALID,
                               "The replica of “%s” at “%s” can be in sync only with a verified "
                               "version and its SHA-256", resource, site);
  return version <= 0 || _pm_catalog_normalize_sha256 (sha256, digest, error);
}

void
_pm_replica_apply_move (PmReplica     *replica,
                        PmReplicaState to,
                        gint64         version,
                        const char    *sha256,
                        gboolean       temporary,
                        const char    *error_text,
                        gint64         now)
{
  replica->state = to;
  replica->updated_at = now;
  replica->temporary = temporary;
  if (version > 0)
    {
      if (version != replica->version)
        replica->verified_at = 0;
      replica->version = version;
      g_strlcpy (replica->sha256, sha256, sizeof replica->sha256);
    }
  if (to == PM_REPLICA_GONE)
    {
      replica->version = 0;
      replica->sha256[0] = '\0';
      replica->verified_at = 0;
    }
  else if (to == PM_REPLICA_IN_SYNC)
    {
      replica->verified_at = now;
      g_clear_pointer (&replica->error, g_free);
    }
  else if (to == PM_REPLICA_FAILED)
    {
      g_free (replica->error);
      replica->error = g_strdup (error_text);
    }
}
