/* pm-csv-source.c: metrics replayed from a CSV file, streamed.
 *
 * The file is DESIGN.md's metrics CSV: the header PM_CSV_SOURCE_HEADER, then one row per sample,
 * unix seconds, an empty field for a missing value. The source reads ahead only as far as the
 * time it is advanced to (one row beyond it, held until the next advance), so memory stays the
 * same for a day or a year of rows. Values are stored as given: pm_series_store_push() turns
 * NaN, negative and absurd ones into no data and counts them, as it does for every source.
 * Rows that go back in time are still stored (the store counts late and duplicate samples, or
 * drops those older than its window) and are counted here with the first line, for the user.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-csv-source.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "pm-error-private.h"
#include "pm-step-private.h"

#define N_FIELDS       5
#define TAIL_BYTES     65536
#define READ_BUFFER    65536

static const char *const field_names[N_FIELDS] = {
  "timestamp", "segment", "latency_ms", "jitter_ms", "loss_ratio",
};

typedef struct
{
  gint64   time_s;
  guint    segment;
  PmSample sample;
  guint64  line;
} Row;

struct _PmCsvSource
{
  GObject           parent_instance;

  PmTopology       *topology;
  char             *path;
  GDataInputStream *input;
  guint64           line;          /* of the last line read */

  Row               pending;       /* the first row not yet stored */
  gboolean          have_pending;
  gboolean          at_end;
  gint64            first_s;
  gint64            previous_s;    /* time of the last row read */
  gboolean          advanced;
  PmCsvSourceStats  stats;
};

static void pm_csv_source_iface_init (PmSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmCsvSource, pm_csv_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_SOURCE, pm_csv_source_iface_init))

/* Splits line in place at its commas; FALSE unless it has exactly N_FIELDS fields. */
static gboolean
split_fields (char  *line,
              char  *fields[N_FIELDS],
              guint *n_fields)
{
  char *p = line;

  *n_fields = 0;
  for (;;)
    {
      char *comma = strchr (p, ',');

      if (*n_fields < N_FIELDS)
        fields[*n_fields] = p;
      (*n_fields)++;
      if (comma == NULL)
        break;
      *comma = '\0';
      p = comma + 1;
    }
  return *n_fields == N_FIELDS;
}

static gboolean
parse_time (const char *text,
            gint64     *out)
{
  return g_ascii_string_to_signed (text, 10, G_MININT64 / 2, G_MAXINT64 / 2, out, NULL);
}

/* An empty field is a missing value; anything else must be a number as a whole. */
static gboolean
parse_value (const char *text,
             float      *out)
{
  char *end = NULL;
  double value;

  if (*text == '\0')
    {
      *out = NAN;
      return TRUE;
    }
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0')
    return FALSE;
  /* Beyond a float is absurd for any metric: infinite, which the store turns into no data and
   * counts (a plain conversion would be undefined). */
  *out = fabs (value) > FLT_MAX ? (float) copysign (INFINITY, value) : (float) value;
  return TRUE;
}

static gboolean
parse_row (PmCsvSource *self,
           char        *line,
           Row         *row,
           GError     **error)
{
  char *fields[N_FIELDS];
  guint n_fields;
  int segment;
  float *values[] = { &row->sample.latency_ms, &row->sample.jitter_ms, &row->sample.loss_ratio };

  if (!split_fields (line, fields, &n_fields))
    return _pm_fail_at_line (error, self->path, self->line, NULL,
                             "expected %d fields (%s), got %u", N_FIELDS, PM_CSV_SOURCE_HEADER,
                             n_fields);
  for (guint i = 0; i < N_FIELDS; i++)
    g_strstrip (fields[i]);

  if (!parse_time (fields[0], &row->time_s))
    return _pm_fail_at_line (error, self->path, self->line, field_names[0],
                             "“%s” is not whole unix seconds", fields[0]);
  segment = pm_topology_lookup_segment (self->topology, fields[1]);
  if (segment < 0)
    return _pm_fail_at_line (error, self->path, self->line, field_names[1],
                             "unknown segment “%s” (not in topology “%s”)", fields[1],
                             pm_topology_get_name (self->topology) != NULL
                               ? pm_topology_get_name (self->topology) : "(unnamed)");
  row->segment = (guint) segment;
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (!parse_value (fields[2 + i], values[i]))
      return _pm_fail_at_line (error, self->path, self->line, field_names[2 + i],
                               "“%s” is not a number (an empty field is a missing value)",
                               fields[2 + i]);
  row->line = self->line;
  return TRUE;
}

