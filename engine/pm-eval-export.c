/* pm-eval-export.c: a simulator scenario written as metrics CSV, truth JSON, iCalendar and CAP
 * GeoJSON; see pm-eval-export.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-export.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/pm-cap-geojson.h"
#include "model/pm-ics.h"
#include "telemetry/pm-csv-source.h"

#define DAY_S        86400
#define PART_SUFFIX  ".part"
#define PROVIDER     "premirror-simulator"

/* Final names, in the order they are renamed into place: the metrics last, since a folder
 * without them cannot be mistaken for a replayable scenario. */
static const char *const file_names[] = {
  PM_EVAL_EXPORT_TOPOLOGY,
  PM_EVAL_EXPORT_MAINTENANCE,
  PM_EVAL_EXPORT_WEATHER,
  PM_EVAL_EXPORT_TRUTH,
  PM_EVAL_EXPORT_METRICS,
};

static char *
part_path (const char *dir,
           const char *name)
{
  g_autofree char *part = g_strconcat (name, PART_SUFFIX, NULL);

  return g_build_filename (dir, part, NULL);
}

static gboolean
write_part (const char *dir,
            const char *name,
            const char *data,
            gsize       length,
            GError    **error)
{
  g_autofree char *path = part_path (dir, name);

  return g_file_set_contents (path, data, (gssize) length, error);
}

static gboolean
io_fail (GError    **error,
         const char *path,
         int         saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
               g_strerror (saved_errno));
  return FALSE;
}

static void
append_value (GString *row,
              float    value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (row, ',');
  /* Nine significant digits give back the very same float when read. */
  if (!isnan (value))
    g_string_append (row, g_ascii_formatd (buffer, sizeof buffer, "%.9g", value));
}

/* Every sample of [from_s, to_s), time by time, segment by segment: what the store of a
 * simulator run receives. */
static gboolean
write_metrics (PmSimulator *simulator,
               PmTopology  *topology,
               gint64       from_s,
               gint64       to_s,
               const char  *path,
               guint64     *rows,
               GError     **error)
{
  guint n_segments = pm_topology_get_n_segments (topology);
  gint64 step = PM_SERIES_DEFAULT_STEP_S;
  g_autoptr(GString) row = g_string_new (NULL);
  FILE *file;
  gint64 first = from_s >= 0 ? (from_s + step - 1) / step * step : from_s / step * step;

  file = fopen (path, "w");
  if (file == NULL)
    return io_fail (error, path, errno);
  fputs (PM_CSV_SOURCE_HEADER "\n", file);
  *rows = 0;
  for (gint64 t = first; t < to_s; t += step)
    for (guint s = 0; s < n_segments; s++)
      {
        PmSample sample;

        pm_simulator_sample (simulator, s, t, &sample);
        g_string_printf (row, "%" G_GINT64_FORMAT ",%s", t,
                         pm_topology_get_segment (topology, s)->id);
        append_value (row, sample.latency_ms);
        append_value (row, sample.jitter_ms);
        append_value (row, sample.loss_ratio);
        g_string_append_c (row, '\n');
        fwrite (row->str, 1, row->len, file);
        (*rows)++;
      }
  if (ferror (file))
    {
      int saved_errno = errno;

      fclose (file);
      return io_fail (error, path, saved_errno != 0 ? saved_errno : EIO);
    }
  if (fclose (file) != 0)
    return io_fail (error, path, errno);
  return TRUE;
}

static void
remove_parts (const char *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (file_names); i++)
    {
      g_autofree char *path = part_path (dir, file_names[i]);

      g_unlink (path);
    }
}

static gboolean
write_parts (const PmEvalScenario *scenario,
             guint64               seed,
             GBytes               *topology_bytes,
             const char           *dir,
             PmEvalExportSummary  *summary,
             GError              **error)
{
  PmTopology *topology = scenario->topology;
  PmSimulatorConfig config = scenario->sim;
  g_autoptr(PmSimulator) simulator = NULL;
  g_autoptr(GArray) truth = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *truth_json = NULL;
  g_autofree char *ics = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *account = NULL;
  g_autofree char *metrics_path = part_path (dir, PM_EVAL_EXPORT_METRICS);
  gint64 start, end;
  gsize topology_length;
  const char *topology_data = g_bytes_get_data (topology_bytes, &topology_length);

  config.seed = seed;
  simulator = pm_simulator_new (topology, &config);
  pm_eval_scenario_get_range (scenario, &start, &end);

  truth = pm_eval_simulator_truth (simulator, start, end);
  truth_json = pm_truth_to_json (topology, truth);
  /* Every event that could be visible during the run, and then some: a replay picks the ones
   * visible at each minute by the simulator's own rule. */
  events = pm_simulator_get_events (simulator, start - DAY_S, end + DAY_S);
  account = g_strdup_printf ("%s seed %" G_GUINT64_FORMAT,
                             pm_topology_get_name (topology) != NULL
                               ? pm_topology_get_name (topology) : "network", seed);
  ics = pm_ics_write (events, PROVIDER, account);
  cap = pm_cap_geojson_write (events);

  summary->partitions = truth->len;
  summary->maintenance = summary->weather = 0;
  for (guint i = 0; i < events->len; i++)
    if (((PmEvent *) g_ptr_array_index (events, i))->kind == PM_EVENT_MAINTENANCE)
      summary->maintenance++;
    else
      summary->weather++;

  return write_part (dir, PM_EVAL_EXPORT_TOPOLOGY, topology_data != NULL ? topology_data : "",
                     topology_length, error)
         && write_part (dir, PM_EVAL_EXPORT_MAINTENANCE, ics, strlen (ics), error)
         && write_part (dir, PM_EVAL_EXPORT_WEATHER, cap, strlen (cap), error)
         && write_part (dir, PM_EVAL_EXPORT_TRUTH, truth_json, strlen (truth_json), error)
         && write_metrics (simulator, topology, start - DAY_S, end, metrics_path,
                           &summary->rows, error);
}

gboolean
pm_eval_export (const PmEvalScenario *scenario,
                guint64               seed,
                GBytes               *topology_bytes,
                const char           *dir,
                PmEvalExportSummary  *summary,
                GError              **error)
{
  g_return_val_if_fail (scenario != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0777) != 0)
    return io_fail (error, dir, errno);
  /* An export is a record of a run: never replace one, in part or whole. */
  for (guint i = 0; i < G_N_ELEMENTS (file_names); i++)
    {
      g_autofree char *path = g_build_filename (dir, file_names[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s already exists: export into a new or empty folder", path);
          return FALSE;
        }
    }

  if (!write_parts (scenario, seed, topology_bytes, dir, summary, error))
    {
      remove_parts (dir);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (file_names); i++)
    {
      g_autofree char *from = part_path (dir, file_names[i]);
      g_autofree char *to = g_build_filename (dir, file_names[i], NULL);

      if (g_rename (from, to) != 0)
        {
          int saved_errno = errno;

          remove_parts (dir);
          return io_fail (error, to, saved_errno);
        }
    }
  return TRUE;
}
