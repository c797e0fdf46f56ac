/* pm-eval.c: premirror-eval's command line.
 *
 * Every option of DESIGN.md's interface is parsed here so that the program has one --help and
 * one place to grow. Options whose evaluation does not exist yet are refused by name, never
 * ignored: a user who asks for a replay must not silently get something else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval.h"

#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/pm-event-list.h"
#include "model/pm-rfc3339.h"
#include "pm-demo.h"
#include "pm-eval-anomaly.h"
#include "pm-eval-e2e.h"
#include "pm-eval-e2e-report.h"
#include "pm-eval-export.h"
#include "pm-eval-replay.h"
#include "predict/pm-predictor.h"
#include "telemetry/pm-csv-source.h"
#include "telemetry/pm-prometheus-source.h"

void
pm_eval_options_clear (PmEvalOptions *options)
{
  g_clear_pointer (&options->topologies, g_strfreev);
  g_clear_pointer (&options->seeds, g_free);
  g_clear_pointer (&options->tune_seeds, g_free);
  g_clear_pointer (&options->resources, g_free);
  g_clear_pointer (&options->source, g_free);
  g_clear_pointer (&options->seed, g_free);
  g_clear_pointer (&options->from, g_free);
  g_clear_pointer (&options->to, g_free);
  g_clear_pointer (&options->truth, g_free);
  g_clear_pointer (&options->events, g_strfreev);
  g_clear_pointer (&options->days, g_free);
  g_clear_pointer (&options->horizon, g_free);
  g_clear_pointer (&options->alerts, g_free);
  g_clear_pointer (&options->export_dir, g_free);
  g_clear_pointer (&options->report_dir, g_free);
  g_clear_pointer (&options->anomaly_scores, g_free);
  g_clear_pointer (&options->nab, g_free);
  g_clear_pointer (&options->nab_files, g_free);
  g_clear_pointer (&options->nab_tuning_files, g_free);
  g_clear_pointer (&options->detector_params, g_strfreev);
}

gboolean
pm_eval_options_parse (PmEvalOptions *options,
                       int           *argc,
                       char        ***argv,
                       GError       **error)
{
  const GOptionEntry entries[] = {
    { "topology", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->topologies,
      "Network topology (GeoJSON; default: the demo); repeat to pool several", "FILE" },
    { "resources", 0, 0, G_OPTION_ARG_FILENAME, &options->resources,
      "Resources and policies (JSON)", "FILE" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &options->source,
      "Metric source to replay: sim:?seed=N…, csv:FILE or csv:DIR (an exported scenario)",
      "URI" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &options->seed,
      "Short for --source sim:?seed=N", "N" },
    { "seeds", 0, 0, G_OPTION_ARG_STRING, &options->seeds,
      "Replay these simulator seeds and pool the results", "A-B,C,…" },
    { "tune-seeds", 0, 0, G_OPTION_ARG_STRING, &options->tune_seeds,
      "Seeds (below 1000) on which the baselines' thresholds are tuned (default "
      PM_EVAL_DEFAULT_TUNE_SEEDS ")", "A-B,C,…" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options->from,
      "Start of the scored range of a csv: or prometheus: replay (unix seconds or RFC 3339; "
      "the day before is history; csv: default: a day after the first row)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options->to,
      "End of the scored range of a csv: or prometheus: replay (csv: default: the minute "
      "after the last row)", "T" },
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &options->truth,
      "Ground-truth partitions (JSON); required for csv: and prometheus: replays", "FILE" },
    { "events", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->events,
      "Maintenance notices (iCalendar) or weather alerts (CAP GeoJSON or XML) of a recorded "
      "replay; repeatable", "FILE" },
    { "days", 0, 0, G_OPTION_ARG_STRING, &options->days,
      "Days of a simulator scenario to score (default 7), after a day of history", "N" },
    { "horizon", 0, 0, G_OPTION_ARG_STRING, &options->horizon,
      "Prediction horizon (default 1800)", "SECONDS" },
    { "alerts", 0, 0, G_OPTION_ARG_FILENAME, &options->alerts,
      "Write every segment alert as JSON lines", "FILE" },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, &options->export_dir,
      "Write the simulator scenario as metrics.csv, truth.json, maintenance.ics, "
      "weather.geojson and topology.geojson, for --source csv:DIR", "DIR" },
    { "e2e", 0, 0, G_OPTION_ARG_NONE, &options->e2e,
      "Compare mirroring policies end to end", NULL },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &options->report_dir,
      "Write a Markdown report with plots", "DIR" },
    { "anomaly-scores", 0, 0, G_OPTION_ARG_FILENAME, &options->anomaly_scores,
      "Score a timestamp,value series with the degradation detector; writes "
      "timestamp,value,anomaly_score", "CSV" },
    { "nab", 0, 0, G_OPTION_ARG_FILENAME, &options->nab,
      "Score a NAB-layout folder (data/, labels/, config/)", "DIR" },
    { "nab-files", 0, 0, G_OPTION_ARG_STRING, &options->nab_files,
      "Score only these files of the folder (base names or label keys)", "A.csv,B.csv,…" },
    { "nab-tuning-files", 0, 0, G_OPTION_ARG_STRING, &options->nab_tuning_files,
      "Optimise the threshold on these files only and report them, the other files at that "
      "threshold, and all; \"default\" names the files the detector was tuned on",
      "default|A.csv,…" },
    { "nab-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &options->nab_threshold,
      "Score at this detector threshold instead of optimising it per profile", "T" },
    { "detector-param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->detector_params,
      "Override one of the detector's defaults (repeatable)", "NAME=VALUE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json, "Machine-readable output", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version, "Print the version", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  options->nab_threshold = NAN;
  g_option_context_set_summary (context,
                                "Replays metrics through Premirror's engine in virtual time and "
                                "reports how well it predicts partitions.\n"
                                "This build replays simulator scenarios (--seed, --seeds, --source "
                                "sim:…) and recorded ones (--source csv:… or prometheus:… with "
                                "--truth and --events) against the baselines, exports simulator "
                                "scenarios "
                                "(--export), and evaluates the degradation detector "
                                "(--anomaly-scores, --nab).");
  g_option_context_set_description (context,
                                    "Exit status: 0 done, 1 the evaluation failed, "
                                    "2 wrong command line.");
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error);
}

static gboolean
usage_error (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError    **error,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                                format, args));
  va_end (args);
  return FALSE;
}

gboolean
pm_eval_options_check (const PmEvalOptions *options,
                       PmAnomalyParams     *params,
                       GError             **error)
{
  if (options->report_dir != NULL && !options->e2e)
    return usage_error (error, "--report writes the end-to-end comparison: give it with --e2e");
  if (options->e2e && (options->alerts != NULL || options->export_dir != NULL))
    return usage_error (error, "--e2e compares mirroring policies; %s belongs to the "
                        "prediction replay (without --e2e)",
                        options->alerts != NULL ? "--alerts" : "--export");
  if (options->resources != NULL && !options->e2e)
    return usage_error (error, "--resources applies to --e2e: the prediction replay does not "
                        "mirror anything");

  if (pm_eval_options_is_replay (options))
    {
      if (options->anomaly_scores != NULL || options->nab != NULL)
        return usage_error (error, "--%s evaluates the degradation detector, not a scenario: "
                            "give it without the replay options",
                            options->nab != NULL ? "nab" : "anomaly-scores");
      if (options->nab_files != NULL || !isnan (options->nab_threshold)
          || options->nab_tuning_files != NULL || options->detector_params != NULL)
        return usage_error (error, "--nab-files, --nab-tuning-files, --nab-threshold and "
                            "--detector-param apply to --nab and --anomaly-scores, not to a "
                            "scenario replay");
      pm_anomaly_params_init (params);
      return TRUE;
    }

  if (options->anomaly_scores != NULL && options->nab != NULL)
    return usage_error (error, "give either --anomaly-scores or --nab, not both");
  if (options->anomaly_scores == NULL && options->nab == NULL)
    return usage_error (error, "nothing to do: give --seed N (a scenario replay), "
                        "--anomaly-scores CSV or --nab DIR");
  if (options->anomaly_scores != NULL && options->json)
    return usage_error (error, "--json applies to --nab; --anomaly-scores always writes CSV");
  if (options->nab == NULL && (options->nab_files != NULL || !isnan (options->nab_threshold)))
    return usage_error (error, "%s applies to --nab only",
                        options->nab_files != NULL ? "--nab-files" : "--nab-threshold");
  if (options->nab == NULL && options->nab_tuning_files != NULL)
    return usage_error (error, "--nab-tuning-files applies to --nab only");
  if (options->nab_tuning_files != NULL && !isnan (options->nab_threshold))
    return usage_error (error, "give either --nab-tuning-files (the threshold is optimised on "
                        "them) or --nab-threshold, not both");
  if (!isnan (options->nab_threshold) && !isfinite (options->nab_threshold))
    return usage_error (error, "--nab-threshold: expected a finite number");

  pm_anomaly_params_init (params);
  for (guint i = 0; options->detector_params != NULL && options->detector_params[i] != NULL;
       i++)
    {
      const char *item = options->detector_params[i];
      const char *eq = strchr (item, '=');
      g_autofree char *name = NULL;
      char *end = NULL;
      double value;
      g_autoptr(GError) local_error = NULL;

      if (eq == NULL || eq == item)
        return usage_error (error, "--detector-param “%s”: expected NAME=VALUE", item);
      name = g_strndup (item, (gsize) (eq - item));
      value = g_ascii_strtod (eq + 1, &end);
      if (end == eq + 1 || *end != '\0')
        return usage_error (error, "--detector-param “%s”: “%s” is not a number", item, eq + 1);
      if (!pm_anomaly_params_set (params, name, value, &local_error))
        return usage_error (error, "--detector-param: %s", local_error->message);
    }
  return TRUE;
}

gboolean
pm_eval_options_is_replay (const PmEvalOptions *options)
{
  return options->topologies != NULL || options->source != NULL || options->seed != NULL
         || options->seeds != NULL || options->tune_seeds != NULL || options->truth != NULL
         || options->days != NULL || options->horizon != NULL || options->alerts != NULL
         || options->export_dir != NULL || options->events != NULL || options->from != NULL
         || options->to != NULL || options->e2e;
}

static gboolean
parse_count (const char *option,
             const char *text,
             guint64     min,
             guint64     max,
             guint64    *out,
             GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, &local_error))
    return usage_error (error, "%s “%s”: expected a whole number from %" G_GUINT64_FORMAT
                        " to %" G_GUINT64_FORMAT, option, text, min, max);
  return TRUE;
}

/* "1000-1009", "1,2,3" or a mix: each seed once, in the order given. */
static gboolean
parse_seed_list (const char *option,
                 const char *text,
                 GArray     *seeds,
                 GError    **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *dash = strchr (item, '-');
      guint64 first, last;

      if (dash != NULL)
        {
          *dash = '\0';
          if (!parse_count (option, item, 0, G_MAXUINT32, &first, error)
              || !parse_count (option, dash + 1, first, first + 100000, &last, error))
            return FALSE;
        }
      else if (!parse_count (option, item, 0, G_MAXUINT32, &first, error))
        return FALSE;
      else
        last = first;
      for (guint64 seed = first; seed <= last; seed++)
        g_array_append_val (seeds, seed);
    }
  if (seeds->len == 0)
    return usage_error (error, "%s: no seeds given", option);
  return TRUE;
}

