/* pm-source-open.c: the --source URI made into a source and the clock that drives it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-source-open.h"

#include "pm-engine.h"
#include "telemetry/pm-csv-source.h"
#include "telemetry/pm-prometheus-source.h"

/* csv:DIR names a scenario folder (premirror-eval --export writes one): its metrics.csv. */
static char *
csv_path (const char *uri)
{
  const char *path = uri + strlen ("csv:");

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_build_filename (path, "metrics.csv", NULL);
  return g_strdup (path);
}

static gboolean
open_simulator (const char     *uri,
                PmTopology     *topology,
                double          speed,
                PmOpenedSource *out,
                GError        **error)
{
  PmSimulatorConfig config;

  if (!pm_simulator_parse_uri (uri, &config, error))
    return FALSE;
  out->simulator = pm_simulator_new (topology, &config);
  out->source = PM_SOURCE (g_object_ref (out->simulator));
  out->clock = pm_clock_new_virtual (config.start_s * G_USEC_PER_SEC,
                                     speed > 0 ? speed : config.speed);
  return TRUE;
}

static gboolean
open_csv (const char     *uri,
          PmTopology     *topology,
          double          speed,
          gint64          history_s,
          PmOpenedSource *out,
          GError        **error)
{
  g_autofree char *path = csv_path (uri);
  g_autoptr(PmCsvSource) csv = pm_csv_source_new (topology, path, error);
  gint64 first, last, start;

  if (csv == NULL || !pm_csv_source_get_last_time (csv, &last, error))
    return FALSE;
  first = pm_csv_source_get_first_time (csv);
  start = last - first >= history_s ? first + history_s : first;
  out->clock = pm_clock_new_virtual (start * G_USEC_PER_SEC,
                                     speed > 0 ? speed : PM_SIMULATOR_DEFAULT_SPEED);
  out->source = PM_SOURCE (g_steal_pointer (&csv));
  return TRUE;
}

static gboolean
open_prometheus (const char     *uri,
                 PmTopology     *topology,
                 double          speed,
                 PmOpenedSource *out,
                 GError        **error)
{
  PmPrometheusSource *prometheus;

  if (speed > 0)
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_SOURCE,
                   "--source %s is live: it follows the wall clock, which cannot run at another "
                   "speed", uri);
      return FALSE;
    }
  prometheus = pm_prometheus_source_new (topology, uri, error);
  if (prometheus == NULL)
    return FALSE;
  out->source = PM_SOURCE (prometheus);
  out->clock = pm_clock_new_wall ();
  return TRUE;
}

gboolean
pm_source_open (const char     *uri,
                PmTopology     *topology,
                double          speed,
                gboolean        start_paused,
                gint64          history_s,
                PmOpenedSource *out,
                GError        **error)
{
  gboolean opened;

  *out = (PmOpenedSource) { 0 };
  if (g_str_has_prefix (uri, "sim:"))
    opened = open_simulator (uri, topology, speed, out, error);
  else if (g_str_has_prefix (uri, "csv:"))
    opened = open_csv (uri, topology, speed, history_s, out, error);
  else if (g_str_has_prefix (uri, "prometheus:"))
    opened = open_prometheus (uri, topology, speed, out, error);
  else
    {
      g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_SOURCE,
                   "--source %s: give sim: (the simulator), csv:FILE (a recorded CSV) or "
                   "prometheus:http://HOST:PORT", uri);
      return FALSE;
    }
  if (!opened)
    {
      pm_opened_source_clear (out);
      return FALSE;
    }
  if (start_paused && pm_clock_get_kind (out->clock) == PM_CLOCK_VIRTUAL)
    pm_clock_set_paused (out->clock, TRUE);
  return TRUE;
}

void
pm_opened_source_clear (PmOpenedSource *opened)
{
  g_clear_object (&opened->source);
  g_clear_object (&opened->clock);
  g_clear_object (&opened->simulator);
}
