/* pm-eval-anomaly.c: premirror-eval's anomaly commands.
 *
 * --anomaly-scores streams a series through one detector and copies each row's timestamp and
 * value text unchanged, so the output lines up with the input in any tool (NAB's results
 * format). --nab runs a fresh detector per file, exactly as NAB runs a detector, and scores the
 * folder with NAB's rules; the JSON output carries everything needed to recompute the
 * normalised figures (raw, null and perfect scores, threshold, counts, per-file raw scores).
 * NAB optimises each profile's threshold on the very files it reports; to report files held out
 * from tuning, --nab-tuning-files optimises it on the tuning files alone and scores the others
 * (and all of them) at it, or pass a threshold fixed elsewhere with --nab-threshold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-eval-anomaly.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "model/pm-json-private.h"
#include "predict/pm-nab-corpus.h"
#include "predict/pm-value-csv.h"
#include "route/pm-api-json.h"

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
  pm_api_json_add_number (builder, "score", result->normalised);
  pm_api_json_add_number (builder, "threshold", result->threshold);
  pm_api_json_add_number (builder, "raw", result->raw);
  pm_api_json_add_number (builder, "null_raw", result->null_raw);
  pm_api_json_add_number (builder, "perfect_raw", result->perfect_raw);
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
      pm_api_json_add_number (builder, "raw", file_result.raw);
      add_int (builder, "windows", file_result.windows);
      add_int (builder, "detected", file_result.detected);
      add_int (builder, "false_positives", file_result.false_positives);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static gboolean
names_file (const char *const *names,
            const char        *key)
{
  g_autofree char *base = g_path_get_basename (key);

  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], key) == 0 || g_strcmp0 (names[i], base) == 0)
      return TRUE;
  return FALSE;
}

/* One figure per group of a tuned report. */
typedef struct
{
  double threshold;
  double tuning;
  double held_out;
  double all;
  double all_optimised;  /* NAB's own way: the threshold fitted to all the files it scores */
} TunedFigures;

/* Splits the scored files into the tuning ones and the others; every tuning name must be one
 * of the files, and both groups must be non-empty. */
static gboolean
split_tuning (PmNabCorpus       *corpus,
              const char *const *tuning_files,
              gboolean          *is_tuning,
              GError           **error)
{
  guint n_files = pm_nab_corpus_get_n_files (corpus);
  guint n_tuning = 0;

  for (guint i = 0; tuning_files[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint f = 0; f < n_files && !found; f++)
        {
          const char *const one[] = { tuning_files[i], NULL };
          found = names_file (one, pm_nab_corpus_get_file (corpus, f)->name);
        }
      if (!found)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "--nab-tuning-files: “%s” is not one of the scored files", tuning_files[i]);
          return FALSE;
        }
    }
  for (guint f = 0; f < n_files; f++)
    {
      is_tuning[f] = names_file (tuning_files, pm_nab_corpus_get_file (corpus, f)->name);
      n_tuning += is_tuning[f];
    }
  if (n_tuning == 0 || n_tuning == n_files)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--nab-tuning-files: the tuning files must be some of the scored files, "
                   "not %s", n_tuning == 0 ? "none" : "all");
      return FALSE;
    }
  return TRUE;
}

static void
score_tuned (PmNabScorer        *all,
             PmNabScorer        *tuning,
             PmNabScorer        *held_out,
             const PmNabProfile *profile,
             TunedFigures       *out)
{
  PmNabResult result;

  pm_nab_scorer_optimise (tuning, profile, &result);
  out->threshold = result.threshold;
  out->tuning = result.normalised;
  pm_nab_scorer_score_at (held_out, profile, out->threshold, &result);
  out->held_out = result.normalised;
  pm_nab_scorer_score_at (all, profile, out->threshold, &result);
  out->all = result.normalised;
  pm_nab_scorer_optimise (all, profile, &result);
  out->all_optimised = result.normalised;
}

