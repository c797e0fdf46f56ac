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

#include "pm-eval-anomaly.h"

void
pm_eval_options_clear (PmEvalOptions *options)
{
  g_clear_pointer (&options->topology, g_free);
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
    { "topology", 0, 0, G_OPTION_ARG_FILENAME, &options->topology,
      "Network topology (GeoJSON)", "FILE" },
    { "resources", 0, 0, G_OPTION_ARG_FILENAME, &options->resources,
      "Resources and policies (JSON)", "FILE" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &options->source,
      "Metric source to replay: sim:?seed=N…, csv:FILE, prometheus:URL", "URI" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &options->seed,
      "Short for --source sim:?seed=N", "N" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options->from,
      "Start of the replay (unix seconds or RFC 3339)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options->to,
      "End of the replay (unix seconds or RFC 3339)", "T" },
    { "truth", 0, 0, G_OPTION_ARG_FILENAME, &options->truth,
      "Ground-truth partitions (JSON)", "FILE" },
    { "days", 0, 0, G_OPTION_ARG_STRING, &options->days, "Days to simulate", "N" },
    { "horizon", 0, 0, G_OPTION_ARG_STRING, &options->horizon,
      "Prediction horizon", "SECONDS" },
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
                                "This build provides the degradation detector's evaluations: "
                                "--anomaly-scores and --nab.");
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
    { "--topology", options->topology != NULL },
    { "--resources", options->resources != NULL },
    { "--source", options->source != NULL },
    { "--seed", options->seed != NULL },
    { "--from", options->from != NULL },
    { "--to", options->to != NULL },
    { "--truth", options->truth != NULL },
    { "--days", options->days != NULL },
    { "--horizon", options->horizon != NULL },
    { "--alerts", options->alerts != NULL },
    { "--export", options->export_dir != NULL },
    { "--e2e", options->e2e },
    { "--report", options->report_dir != NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    if (later[i].given)
      return usage_error (error,
                          "%s is not available yet: this build evaluates the degradation "
                          "detector only (--anomaly-scores CSV or --nab DIR)", later[i].name);

  if (options->anomaly_scores != NULL && options->nab != NULL)
    return usage_error (error, "give either --anomaly-scores or --nab, not both");
  if (options->anomaly_scores == NULL && options->nab == NULL)
    return usage_error (error, "nothing to do: give --anomaly-scores CSV or --nab DIR "
                        "(scenario replay is not available yet)");
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