static gboolean
write_text (const char *path,
            const char *text,
            GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents (path, text, -1, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "--alerts: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* What a replay reads, from the options. */
typedef struct
{
  PmSimulatorConfig sim;
  GArray           *seeds;       /* guint64 */
  GArray           *tune_seeds;  /* guint64 */
  guint64           days;
  guint64           horizon_s;
  /* csv: replays */
  char             *metrics;
  char             *truth;
  GPtrArray        *events;      /* char *: feed files */
  char             *topology;    /* NULL: the demo */
} ReplaySetup;

static void
replay_setup_clear (ReplaySetup *setup)
{
  g_clear_pointer (&setup->seeds, g_array_unref);
  g_clear_pointer (&setup->tune_seeds, g_array_unref);
  g_clear_pointer (&setup->metrics, g_free);
  g_clear_pointer (&setup->truth, g_free);
  g_clear_pointer (&setup->events, g_ptr_array_unref);
  g_clear_pointer (&setup->topology, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReplaySetup, replay_setup_clear)

static gboolean
is_csv (const PmEvalOptions *options)
{
  return options->source != NULL && g_str_has_prefix (options->source, "csv:");
}

static gboolean
is_prometheus (const PmEvalOptions *options)
{
  return options->source != NULL && g_str_has_prefix (options->source, "prometheus:");
}

/* Recorded metrics (a CSV file, a Prometheus server's past) rather than a simulated scenario. */
static gboolean
is_recorded (const PmEvalOptions *options)
{
  return is_csv (options) || is_prometheus (options);
}

/* A file of an exported scenario folder, or NULL when it is not there. */
static char *
file_in (const char *dir,
         const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS) ? g_steal_pointer (&path) : NULL;
}

/* csv:FILE, or csv:DIR of an exported scenario: metrics.csv, and unless given otherwise
 * truth.json, the event feeds and the topology found there. */
static gboolean
csv_setup (const PmEvalOptions *options,
           ReplaySetup         *setup,
           GError             **error)
{
  const char *path = options->source + strlen ("csv:");

  if (*path == '\0')
    return usage_error (error, "--source csv: needs a file or an exported folder (csv:FILE, "
                        "csv:DIR)");
  if (options->topologies != NULL && g_strv_length (options->topologies) > 1)
    return usage_error (error, "--source csv: replays one recording: give one --topology");
  if (options->days != NULL)
    return usage_error (error, "--days applies to simulator scenarios: a csv: replay scores "
                        "--from to --to (by default all but the first day of the file)");

  setup->events = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; options->events != NULL && options->events[i] != NULL; i++)
    g_ptr_array_add (setup->events, g_strdup (options->events[i]));
  if (options->truth != NULL)
    setup->truth = g_strdup (options->truth);
  if (options->topologies != NULL)
    setup->topology = g_strdup (options->topologies[0]);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      setup->metrics = g_build_filename (path, PM_EVAL_EXPORT_METRICS, NULL);
      if (setup->truth == NULL)
        setup->truth = file_in (path, PM_EVAL_EXPORT_TRUTH);
      if (options->events == NULL)
        {
          const char *feeds[] = { PM_EVAL_EXPORT_MAINTENANCE, PM_EVAL_EXPORT_WEATHER };

          for (guint i = 0; i < G_N_ELEMENTS (feeds); i++)
            {
              char *feed = file_in (path, feeds[i]);

              if (feed != NULL)
                g_ptr_array_add (setup->events, feed);
            }
        }
      if (setup->topology == NULL)
        setup->topology = file_in (path, PM_EVAL_EXPORT_TOPOLOGY);
    }
  else
    setup->metrics = g_strdup (path);

  if (setup->truth == NULL)
    return usage_error (error, "--source csv: needs --truth FILE: the partitions the recorded "
                        "metrics are scored against");
  return TRUE;
}