/* Reads the next data row into self->pending; at the end of the file sets at_end instead. */
static gboolean
read_row (PmCsvSource *self,
          GError     **error)
{
  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(GError) local_error = NULL;
      gsize length;

      line = g_data_input_stream_read_line (self->input, &length, NULL, &local_error);
      if (line == NULL)
        {
          if (local_error != NULL)
            {
              g_set_error (error, local_error->domain, local_error->code, "%s:%" G_GUINT64_FORMAT
                           ": %s", self->path, self->line + 1, local_error->message);
              return FALSE;
            }
          self->at_end = TRUE;
          return TRUE;
        }
      self->line++;
      if (memchr (line, '\0', length) != NULL)
        return _pm_fail_at_line (error, self->path, self->line, NULL,
                                 "a NUL byte: not a text file");
      g_strstrip (line);
      if (*line == '\0')
        continue;
      if (!parse_row (self, line, &self->pending, error))
        return FALSE;

      if (self->stats.rows == 0)
        self->first_s = self->pending.time_s;
      else if (self->pending.time_s < self->previous_s)
        {
          if (self->stats.rows_backwards++ == 0)
            self->stats.first_backwards_line = self->line;
        }
      self->previous_s = self->pending.time_s;
      self->stats.rows++;
      self->have_pending = TRUE;
      return TRUE;
    }
}

static gboolean
read_header (PmCsvSource *self,
             GError     **error)
{
  g_autofree char *line = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *text;

  line = g_data_input_stream_read_line (self->input, NULL, NULL, &local_error);
  self->line = 1;
  if (local_error != NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", self->path,
                   local_error->message);
      return FALSE;
    }
  if (line == NULL)
    line = g_strdup ("");
  text = g_str_has_prefix (line, "\xef\xbb\xbf") ? line + 3 : line;
  text = g_strstrip ((char *) text);
  if (strcmp (text, PM_CSV_SOURCE_HEADER) != 0)
    return _pm_fail_at_line (error, self->path, 1, NULL, "expected the header “%s”, got “%s”",
                             PM_CSV_SOURCE_HEADER, text);
  return TRUE;
}

/* PmSource ------------------------------------------------------------------------------------- */

static gboolean
pm_csv_source_advance (PmSource      *source,
                       PmSeriesStore *store,
                       gint64         until_s,
                       GError       **error)
{
  PmCsvSource *self = PM_CSV_SOURCE (source);
  gint64 step = pm_series_store_get_step (store);
  /* On the first call, history as far back as the store holds, as the simulator loads it. */
  gint64 oldest_step = _pm_floor_div (until_s, step) - (gint64) pm_series_store_get_capacity (store)
                       + 1;
  guint n_segments = pm_topology_get_n_segments (self->topology);

  if (pm_series_store_get_n_segments (store) != n_segments)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: the store has %u segments but the topology %u", self->path,
                   pm_series_store_get_n_segments (store), n_segments);
      return FALSE;
    }

  for (;;)
    {
      if (!self->have_pending && !self->at_end && !read_row (self, error))
        return FALSE;
      if (!self->have_pending || self->pending.time_s > until_s)
        break;
      if (!self->advanced && _pm_floor_div (self->pending.time_s, step) < oldest_step)
        self->stats.rows_before_history++;
      else
        pm_series_store_push (store, self->pending.segment, self->pending.time_s,
                              &self->pending.sample);
      self->have_pending = FALSE;
    }
  self->advanced = TRUE;
  return TRUE;
}

