/* pm-audit-csv.c: RFC 4180 export of the decisions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-audit-csv.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mirror/pm-catalog.h"

static const char *const header[] = {
  "id", "at", "who", "action", "resource", "site", "proposal", "job", "reason",
};

char *
pm_audit_csv_escape (const char *field)
{
  GString *quoted;

  if (field == NULL)
    return g_strdup ("");
  if (strpbrk (field, ",\"\r\n") == NULL)
    return g_strdup (field);
  quoted = g_string_new ("\"");
  for (const char *c = field; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *c);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

static void
append_field (GString    *record,
              const char *field)
{
  g_autofree char *escaped = pm_audit_csv_escape (field);

  if (record->len > 0)
    g_string_append_c (record, ',');
  g_string_append (record, escaped);
}

static char *
format_id (gint64 id)
{
  return id > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, id) : NULL;
}

/* RFC 3339 in UTC, e.g. 2026-03-01T12:00:00Z. */
static char *
format_time (gint64 unix_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_s);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static gboolean
write_record (GOutputStream *out,
              GString       *record,
              GError       **error)
{
  g_string_append (record, "\r\n");
  if (!g_output_stream_write_all (out, record->str, record->len, NULL, NULL, error))
    return FALSE;
  g_string_truncate (record, 0);
  return TRUE;
}

gboolean
pm_audit_csv_write (GPtrArray     *decisions,
                    GOutputStream *out,
                    GError       **error)
{
  g_autoptr(GString) record = g_string_new (NULL);

  g_return_val_if_fail (decisions != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (header); i++)
    append_field (record, header[i]);
  if (!write_record (out, record, error))
    return FALSE;

  for (guint i = 0; i < decisions->len; i++)
    {
      const PmDecision *decision = g_ptr_array_index (decisions, i);
      g_autofree char *id = format_id (decision->id);
      g_autofree char *at = format_time (decision->at);
      g_autofree char *proposal = format_id (decision->proposal);
      g_autofree char *job = format_id (decision->job);

      append_field (record, id);
      append_field (record, at);
      append_field (record, decision->who);
      append_field (record, decision->action);
      append_field (record, decision->resource);
      append_field (record, decision->site);
      append_field (record, proposal);
      append_field (record, job);
      append_field (record, decision->reason);
      if (!write_record (out, record, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pm_audit_csv_write_file (GPtrArray     *decisions,
                         GFile         *file,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  gboolean existed;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  name = g_file_get_parse_name (file);
  existed = g_file_query_exists (file, cancellable);
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                           &local_error);
  if (stream != NULL && pm_audit_csv_write (decisions, G_OUTPUT_STREAM (stream), &local_error)
      && g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &local_error))
    return TRUE;

  if (stream != NULL)
    {
      /* Closing with a cancelled cancellable drops the temporary file and keeps whatever was
       * there before. A file that did not exist is written in place by GIO: remove it. */
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (stream), abandon, NULL);
      if (!existed)
        g_file_delete (file, NULL, NULL);
    }
  g_set_error (error, local_error->domain, local_error->code, _("Could not write %s: %s"), name,
               local_error->message);
  return FALSE;
}