/* prometheus:URL: a fixed past range of the server, scored against --truth. */
static gboolean
prometheus_setup (const PmEvalOptions *options,
                  ReplaySetup         *setup,
                  GError             **error)
{
  if (options->from == NULL || options->to == NULL)
    return usage_error (error, "--source prometheus: replays a past range of the server: give "
                        "--from and --to");
  if (options->truth == NULL)
    return usage_error (error, "--source prometheus: needs --truth FILE: the partitions the "
                        "recorded metrics are scored against");
  if (options->topologies != NULL && g_strv_length (options->topologies) > 1)
    return usage_error (error, "--source prometheus: replays one network: give one --topology");
  if (options->days != NULL)
    return usage_error (error, "--days applies to simulator scenarios: a prometheus: replay "
                        "scores --from to --to");
  setup->events = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; options->events != NULL && options->events[i] != NULL; i++)
    g_ptr_array_add (setup->events, g_strdup (options->events[i]));
  setup->truth = g_strdup (options->truth);
  if (options->topologies != NULL)
    setup->topology = g_strdup (options->topologies[0]);
  return TRUE;
}

/* Builds the scenarios from the options; FALSE with a usage error. */
static gboolean
replay_setup (const PmEvalOptions *options,
              ReplaySetup         *setup,
              GError             **error)
{
  setup->sim = (PmSimulatorConfig) { PM_SIMULATOR_DEFAULT_SEED, PM_SIMULATOR_DEFAULT_SPEED,
                                     PM_SIMULATOR_DEFAULT_START };
  setup->seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  setup->tune_seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  setup->days = PM_EVAL_DEFAULT_DAYS;
  setup->horizon_s = PM_PREDICTOR_DEFAULT_HORIZON_S;

  if (options->seed != NULL && options->source != NULL)
    return usage_error (error, "give either --seed N or --source URI, not both "
                        "(--seed N is short for --source sim:?seed=N)");
  if (options->seeds != NULL && (options->seed != NULL || options->source != NULL))
    return usage_error (error, "--seeds replays several simulator scenarios: give it without "
                        "--seed or --source");
  if (options->source != NULL && !is_recorded (options))
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_str_has_prefix (options->source, "sim:"))
        return usage_error (error, "--source %s: premirror-eval replays the "
                            "simulator (sim:?seed=N…), CSV files (csv:FILE or csv:DIR) and "
                            "Prometheus servers (prometheus:http://HOST:PORT)",
                            options->source);
      if (!pm_simulator_parse_uri (options->source, &setup->sim, &local_error))
        return usage_error (error, "--source: %s", local_error->message);
    }
  if (!is_recorded (options))
    {
      const char *csv_only[] = { "--from", "--to", "--events" };
      gboolean given[] = { options->from != NULL, options->to != NULL, options->events != NULL };

      for (guint i = 0; i < G_N_ELEMENTS (csv_only); i++)
        if (given[i])
          return usage_error (error, "%s applies to recorded data (--source csv:… or "
                              "prometheus:…); a simulator "
                              "scenario has its own days and events", csv_only[i]);
    }
  if (options->seed != NULL
      && !parse_count ("--seed", options->seed, 0, G_MAXUINT64, &setup->sim.seed, error))
    return FALSE;
  if (options->seeds != NULL)
    {
      if (!parse_seed_list ("--seeds", options->seeds, setup->seeds, error))
        return FALSE;
    }
  else
    g_array_append_val (setup->seeds, setup->sim.seed);
  if (!parse_seed_list ("--tune-seeds",
                        options->tune_seeds != NULL ? options->tune_seeds
                                                    : PM_EVAL_DEFAULT_TUNE_SEEDS,
                        setup->tune_seeds, error))
    return FALSE;
  for (guint i = 0; i < setup->tune_seeds->len; i++)
    if (g_array_index (setup->tune_seeds, guint64, i) >= PM_EVAL_HELD_OUT_SEED)
      return usage_error (error, "--tune-seeds: seed %" G_GUINT64_FORMAT " is held out for "
                          "evaluation; tune on seeds below %d",
                          g_array_index (setup->tune_seeds, guint64, i), PM_EVAL_HELD_OUT_SEED);
  if (options->days != NULL
      && !parse_count ("--days", options->days, 1, 366, &setup->days, error))
    return FALSE;
  if (options->horizon != NULL
      && !parse_count ("--horizon", options->horizon, 60, 7 * 86400, &setup->horizon_s, error))
    return FALSE;
  if (options->truth != NULL
      && (setup->seeds->len > 1
          || (options->topologies != NULL && g_strv_length (options->topologies) > 1)))
    return usage_error (error, "--truth describes one scenario: give it with one topology and "
                        "one seed");

  if (options->export_dir != NULL)
    {
      if (is_recorded (options))
        return usage_error (error, "--export writes simulator scenarios; a recording is "
                            "already one");
      if (setup->seeds->len > 1
          || (options->topologies != NULL && g_strv_length (options->topologies) > 1))
        return usage_error (error, "--export writes one scenario: give one seed and one "
                            "topology");
      if (options->json || options->alerts != NULL || options->truth != NULL)
        return usage_error (error, "--export only writes the scenario: replay it with "
                            "--source csv:%s for a report (--json, --alerts)",
                            options->export_dir);
    }
  if (is_csv (options))
    return csv_setup (options, setup, error);
  if (is_prometheus (options))
    return prometheus_setup (options, setup, error);
  return TRUE;
}