static char *
pm_csv_source_describe (PmSource *source)
{
  return g_strdup_printf ("CSV file %s", PM_CSV_SOURCE (source)->path);
}

static PmSourceState
pm_csv_source_get_state (PmSource *source)
{
  PmCsvSource *self = PM_CSV_SOURCE (source);

  /* Past the last row the file has nothing newer to give: stale, as a silent exporter is. */
  return self->have_pending ? PM_SOURCE_STATE_CONNECTED : PM_SOURCE_STATE_STALE;
}

static void
pm_csv_source_iface_init (PmSourceInterface *iface)
{
  iface->advance = pm_csv_source_advance;
  iface->describe = pm_csv_source_describe;
  iface->get_state = pm_csv_source_get_state;
}

/* GObject -------------------------------------------------------------------------------------- */

static void
pm_csv_source_finalize (GObject *object)
{
  PmCsvSource *self = PM_CSV_SOURCE (object);

  g_clear_object (&self->input);
  g_clear_object (&self->topology);
  g_free (self->path);

  G_OBJECT_CLASS (pm_csv_source_parent_class)->finalize (object);
}

static void
pm_csv_source_class_init (PmCsvSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_csv_source_finalize;
}

static void
pm_csv_source_init (PmCsvSource *self)
{
}

/* Public API ----------------------------------------------------------------------------------- */

PmCsvSource *
pm_csv_source_new (PmTopology  *topology,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(PmCsvSource) self = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return NULL;

  self = g_object_new (PM_TYPE_CSV_SOURCE, NULL);
  self->topology = g_object_ref (topology);
  self->path = g_strdup (path);
  self->input = g_data_input_stream_new (G_INPUT_STREAM (stream));
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (self->input), READ_BUFFER);
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);

  if (!read_header (self, error) || !read_row (self, error))
    return NULL;
  if (!self->have_pending)
    {
      _pm_fail_at_line (error, self->path, self->line, NULL, "no data rows after the header");
      return NULL;
    }
  return g_steal_pointer (&self);
}

gint64
pm_csv_source_get_first_time (PmCsvSource *self)
{
  g_return_val_if_fail (PM_IS_CSV_SOURCE (self), 0);
  return self->first_s;
}

gboolean
pm_csv_source_get_last_time (PmCsvSource *self,
                             gint64      *last_s,
                             GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *tail = NULL;
  gsize n_read;
  goffset size, offset;
  char *line_start, *comma;

  g_return_val_if_fail (PM_IS_CSV_SOURCE (self), FALSE);

  file = g_file_new_for_path (self->path);
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return FALSE;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
  if (info == NULL)
    return FALSE;
  size = g_file_info_get_size (info);
  offset = MAX (size - TAIL_BYTES, 0);
  if (!g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, NULL, error))
    return FALSE;
  tail = g_malloc (TAIL_BYTES + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), tail, TAIL_BYTES, &n_read, NULL, error))
    return FALSE;
  tail[n_read] = '\0';

  /* The last line with something on it. */
  while (n_read > 0 && g_ascii_isspace (tail[n_read - 1]))
    tail[--n_read] = '\0';
  line_start = strrchr (tail, '\n');
  line_start = line_start != NULL ? line_start + 1 : tail;
  comma = strchr (line_start, ',');
  if (comma != NULL)
    *comma = '\0';
  if ((line_start == tail && offset > 0) || !parse_time (g_strstrip (line_start), last_s))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: last line: field “timestamp”: not whole unix seconds", self->path);
      return FALSE;
    }
  return TRUE;
}

const PmCsvSourceStats *
pm_csv_source_get_stats (PmCsvSource *self)
{
  g_return_val_if_fail (PM_IS_CSV_SOURCE (self), NULL);
  return &self->stats;
}
