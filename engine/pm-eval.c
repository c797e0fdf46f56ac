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

#include "pm-demo.h"
#include "pm-eval-anomaly.h"
#include "pm-eval-replay.h"
#include "predict/pm-predictor.h"

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
  g_clear_pointer (&options->days, g_free);
  g_clear_pointer (&options->horizon, g_free);
  g_clear_pointer (&options->alerts, g_free);
  g_clear_pointer (&options->export_dir, g_free);
  g_clear_pointer (&options->report_dir, g_free);
  g_clear_pointer (&options->anomaly_scores, g_free);
  g_clear_pointer (&options->nab, g_free);
  g_clear_pointer (&options->nab_files, g_free);
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
      "Metric source to replay: sim:?seed=N…, csv:FILE, prometheus:URL", "URI" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &options->seed,
      "Short for --source sim:?seed=N", "N" },
    { "seeds", 0, 0, G_OPTION_ARG_STRING, &options->seeds,
      "Replay these simulator seeds and pool the results", "A-B,C,…" },
    { "tune-seeds", 0, 0, G_OPTION_ARG_STRING, &options->tune_seeds,
      "Seeds (below 1000) on which the baselines' thresholds are tuned (default "
      PM_EVAL_DEFAULT_TUNE_SEEDS ")", "A-B,C,…" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options->from,
      "Start of the replay (unix seconds or RFC 3339)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options->to,
      "End of the replay (unix seconds or RFC 3339)", "T" },
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &options->truth,
      "Ground-truth partitions (JSON)", "FILE" },
    { "days", 0, 0, G_OPTION_ARG_STRING, &options->days, "Days to score (default 7), after a day of history", "N" },
    { "horizon", 0, 0, G_OPTION_ARG_STRING, &options->horizon,
      "Prediction horizon (default 1800)", "SECONDS" },
    { "alerts", 0, 0, G_OPTION_ARG_FILENAME, &options->alerts,
      "Write every segment alert as JSON lines", "FILE" },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, &options->export_dir,
      "Write the scenario (metrics, truth, calendars, alerts)", "DIR" },
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
                                "sim:…) against the baselines, and evaluates the degradation "
                                "detector (--anomaly-scores, --nab).");
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
  const struct
  {
    const char *name;
    gboolean    given;
  } later[] = {
    { "--resources", options->resources != NULL },
    { "--from", options->from != NULL },
    { "--to", options->to != NULL },
    { "--export", options->export_dir != NULL },
    { "--e2e", options->e2e },
    { "--report", options->report_dir != NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    if (later[i].given)
      return usage_error (error,
                          "%s is not available yet: this build replays simulator scenarios "
                          "and evaluates the degradation detector (--anomaly-scores CSV or "
                          "--nab DIR)", later[i].name);

  if (pm_eval_options_is_replay (options))
    {
      if (options->anomaly_scores != NULL || options->nab != NULL)
        return usage_error (error, "--%s evaluates the degradation detector, not a scenario: "
                            "give it without the replay options",
                            options->nab != NULL ? "nab" : "anomaly-scores");
      if (options->nab_files != NULL || !isnan (options->nab_threshold)
          || options->detector_params != NULL)
        return usage_error (error, "--nab-files, --nab-threshold and --detector-param apply to "
                            "--nab and --anomaly-scores, not to a scenario replay");
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
         || options->days != NULL || options->horizon != NULL || options->alerts != NULL;
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

/* Builds the scenarios from the options; FALSE with a usage error. */
static gboolean
replay_setup (const PmEvalOptions *options,
              PmSimulatorConfig   *sim,
              GArray              *seeds,
              GArray              *tune_seeds,
              guint64             *days,
              guint64             *horizon_s,
              GError             **error)
{
  *sim = (PmSimulatorConfig) { PM_SIMULATOR_DEFAULT_SEED, PM_SIMULATOR_DEFAULT_SPEED,
                               PM_SIMULATOR_DEFAULT_START };
  *days = PM_EVAL_DEFAULT_DAYS;
  *horizon_s = PM_PREDICTOR_DEFAULT_HORIZON_S;

  if (options->seed != NULL && options->source != NULL)
    return usage_error (error, "give either --seed N or --source URI, not both "
                        "(--seed N is short for --source sim:?seed=N)");
  if (options->seeds != NULL && (options->seed != NULL || options->source != NULL))
    return usage_error (error, "--seeds replays several simulator scenarios: give it without "
                        "--seed or --source");
  if (options->source != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_str_has_prefix (options->source, "sim:"))
        return usage_error (error, "--source %s is not available yet: this build replays the "
                            "simulator only (sim:?seed=N…)", options->source);
      if (!pm_simulator_parse_uri (options->source, sim, &local_error))
        return usage_error (error, "--source: %s", local_error->message);
    }
  if (options->seed != NULL
      && !parse_count ("--seed", options->seed, 0, G_MAXUINT64, &sim->seed, error))
    return FALSE;
  if (options->seeds != NULL)
    {
      if (!parse_seed_list ("--seeds", options->seeds, seeds, error))
        return FALSE;
    }
  else
    g_array_append_val (seeds, sim->seed);
  if (!parse_seed_list ("--tune-seeds",
                        options->tune_seeds != NULL ? options->tune_seeds
                                                    : PM_EVAL_DEFAULT_TUNE_SEEDS,
                        tune_seeds, error))
    return FALSE;
  for (guint i = 0; i < tune_seeds->len; i++)
    if (g_array_index (tune_seeds, guint64, i) >= PM_EVAL_HELD_OUT_SEED)
      return usage_error (error, "--tune-seeds: seed %" G_GUINT64_FORMAT " is held out for "
                          "evaluation; tune on seeds below %d",
                          g_array_index (tune_seeds, guint64, i), PM_EVAL_HELD_OUT_SEED);
  if (options->days != NULL && !parse_count ("--days", options->days, 1, 366, days, error))
    return FALSE;
  if (options->horizon != NULL
      && !parse_count ("--horizon", options->horizon, 60, 7 * 86400, horizon_s, error))
    return FALSE;
  if (options->truth != NULL
      && (seeds->len > 1 || (options->topologies != NULL && g_strv_length (options->topologies) > 1)))
    return usage_error (error, "--truth describes one scenario: give it with one topology and "
                        "one seed");
  return TRUE;
}

static int
run_replay (const PmEvalOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) tune_seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GString) alerts = NULL;
  g_auto(PmEvalReport) report = { 0 };
  g_autofree char *output = NULL;
  PmSimulatorConfig sim;
  guint64 days, horizon_s;
  guint n_topologies;

  if (!replay_setup (options, &sim, seeds, tune_seeds, &days, &horizon_s, &error))
    {
      fprintf (stderr, "premirror-eval: %s\n", error->message);
      return PM_EVAL_EXIT_USAGE;
    }
  if (options->alerts != NULL)
    alerts = g_string_new (NULL);
  pm_eval_report_init (&report);

  n_topologies = options->topologies != NULL ? g_strv_length (options->topologies) : 1;
  for (guint t = 0; t < n_topologies; t++)
    {
      g_autoptr(PmTopology) topology = NULL;
      g_autoptr(GArray) truth = NULL;
      double thresholds[PM_EVAL_N_METHODS];
      PmEvalScenario scenario;

      if (options->topologies != NULL)
        topology = pm_topology_new_from_file (options->topologies[t], &error);
      else
        topology = pm_demo_load_topology (&error);
      if (topology == NULL)
        goto failed;
      if (options->truth != NULL)
        {
          truth = pm_truth_load_file (topology, options->truth, &error);
          if (truth == NULL)
            goto failed;
        }
      scenario = (PmEvalScenario) { topology, sim, truth, (int) days, (gint64) horizon_s };
      if (!pm_eval_replay_tune (&scenario, (const guint64 *) (gpointer) tune_seeds->data,
                                tune_seeds->len, thresholds, &error))
        goto failed;
      pm_eval_report_add_thresholds (&report, pm_topology_get_name (topology), thresholds);
      for (guint i = 0; i < seeds->len; i++)
        if (!pm_eval_replay_run (&scenario, g_array_index (seeds, guint64, i), thresholds,
                                 &report, alerts, &error))
          goto failed;
    }

  if (alerts != NULL && !write_text (options->alerts, alerts->str, &error))
    goto failed;
  output = options->json ? pm_eval_report_to_json (&report) : pm_eval_report_to_table (&report);
  fputs (output, stdout);
  if (options->json)
    fputc ('\n', stdout);
  return 0;

failed:
  fprintf (stderr, "premirror-eval: %s\n", error->message);
  return PM_EVAL_EXIT_FAILED;
}

int
pm_eval_main (int    argc,
              char **argv)
{
  g_auto(PmEvalOptions) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  PmAnomalyParams params;

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
    return run_replay (&options);

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
    PmEvalNabOptions nab = { NULL, options.nab_threshold, options.json };

    if (options.nab_files != NULL)
      {
        files = g_strsplit (options.nab_files, ",", -1);
        for (guint i = 0; files[i] != NULL; i++)
          g_strstrip (files[i]);
        nab.files = (const char *const *) files;
      }
    if (!pm_eval_nab (options.nab, &params, &nab, stdout, &error))
      {
        fprintf (stderr, "premirror-eval: %s\n", error->message);
        return PM_EVAL_EXIT_FAILED;
      }
  }
  return 0;
}