/* Unix seconds or RFC 3339. */
static gboolean
parse_time_option (const char *option,
                   const char *text,
                   gint64     *out,
                   GError    **error)
{
  if (g_ascii_string_to_signed (text, 10, G_MININT64 / 2, G_MAXINT64 / 2, out, NULL)
      || pm_rfc3339_parse (text, out))
    return TRUE;
  return usage_error (error, "%s “%s”: expected unix seconds or an RFC 3339 time with a zone "
                      "(2026-01-05T00:00:00Z)", option, text);
}

static PmTopology *
load_topology (const char *path,
               GError    **error)
{
  return path != NULL ? pm_topology_new_from_file (path, error) : pm_demo_load_topology (error);
}

/* Tells the user what the recording held besides well-formed rows in time order. */
static void
report_csv_stats (PmCsvSource *source,
                  const char  *path)
{
  const PmCsvSourceStats *stats = pm_csv_source_get_stats (source);

  if (stats->rows_backwards > 0)
    fprintf (stderr, "premirror-eval: warning: %s:%" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
             " row%s older than the row before (out of order); such samples are stored late "
             "or, beyond a day, dropped\n", path, stats->first_backwards_line,
             stats->rows_backwards, stats->rows_backwards == 1 ? "" : "s");
  if (stats->rows_before_history > 0)
    g_debug ("%s: %" G_GUINT64_FORMAT " rows older than a day before the scored range, not "
             "read", path, stats->rows_before_history);
}

