/* pm-eval-anomaly.c: premirror-eval's anomaly commands.
 *
 * --anomaly-scores streams a series through one detector and copies each row's timestamp and
 * value text unchanged, so the output lines up with the input in any tool (NAB's results
 * format). --nab runs a fresh detector per file, exactly as NAB runs a detector, and scores the
 * folder with NAB's rules; the JSON output carries everything needed to recompute the
 * normalised figures (raw, null and perfect scores, threshold, counts, per-file raw scores).
 * NAB optimises each profile's threshold on the very files it reports; to report files held out
 * from tuning, take the threshold from a run on the tuning files and pass it with
 * --nab-threshold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-eval-anomaly.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "predict/pm-nab-corpus.h"
#include "predict/pm-value-csv.h"

static const char *
flag_reason (PmAnomalyFlags flags)
{
  if (flags & PM_ANOMALY_FLAG_MISSING)
    return "missing value";
  if (flags & PM_ANOMALY_FLAG_NOT_FINITE)
    return "value or time not finite";
  if (flags & PM_ANOMALY_FLAG_OUT_OF_ORDER)
    return "timestamp before the previous row's";
  return "not scored";
}

gboolean
pm_eval_anomaly_scores (const char            *csv_path,
                        const PmAnomalyParams *params,
                        FILE                  *out,
                        FILE                  *warnings,
                        GError               **error)
{
  g_autoptr(PmValueSeries) series = NULL;
  g_autoptr(PmAnomalyDetector) detector = NULL;

  g_return_val_if_fail (csv_path != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  series = pm_value_series_load_file (csv_path, error);
  if (series == NULL)
    return FALSE;

  detector = pm_anomaly_detector_new (params);
  fputs ("timestamp,value,anomaly_score\n", out);
  for (guint i = 0; i < series->n_rows; i++)
    {
      double score = pm_anomaly_detector_update (detector, series->times_s[i],
                                                 series->values[i]);

      if (isnan (score))
        {
          /* An empty field is Premirror's "no data": never a number that could read as safe. */
          fprintf (out, "%s,%s,\n", series->timestamps[i], series->texts[i]);
          if (warnings != NULL)
            fprintf (warnings, "%s:%u: not scored: %s\n", csv_path, series->lines[i],
                     flag_reason (pm_anomaly_detector_get_flags (detector)));
        }
      else
        fprintf (out, "%s,%s,%.9f\n", series->timestamps[i], series->texts[i], score);
    }
  if (fflush (out) != 0 || ferror (out))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write the scores of %s",
                   csv_path);
      return FALSE;
    }
  return TRUE;
}

