/* pm-value-csv.c: reading a `timestamp,value` series (NAB's data and results layout).
 *
 * The reader is strict about what it cannot interpret (a header other than `timestamp,value`,
 * a timestamp in none of the accepted forms, a value that is not a finite number) and names
 * the file, the line and the field, because these files are hand-edited and exported from
 * spreadsheets. An empty value is a missing one, as everywhere in Premirror: it is kept as
 * NAN so that the detector flags it rather than treating it as healthy.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-value-csv.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pm-error-private.h"

static const char expected_header[] = "timestamp,value";

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Reads exactly n digits. */
static gboolean
read_digits (const char **p,
             guint        n,
             guint       *out)
{
  guint value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + (guint) ((*p)[i] - '0');
    }
  *p += n;
  *out = value;
  return TRUE;
}

static gboolean
parse_unix_seconds (const char *text,
                    double     *out_s)
{
  const char *p = text;
  char *end = NULL;
  double value;

  /* Only plain decimal numbers: strtod alone would also take "1e9", "0x10" or "inf". */
  if (*p == '-' || *p == '+')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      ;
  if (*p != '\0')
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || !isfinite (value))
    return FALSE;
  *out_s = value;
  return TRUE;
}

gboolean
pm_value_csv_parse_time (const char *text,
                         double     *out_s)
{
  const char *p = text;
  guint year, month, day, hour, minute, second = 0;
  double fraction = 0;
  gint64 offset_s = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_s != NULL, FALSE);

  if (parse_unix_seconds (text, out_s))
    return TRUE;

  if (!read_digits (&p, 4, &year) || *p++ != '-' || !read_digits (&p, 2, &month) || *p++ != '-'
      || !read_digits (&p, 2, &day))
    return FALSE;
  if (*p != ' ' && *p != 'T' && *p != 't')
    return FALSE;
  p++;
  if (!read_digits (&p, 2, &hour) || *p++ != ':' || !read_digits (&p, 2, &minute))
    return FALSE;
  if (*p == ':')
    {
      p++;
      if (!read_digits (&p, 2, &second))
        return FALSE;
      if (*p == '.' || *p == ',')
        {
          double scale = 0.1;

          p++;
          if (!g_ascii_isdigit (*p))
            return FALSE;
          for (; g_ascii_isdigit (*p); p++, scale /= 10)
            fraction += (*p - '0') * scale;
        }
    }
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      int sign = *p++ == '-' ? -1 : 1;
      guint oh, om;

      if (!read_digits (&p, 2, &oh))
        return FALSE;
      if (*p == ':')
        p++;
      if (!read_digits (&p, 2, &om) || oh > 23 || om > 59)
        return FALSE;
      offset_s = sign * (gint64) (oh * 3600 + om * 60);
    }
  if (*p != '\0')
    return FALSE;

  if (month < 1 || month > 12 || day < 1 || year < 1
      || day > g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year)
      || hour > 23 || minute > 59 || second > 60)
    return FALSE;

  *out_s = (double) (days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60
                     + second - offset_s) + fraction;
  return TRUE;
}

/* A finite decimal number, or "" for a missing value. */
static gboolean
parse_value (const char *text,
             double     *out)
{
  char *end = NULL;
  double value;

  if (*text == '\0')
    {
      *out = NAN;
      return TRUE;
    }
  /* Reject hexadecimal and the spelled-out infinities and NaNs strtod would accept: a value
   * column holding "nan" is an export bug worth reporting, not a missing value. */
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return FALSE;
  *out = value;
  return TRUE;
}

void
pm_value_series_free (PmValueSeries *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_strfreev (self->timestamps);
  g_strfreev (self->texts);
  g_free (self->times_s);
  g_free (self->values);
  g_free (self->lines);
  g_free (self);
}

PmValueSeries *
pm_value_series_parse (const char *path,
                       const char *contents,
                       gsize       length,
                       GError    **error)
{
  g_autoptr(PmValueSeries) self = g_new0 (PmValueSeries, 1);
  g_autoptr(GPtrArray) timestamps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *p = contents, *end = contents + length;
  gboolean seen_header = FALSE;
  guint line = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (contents != NULL || length == 0, NULL);

  self->path = g_strdup (path);
  if (length >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;  /* spreadsheet exports start with a byte-order mark */

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      g_autofree char *text = NULL;
      g_autofree char *time_text = NULL;
      g_autofree char *value_text = NULL;
      char *comma;
      double t, v;

      if (eol == NULL)
        eol = end;
      line++;
      text = g_strstrip (g_strndup (p, (gsize) (eol - p)));
      p = eol + 1;

      if (*text == '\0')
        continue;
      if (!seen_header)
        {
          if (strcmp (text, expected_header) != 0)
            {
              _pm_fail_at_line (error, path, line, NULL, "expected the header “%s”, found “%s”",
                                expected_header, text);
              return NULL;
            }
          seen_header = TRUE;
          continue;
        }

      comma = strchr (text, ',');
      if (comma == NULL || strchr (comma + 1, ',') != NULL)
        {
          guint n_fields = 1;

          for (const char *c = text; *c != '\0'; c++)
            n_fields += *c == ',';
          _pm_fail_at_line (error, path, line, NULL,
                            "expected 2 fields (timestamp,value), found %u", n_fields);
          return NULL;
        }
      time_text = g_strstrip (g_strndup (text, (gsize) (comma - text)));
      value_text = g_strstrip (g_strdup (comma + 1));

      if (!pm_value_csv_parse_time (time_text, &t))
        {
          _pm_fail_at_line (error, path, line, "timestamp",
                            "“%s” is not a time (expected YYYY-MM-DD HH:MM:SS, "
                            "RFC 3339 or unix seconds)", time_text);
          return NULL;
        }
      if (!parse_value (value_text, &v))
        {
          _pm_fail_at_line (error, path, line, "value",
                            "“%s” is not a finite number (leave it empty when missing)",
                            value_text);
          return NULL;
        }

      g_ptr_array_add (timestamps, g_steal_pointer (&time_text));
      g_ptr_array_add (texts, g_steal_pointer (&value_text));
      g_array_append_val (times, t);
      g_array_append_val (values, v);
      g_array_append_val (lines, line);
    }

  if (!seen_header)
    {
      _pm_fail_at_line (error, path, MAX (line, 1), NULL,
                        "empty file (expected the header “%s”)", expected_header);
      return NULL;
    }

  self->n_rows = times->len;
  g_ptr_array_add (timestamps, NULL);
  g_ptr_array_add (texts, NULL);
  self->timestamps = (char **) g_ptr_array_steal (timestamps, NULL);
  self->texts = (char **) g_ptr_array_steal (texts, NULL);
  self->times_s = (double *) (void *) g_array_free (g_steal_pointer (&times), FALSE);
  self->values = (double *) (void *) g_array_free (g_steal_pointer (&values), FALSE);
  self->lines = (guint *) (void *) g_array_free (g_steal_pointer (&lines), FALSE);
  return g_steal_pointer (&self);
}

PmValueSeries *
pm_value_series_load_file (const char *path,
                           GError    **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return pm_value_series_parse (path, contents, length, error);
}

gboolean
pm_value_series_check_ordered (const PmValueSeries *self,
                               GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 1; i < self->n_rows; i++)
    if (self->times_s[i] < self->times_s[i - 1])
      return _pm_fail_at_line (error, self->path, self->lines[i], "timestamp",
                               "“%s” is before the previous row's “%s”",
                               self->timestamps[i], self->timestamps[i - 1]);
  return TRUE;
}