/* A recording opened for a replay: its network, truth, events and metric source, and the
 * range to score. */
typedef struct
{
  PmTopology         *topology;
  GArray             *truth;
  PmEventList        *events;
  PmCsvSource        *csv;
  PmPrometheusSource *prometheus;
  PmSource           *source;
  gint64              from;
  gint64              to;
} Recording;

static void
recording_clear (Recording *recording)
{
  g_clear_object (&recording->topology);
  g_clear_pointer (&recording->truth, g_array_unref);
  g_clear_pointer (&recording->events, pm_event_list_free);
  g_clear_object (&recording->csv);
  g_clear_object (&recording->prometheus);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Recording, recording_clear)

/* Returns 0, or the exit status after telling the user what is wrong. */
static int
recording_open (const PmEvalOptions *options,
                ReplaySetup         *setup,
                Recording           *recording)
{
  g_autoptr(GError) error = NULL;
  gint64 last;

  if ((options->from != NULL && !parse_time_option ("--from", options->from, &recording->from,
                                                    &error))
      || (options->to != NULL && !parse_time_option ("--to", options->to, &recording->to,
                                                     &error)))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_USAGE;
    }

  recording->events = pm_event_list_new ();
  recording->topology = load_topology (setup->topology, &error);
  if (recording->topology == NULL)
    goto failed;
  recording->truth = pm_truth_load_file (recording->topology, setup->truth, &error);
  if (recording->truth == NULL)
    goto failed;
  for (guint i = 0; i < setup->events->len; i++)
    if (!pm_event_list_load_file (recording->events, g_ptr_array_index (setup->events, i),
                                  &error))
      goto failed;
  if (is_prometheus (options))
    {
      /* --from and --to are given (replay_setup checks): the day before --from is history. */
      recording->prometheus = pm_prometheus_source_new (recording->topology, options->source,
                                                        &error);
      if (recording->prometheus == NULL)
        goto failed;
      pm_prometheus_source_set_range_end (recording->prometheus, recording->to);
      recording->source = PM_SOURCE (recording->prometheus);
    }
  else
    {
      recording->csv = pm_csv_source_new (recording->topology, setup->metrics, &error);
      if (recording->csv == NULL)
        goto failed;
      recording->source = PM_SOURCE (recording->csv);
      /* The defaults reproduce the simulator run an export came from: its first day is the
       * history loaded before the scored range, which ends with the minute of the last row. */
      if (options->from == NULL)
        recording->from = pm_csv_source_get_first_time (recording->csv) + PM_SERIES_DEFAULT_SPAN_S;
      if (options->to == NULL)
        {
          if (!pm_csv_source_get_last_time (recording->csv, &last, &error))
            goto failed;
          recording->to = (last >= 0 ? last / 60 : (last - 59) / 60) * 60 + 60;
        }
    }
  if (recording->to - recording->from < 60)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: nothing to score from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                   " (the first day is history; give --from and --to)",
                   recording->csv != NULL ? setup->metrics : options->source, recording->from,
                   recording->to);
      goto failed;
    }
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