static void
print_tuned (FILE               *out,
             PmNabCorpus        *corpus,
             const gboolean     *is_tuning,
             const TunedFigures *figures,
             gboolean            json)
{
  guint n_files = pm_nab_corpus_get_n_files (corpus);
  guint n_profiles = pm_nab_corpus_get_n_profiles (corpus);
  guint n_tuning = 0;

  for (guint f = 0; f < n_files; f++)
    n_tuning += is_tuning[f];
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      for (guint group = 0; group < 2; group++)
        {
          json_builder_set_member_name (builder, group == 0 ? "tuning_files" : "held_out_files");
          json_builder_begin_array (builder);
          for (guint f = 0; f < n_files; f++)
            if (is_tuning[f] == (group == 0))
              json_builder_add_string_value (builder, pm_nab_corpus_get_file (corpus, f)->name);
          json_builder_end_array (builder);
        }
      json_builder_set_member_name (builder, "profiles");
      json_builder_begin_object (builder);
      for (guint k = 0; k < n_profiles; k++)
        {
          json_builder_set_member_name (builder, pm_nab_corpus_get_profile (corpus, k)->name);
          json_builder_begin_object (builder);
          pm_api_json_add_number (builder, "threshold", figures[k].threshold);
          pm_api_json_add_number (builder, "tuning", figures[k].tuning);
          pm_api_json_add_number (builder, "held_out", figures[k].held_out);
          pm_api_json_add_number (builder, "all", figures[k].all);
          pm_api_json_add_number (builder, "all_optimised", figures[k].all_optimised);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      text = _pm_json_builder_to_text (builder);
      fprintf (out, "%s\n", text);
      return;
    }
  fprintf (out, "NAB: threshold optimised on %u tuning files, %u held out\n", n_tuning,
           n_files - n_tuning);
  for (guint f = 0; f < n_files; f++)
    fprintf (out, "  %-9s %s\n", is_tuning[f] ? "tuning" : "held out",
             pm_nab_corpus_get_file (corpus, f)->name);
  fprintf (out, "%-20s %11s %8s %9s %8s %15s\n", "profile", "threshold", "tuning", "held out",
           "all", "all (own thr.)");
  for (guint k = 0; k < n_profiles; k++)
    fprintf (out, "%-20s %11.9f %8.2f %9.2f %8.2f %15.2f\n",
             pm_nab_corpus_get_profile (corpus, k)->name, figures[k].threshold,
             figures[k].tuning, figures[k].held_out, figures[k].all, figures[k].all_optimised);
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
  g_autoptr(GPtrArray) file_scores = g_ptr_array_new_with_free_func (g_free);
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
      double *scores = g_new (double, MAX (file->series->n_rows, 1));

      g_ptr_array_add (file_scores, scores);
      for (guint i = 0; i < file->series->n_rows; i++)
        scores[i] = pm_anomaly_detector_update (detector, file->series->times_s[i],
                                                file->series->values[i]);
      if (!pm_nab_scorer_add_file (scorer, file->name, scores, file->series->n_rows,
                                   (const PmNabWindow *) (const void *) file->windows->data,
                                   file->windows->len, error))
        return FALSE;
      n_windows += file->windows->len;
    }

  if (options->tuning_files != NULL)
    {
      g_autofree gboolean *is_tuning = g_new0 (gboolean, MAX (n_files, 1));
      g_autofree TunedFigures *figures = g_new0 (TunedFigures, MAX (n_profiles, 1));
      g_autoptr(PmNabScorer) tuning = pm_nab_scorer_new ();
      g_autoptr(PmNabScorer) held_out = pm_nab_scorer_new ();

      if (!split_tuning (corpus, options->tuning_files, is_tuning, error))
        return FALSE;
      for (guint f = 0; f < n_files; f++)
        {
          const PmNabCorpusFile *file = pm_nab_corpus_get_file (corpus, f);

          if (!pm_nab_scorer_add_file (is_tuning[f] ? tuning : held_out, file->name,
                                       g_ptr_array_index (file_scores, f),
                                       file->series->n_rows,
                                       (const PmNabWindow *) (const void *) file->windows->data,
                                       file->windows->len, error))
            return FALSE;
        }
      for (guint k = 0; k < n_profiles; k++)
        score_tuned (scorer, tuning, held_out, pm_nab_corpus_get_profile (corpus, k), &figures[k]);
      print_tuned (out, corpus, is_tuning, figures, options->json);
      if (fflush (out) != 0 || ferror (out))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write the NAB report");
          return FALSE;
        }
      return TRUE;
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