static void
add_number (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
build_profile_json (JsonBuilder        *builder,
                    PmNabScorer        *scorer,
                    const PmNabProfile *profile,
                    const PmNabResult  *result)
{
  json_builder_set_member_name (builder, profile->name);
  json_builder_begin_object (builder);
  add_number (builder, "score", result->normalised);
  add_number (builder, "threshold", result->threshold);
  add_number (builder, "raw", result->raw);
  add_number (builder, "null_raw", result->null_raw);
  add_number (builder, "perfect_raw", result->perfect_raw);
  add_int (builder, "windows", result->windows);
  add_int (builder, "detected", result->detected);
  add_int (builder, "false_positives", result->false_positives);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_object (builder);
  for (guint f = 0; f < pm_nab_scorer_get_n_files (scorer); f++)
    {
      PmNabResult file_result;

      pm_nab_scorer_score_file_at (scorer, f, profile, result->threshold, &file_result);
      json_builder_set_member_name (builder, pm_nab_scorer_get_file_name (scorer, f));
      json_builder_begin_object (builder);
      add_number (builder, "raw", file_result.raw);
      add_int (builder, "windows", file_result.windows);
      add_int (builder, "detected", file_result.detected);
      add_int (builder, "false_positives", file_result.false_positives);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

gboolean
pm_eval_nab (const char             *dir,
             const PmAnomalyParams  *params,
             const PmEvalNabOptions *options,
             FILE                   *out,
             GError                **error)
{
  g_autoptr(PmNabCorpus) corpus = NULL;
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autoptr(GArray) results = g_array_new (FALSE, FALSE, sizeof (PmNabResult));
  guint n_files, n_profiles, n_windows = 0;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  corpus = pm_nab_corpus_load (dir, options->files, error);
  if (corpus == NULL)
    return FALSE;
  n_files = pm_nab_corpus_get_n_files (corpus);
  n_profiles = pm_nab_corpus_get_n_profiles (corpus);

  for (guint f = 0; f < n_files; f++)
    {
      const PmNabCorpusFile *file = pm_nab_corpus_get_file (corpus, f);
      g_autoptr(PmAnomalyDetector) detector = pm_anomaly_detector_new (params);
      g_autofree double *scores = g_new (double, MAX (file->series->n_rows, 1));

      for (guint i = 0; i < file->series->n_rows; i++)
        scores[i] = pm_anomaly_detector_update (detector, file->series->times_s[i],
                                                file->series->values[i]);
      if (!pm_nab_scorer_add_file (scorer, file->name, scores, file->series->n_rows,
                                   (const PmNabWindow *) (const void *) file->windows->data,
                                   file->windows->len, error))
        return FALSE;
      n_windows += file->windows->len;
    }

  for (guint k = 0; k < n_profiles; k++)
    {
      PmNabResult result;

      if (isnan (options->threshold))
        pm_nab_scorer_optimise (scorer, pm_nab_corpus_get_profile (corpus, k), &result);
      else
        pm_nab_scorer_score_at (scorer, pm_nab_corpus_get_profile (corpus, k),
                                options->threshold, &result);
      g_array_append_val (results, result);
    }

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "corpus");
      json_builder_add_string_value (builder, dir);
      json_builder_set_member_name (builder, "threshold_optimised");
      json_builder_add_boolean_value (builder, isnan (options->threshold));
      json_builder_set_member_name (builder, "files");
      json_builder_begin_array (builder);
      for (guint f = 0; f < n_files; f++)
        json_builder_add_string_value (builder, pm_nab_corpus_get_file (corpus, f)->name);
      json_builder_end_array (builder);
      add_int (builder, "windows", n_windows);
      json_builder_set_member_name (builder, "profiles");
      json_builder_begin_object (builder);
      for (guint k = 0; k < n_profiles; k++)
        build_profile_json (builder, scorer, pm_nab_corpus_get_profile (corpus, k),
                            &g_array_index (results, PmNabResult, k));
      json_builder_end_object (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      json_generator_set_indent (generator, 2);
      text = json_generator_to_data (generator, NULL);
      fprintf (out, "%s\n", text);
    }
  else
    {
      fprintf (out, "NAB corpus %s: %u files, %u windows, threshold %s\n", dir, n_files,
               n_windows, isnan (options->threshold) ? "optimised per profile" : "fixed");
      fprintf (out, "%-20s %7s %11s %9s %7s\n", "profile", "score", "threshold", "detected",
               "false+");
      for (guint k = 0; k < n_profiles; k++)
        {
          const PmNabResult *r = &g_array_index (results, PmNabResult, k);
          g_autofree char *detected = g_strdup_printf ("%u/%u", r->detected, r->windows);

          /* Nine decimals, as the scores are written: the threshold chosen on some files can be
           * passed back exactly (--nab-threshold) to score others. */
          fprintf (out, "%-20s %7.2f %11.9f %9s %7u\n",
                   pm_nab_corpus_get_profile (corpus, k)->name, r->normalised, r->threshold,
                   detected, r->false_positives);
        }
    }
  if (fflush (out) != 0 || ferror (out))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write the NAB report");
      return FALSE;
    }
  return TRUE;
}