/* The scenario of a recording: simulated days of the same length and start as its scored
 * range (the baselines are tuned on them, so that the replay of an export tunes exactly as the
 * simulator run did). */
static PmEvalScenario
recording_scenario (const Recording *recording,
                    ReplaySetup     *setup)
{
  setup->sim.start_s = recording->from;
  return (PmEvalScenario) { recording->topology, setup->sim, recording->truth,
                            (int) MIN ((recording->to - recording->from + 86399) / 86400, 366),
                            (gint64) setup->horizon_s };
}

static int
run_recorded_replay (const PmEvalOptions *options,
                     ReplaySetup         *setup,
                     GString             *alerts,
                     PmEvalReport        *report)
{
  g_autoptr(GError) error = NULL;
  g_auto(Recording) recording = { 0 };
  double thresholds[PM_EVAL_N_METHODS];
  PmEvalScenario scenario;
  int status = recording_open (options, setup, &recording);

  if (status != 0)
    return status;
  scenario = recording_scenario (&recording, setup);
  if (!pm_eval_replay_tune (&scenario, (const guint64 *) (gpointer) setup->tune_seeds->data,
                            setup->tune_seeds->len, thresholds, &error))
    goto failed;
  pm_eval_report_add_thresholds (report, pm_topology_get_name (recording.topology), thresholds);
  if (!pm_eval_replay_run_recorded (&scenario, recording.source, recording.events,
                                    recording.from, recording.to, thresholds, report, alerts,
                                    &error))
    goto failed;
  if (recording.csv != NULL)
    report_csv_stats (recording.csv, setup->metrics);
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

/* --e2e on a recording. */
static int
run_recorded_e2e (const PmEvalOptions *options,
                  ReplaySetup         *setup,
                  PmE2eReport         *report)
{
  g_autoptr(GError) error = NULL;
  g_auto(Recording) recording = { 0 };
  g_autoptr(PmResources) resources = NULL;
  PmEvalScenario scenario;
  int status = recording_open (options, setup, &recording);

  if (status != 0)
    return status;
  scenario = recording_scenario (&recording, setup);
  resources = pm_demo_load_resources_or_file (options->resources, recording.topology, &error);
  if (resources == NULL
      || !pm_e2e_run_recorded (&scenario, resources, recording.source, recording.events,
                               recording.from, recording.to, report, &error))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_FAILED;
    }
  if (recording.csv != NULL)
    report_csv_stats (recording.csv, setup->metrics);
  return 0;
}

