/* pm-error.c: errors that point at the culprit in a file a user gave.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-error-private.h"

/* Sets the G_IO_ERROR_INVALID_DATA error "FILE:LINE: field “FIELD”: MESSAGE" (without the field
 * part when field is NULL). Always returns FALSE. */
gboolean
_pm_fail_at_line (GError    **error,
                  const char *file,
                  guint64     line,
                  const char *field,
                  const char *format,
                  ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (field != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%" G_GUINT64_FORMAT
                 ": field “%s”: %s", file, line, field, what);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%" G_GUINT64_FORMAT ": %s",
                 file, line, what);
  return FALSE;
}

/* Sets the error "FILE: ENTRY INDEX (“ID”): KIND “NAME”: MESSAGE", leaving out the parts that
 * at and name do not have, so that a user with a 2,000-line file finds the culprit without
 * bisecting it. Always returns FALSE. */
gboolean
_pm_fail_at_entry_valist (GError           **error,
                          const PmFilePlace *at,
                          const char        *kind,
                          const char        *name,
                          const char        *format,
                          va_list            args)
{
  g_autofree char *what = g_strdup_vprintf (format, args);
  g_autoptr(GString) where = g_string_new (at->file);

  if (at->index >= 0)
    g_string_append_printf (where, ": %s %d", at->entry, at->index);
  if (at->index >= 0 && at->id != NULL)
    g_string_append_printf (where, " (“%s”)", at->id);
  if (name != NULL)
    g_string_append_printf (where, ": %s “%s”", kind, name);
  g_set_error (error, at->domain, at->code, "%s: %s", where->str, what);
  return FALSE;
}

char *
_pm_quote_one_line (const char *text,
                    gsize       length,
                    gsize       max_length)
{
  char *quoted = g_utf8_make_valid (text != NULL ? text : "",
                                    text != NULL ? (gssize) MIN (length, max_length) : 0);
  char *to = quoted;

  /* One space between words: bodies are often indented HTML or wrapped text. */
  g_strdelimit (quoted, "\r\n\t", ' ');
  for (const char *from = quoted; *from != '\0'; from++)
    if (*from != ' ' || (to > quoted && to[-1] != ' '))
      *to++ = *from;
  *to = '\0';
  return g_strchomp (quoted);
}
