/* pm-error-private.h: errors that point at the culprit in a file a user gave.
 *
 * Two layouts, leaving out the parts a place does not have: "FILE:LINE: field “NAME”: what" for
 * files read line by line (CSV), and "FILE: ENTRY INDEX (“ID”): KIND “NAME”: what" for files of
 * entries (JSON features and objects, iCalendar components).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where in a file of entries a value was read, and the error to report a bad one with. */
typedef struct
{
  GQuark      domain;
  int         code;
  const char *file;   /* as the user named it: a path or a display name */
  const char *entry;  /* what the file's entries are called: "feature", "VEVENT", … */
  int         index;  /* the entry, or -1 for the file as a whole */
  const char *id;     /* the entry's id once it is known, or NULL */
} PmFilePlace;

gboolean _pm_fail_at_line         (GError           **error,
                                   const char        *file,
                                   guint64            line,
                                   const char        *field,
                                   const char        *format,
                                   ...) G_GNUC_PRINTF (5, 6);

gboolean _pm_fail_at_entry_valist (GError           **error,
                                   const PmFilePlace *at,
                                   const char        *kind,
                                   const char        *name,
                                   const char        *format,
                                   va_list            args) G_GNUC_PRINTF (5, 0);

/* At most max_length bytes of a server's answer (an error page, a plain-text message) as one
 * line of valid UTF-8 with single spaces, fit to quote in an error message. */
char    *_pm_quote_one_line       (const char        *text,
                                   gsize              length,
                                   gsize              max_length);

G_END_DECLS