/* --e2e on simulator scenarios: every topology, every seed. */
static int
run_simulated_e2e (const PmEvalOptions *options,
                   ReplaySetup         *setup,
                   PmE2eReport         *report)
{
  g_autoptr(GError) error = NULL;
  guint n_topologies = options->topologies != NULL ? g_strv_length (options->topologies) : 1;

  for (guint t = 0; t < n_topologies; t++)
    {
      g_autoptr(PmTopology) topology = NULL;
      g_autoptr(PmResources) resources = NULL;
      g_autoptr(GArray) truth = NULL;
      PmEvalScenario scenario;

      topology = load_topology (options->topologies != NULL ? options->topologies[t] : NULL,
                                &error);
      if (topology == NULL)
        goto failed;
      resources = pm_demo_load_resources_or_file (options->resources, topology, &error);
      if (resources == NULL)
        goto failed;
      if (options->truth != NULL)
        {
          truth = pm_truth_load_file (topology, options->truth, &error);
          if (truth == NULL)
            goto failed;
        }
      scenario = (PmEvalScenario) { topology, setup->sim, truth, (int) setup->days,
                                    (gint64) setup->horizon_s };
      for (guint i = 0; i < setup->seeds->len; i++)
        if (!pm_e2e_run_simulated (&scenario, resources, g_array_index (setup->seeds, guint64, i),
                                   report, &error))
          goto failed;
    }
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

/* The whole --e2e: replays, then the table or JSON, and the report folder. */
static int
run_e2e (const PmEvalOptions *options,
         ReplaySetup         *setup,
         const char          *command)
{
  g_autoptr(GError) error = NULL;
  g_auto(PmE2eReport) report = { 0 };
  g_autofree char *output = NULL;
  int status;

  pm_e2e_report_init (&report);
  if (is_recorded (options))
    status = run_recorded_e2e (options, setup, &report);
  else
    status = run_simulated_e2e (options, setup, &report);
  if (status != 0)
    return status;
  if (options->report_dir != NULL
      && !pm_e2e_report_write (&report, options->report_dir, command, &error))
    {
      fprintf (stderr, "premirror-eval: --report: %s\n", error->message);
      return PM_EVAL_EXIT_FAILED;
    }
  output = options->json ? pm_e2e_report_to_json (&report) : pm_e2e_report_to_table (&report);
  fputs (output, stdout);
  if (options->json)
    fputc ('\n', stdout);
  return 0;
}

static int
run_export (const PmEvalOptions *options,
            ReplaySetup         *setup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmTopology) topology = NULL;
  const char *path = options->topologies != NULL ? options->topologies[0] : NULL;
  PmEvalExportSummary summary;
  PmEvalScenario scenario;

  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      bytes = g_file_load_bytes (file, NULL, NULL, &error);
    }
  else
    bytes = g_resources_lookup_data (PM_DEMO_NETWORK_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes != NULL)
    topology = pm_topology_new_from_bytes (bytes, path != NULL ? path : "demo network", &error);
  if (topology == NULL)
    goto failed;

  scenario = (PmEvalScenario) { topology, setup->sim, NULL, (int) setup->days,
                                (gint64) setup->horizon_s };
  if (!pm_eval_export (&scenario, g_array_index (setup->seeds, guint64, 0), bytes,
                       options->export_dir, &summary, &error))
    goto failed;
  printf ("Exported seed %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " day%s after a day of "
          "history) to %s: %" G_GUINT64_FORMAT " metric rows, %u partitions, %u maintenance "
          "notices, %u weather alerts\n", g_array_index (setup->seeds, guint64, 0), setup->days,
          setup->days == 1 ? "" : "s", options->export_dir, summary.rows, summary.partitions,
          summary.maintenance, summary.weather);
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

static int
run_simulated_replay (const PmEvalOptions *options,
                      ReplaySetup         *setup,
                      GString             *alerts,
                      PmEvalReport        *report)
{
  g_autoptr(GError) error = NULL;
  guint n_topologies = options->topologies != NULL ? g_strv_length (options->topologies) : 1;

  for (guint t = 0; t < n_topologies; t++)
    {
      g_autoptr(PmTopology) topology = NULL;
      g_autoptr(GArray) truth = NULL;
      double thresholds[PM_EVAL_N_METHODS];
      PmEvalScenario scenario;

      topology = load_topology (options->topologies != NULL ? options->topologies[t] : NULL,
                                &error);
      if (topology == NULL)
        goto failed;
      if (options->truth != NULL)
        {
          truth = pm_truth_load_file (topology, options->truth, &error);
          if (truth == NULL)
            goto failed;
        }
      scenario = (PmEvalScenario) { topology, setup->sim, truth, (int) setup->days,
                                    (gint64) setup->horizon_s };
      if (!pm_eval_replay_tune (&scenario, (const guint64 *) (gpointer) setup->tune_seeds->data,
                                setup->tune_seeds->len, thresholds, &error))
        goto failed;
      pm_eval_report_add_thresholds (report, pm_topology_get_name (topology), thresholds);
      for (guint i = 0; i < setup->seeds->len; i++)
        if (!pm_eval_replay_run (&scenario, g_array_index (setup->seeds, guint64, i), thresholds,
                                 report, alerts, &error))
          goto failed;
    }
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

static int
run_replay (const PmEvalOptions *options,
            const char          *command)
{
  g_autoptr(GError) error = NULL;
  g_auto(ReplaySetup) setup = { 0 };
  g_autoptr(GString) alerts = NULL;
  g_auto(PmEvalReport) report = { 0 };
  g_autofree char *output = NULL;
  int status;

  if (!replay_setup (options, &setup, &error))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_USAGE;
    }
  if (options->export_dir != NULL)
    return run_export (options, &setup);
  if (options->e2e)
    return run_e2e (options, &setup, command);

  if (options->alerts != NULL)
    alerts = g_string_new (NULL);
  pm_eval_report_init (&report);
  if (is_recorded (options))
    status = run_recorded_replay (options, &setup, alerts, &report);
  else
    status = run_simulated_replay (options, &setup, alerts, &report);
  if (status != 0)
    return status;

  if (alerts != NULL && !write_text (options->alerts, alerts->str, &error))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_FAILED;
    }
  output = options->json ? pm_eval_report_to_json (&report) : pm_eval_report_to_table (&report);
  fputs (output, stdout);
  if (options->json)
    fputc ('\n', stdout);
  return 0;
}

int
pm_eval_main (int    argc,
              char **argv)
{
  g_auto(PmEvalOptions) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autofree char *command = NULL;
  PmAnomalyParams params;

  /* Quoted in reports, so that a reader can run it again. */
  {
    GString *line = g_string_new ("premirror-eval");

    for (int i = 1; i < argc; i++)
      {
        g_autofree char *quoted = g_shell_quote (argv[i]);

        g_string_append_printf (line, " %s", strpbrk (argv[i], " '\"\\$`") != NULL
                                               ? quoted : argv[i]);
      }
    command = g_string_free (line, FALSE);
  }
  if (!pm_eval_options_parse (&options, &argc, &argv, &error))
    {
      fprintf (stderr, "premirror-eval: %s (see --help)\n", error->message);
      return PM_EVAL_EXIT_USAGE;
    }
  if (options.version)
    {
      printf ("premirror-eval %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (argc > 1)
    {
      fprintf (stderr, "premirror-eval: unexpected argument “%s” (see --help)\n", argv[1]);
      return PM_EVAL_EXIT_USAGE;
    }
  if (!pm_eval_options_check (&options, &params, &error))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_USAGE;
    }

  if (pm_eval_options_is_replay (&options))
    return run_replay (&options, command);

  if (options.anomaly_scores != NULL)
    {
      if (!pm_eval_anomaly_scores (options.anomaly_scores, &params, stdout, stderr, &error))
        {
          fprintf (stderr, "premirror-eval: %s\n", error->message);
          return PM_EVAL_EXIT_FAILED;
        }
      return 0;
    }

  {
    PmEvalNabOptions nab = { NULL, options.nab_threshold, NULL, options.json };
    g_auto(GStrv) tuning = NULL;

    if (options.nab_files != NULL)
      {
        files = g_strsplit (options.nab_files, ",", -1);
        for (guint i = 0; files[i] != NULL; i++)
          g_strstrip (files[i]);
        nab.files = (const char *const *) files;
      }
    if (g_strcmp0 (options.nab_tuning_files, "default") == 0)
      {
        nab.tuning_files = pm_anomaly_nab_tuning_files;
      }
    else if (options.nab_tuning_files != NULL)
      {
        tuning = g_strsplit (options.nab_tuning_files, ",", -1);
        for (guint i = 0; tuning[i] != NULL; i++)
          g_strstrip (tuning[i]);
        nab.tuning_files = (const char *const *) tuning;
      }
    if (!pm_eval_nab (options.nab, &params, &nab, stdout, &error))
      {
        fprintf (stderr, "premirror-eval: %s\n", error->message);
        return PM_EVAL_EXIT_FAILED;
      }
  }
  return 0;
}
