/* test-nab.c: NAB's scoring rules on hand-computed examples, the threshold sweep against brute
 * force, the corpus loader's errors, and the null (0) and perfect (100) detectors on the real
 * NAB AWS data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pm-test-util.h"
#include "predict/pm-nab-corpus.h"
#include "predict/pm-nab.h"

static const PmNabProfile standard = { "standard", 1.0, 0.11, 1.0 };
static const PmNabProfile low_fp = { "reward_low_FP_rate", 1.0, 0.22, 1.0 };
static const PmNabProfile low_fn = { "reward_low_FN_rate", 1.0, 0.11, 2.0 };

static void
test_nab_sigmoid (void)
{
  g_assert_cmpfloat_with_epsilon (pm_nab_scaled_sigmoid (-1.0), 0.98661429815143, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_nab_scaled_sigmoid (-0.5), 0.84828363995751, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_nab_scaled_sigmoid (0.0), 0.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (pm_nab_scaled_sigmoid (1.0), -0.98661429815143, 1e-12);
  g_assert_cmpfloat (pm_nab_scaled_sigmoid (3.0), ==, -1.0);
  g_assert_cmpfloat (pm_nab_scaled_sigmoid (50.0), ==, -1.0);
}

static void
test_nab_probation (void)
{
  g_assert_cmpuint (pm_nab_probation_rows (100), ==, 15);
  g_assert_cmpuint (pm_nab_probation_rows (1243), ==, 186);
  g_assert_cmpuint (pm_nab_probation_rows (4032), ==, 604);
  g_assert_cmpuint (pm_nab_probation_rows (10000), ==, 750);
}

/* 100 rows (15 in probation), one window on rows 40–59, a detection at the window's left edge
 * and one at row 80. By hand: the true positive is worth σ(-1)/σ(-1) = 1; the false positive
 * lies (80 - 59)/(20 - 1) = 1.105 window widths past the window: σ(1.105) = -0.99207, times
 * fp_weight 0.11 = -0.10913. Raw 0.89087; null -1, perfect 1: normalised 94.544. */
static double *
tiny_scores (void)
{
  double *scores = g_new0 (double, 100);

  scores[40] = 1.0;
  scores[80] = 1.0;
  return scores;
}

static const PmNabWindow tiny_window = { 40, 59 };

static void
test_nab_hand_example (void)
{
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autofree double *scores = tiny_scores ();
  g_autoptr(GError) error = NULL;
  PmNabResult result;

  pm_nab_scorer_add_file (scorer, "tiny.csv", scores, 100, &tiny_window, 1, &error);
  g_assert_no_error (error);

  pm_nab_scorer_optimise (scorer, &standard, &result);
  g_assert_cmpfloat (result.threshold, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (result.raw, 0.8908722659012211, 1e-12);
  g_assert_cmpfloat_with_epsilon (result.raw, 1.0 + 0.11 * pm_nab_scaled_sigmoid (21.0 / 19.0),
                                  1e-12);
  g_assert_cmpfloat (result.null_raw, ==, -1.0);
  g_assert_cmpfloat (result.perfect_raw, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (result.normalised, 94.54361329506106, 1e-9);
  g_assert_cmpuint (result.windows, ==, 1);
  g_assert_cmpuint (result.detected, ==, 1);
  g_assert_cmpuint (result.false_positives, ==, 1);

  pm_nab_scorer_optimise (scorer, &low_fp, &result);
  g_assert_cmpfloat_with_epsilon (result.normalised, 89.08722659012211, 1e-9);
  pm_nab_scorer_optimise (scorer, &low_fn, &result);
  g_assert_cmpfloat (result.null_raw, ==, -2.0);
  g_assert_cmpfloat_with_epsilon (result.normalised, 96.36240886337403, 1e-9);

  /* Above every score: the null detector's score. */
  pm_nab_scorer_score_at (scorer, &standard, PM_NAB_THRESHOLD_NONE, &result);
  g_assert_cmpfloat (result.raw, ==, -1.0);
  g_assert_cmpfloat (result.normalised, ==, 0.0);
}

static void
test_nab_first_detection_counts (void)
{
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autofree double *scores = g_new0 (double, 100);
  PmNabResult result;

  /* Two detections in the window: only the earlier one (the middle, y = -0.5) counts; a later
   * one neither adds nor costs. */
  scores[50] = 1.0;
  scores[55] = 1.0;
  pm_nab_scorer_add_file (scorer, "tiny.csv", scores, 100, &tiny_window, 1, NULL);
  pm_nab_scorer_score_at (scorer, &standard, 0.5, &result);
  g_assert_cmpfloat_with_epsilon (result.raw, 0.8597925669097837, 1e-12);
  g_assert_cmpuint (result.false_positives, ==, 0);
}

static void
test_nab_false_positives (void)
{
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autofree double *scores = g_new0 (double, 100);
  PmNabResult result;

  scores[5] = 1.0;  /* in probation: not scored */
  scores[20] = 1.0; /* before any window: the full -fp_weight */
  scores[60] = 1.0; /* just after the window: almost forgiven */
  pm_nab_scorer_add_file (scorer, "tiny.csv", scores, 100, &tiny_window, 1, NULL);
  pm_nab_scorer_score_at (scorer, &standard, 1.0, &result);
  g_assert_cmpuint (result.false_positives, ==, 2);
  g_assert_cmpfloat_with_epsilon (result.raw,
                                  -1.0 - 0.11 + 0.11 * pm_nab_scaled_sigmoid (1.0 / 19.0),
                                  1e-12);
}

static void
test_nab_nan_is_a_detection (void)
{
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autofree double *scores = g_new0 (double, 100);
  PmNabResult result;

  scores[20] = NAN;
  pm_nab_scorer_add_file (scorer, "tiny.csv", scores, 100, &tiny_window, 1, NULL);
  pm_nab_scorer_optimise (scorer, &standard, &result);
  g_assert_cmpuint (result.false_positives, ==, 1);
  g_assert_cmpfloat_with_epsilon (result.raw, -1.11, 1e-12);
}

static void
test_nab_bad_windows (void)
{
  g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
  g_autofree double *scores = g_new0 (double, 10);
  const PmNabWindow past_end = { 5, 10 };
  const PmNabWindow overlapping[] = { { 2, 5 }, { 5, 7 } };
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_nab_scorer_add_file (scorer, "a.csv", scores, 10, &past_end, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "a.csv"));
  g_assert_nonnull (strstr (error->message, "window 0"));
  g_clear_error (&error);
  g_assert_false (pm_nab_scorer_add_file (scorer, "b.csv", scores, 10, overlapping, 2, &error));
  g_assert_nonnull (strstr (error->message, "window 1"));
  g_assert_cmpuint (pm_nab_scorer_get_n_files (scorer), ==, 0);
}

/* The O(n log n) sweep must find the same optimum as trying every threshold. */
static void
test_nab_sweep_matches_brute_force (void)
{
  for (guint32 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(PmNabScorer) scorer = pm_nab_scorer_new ();
      g_autoptr(GArray) thresholds = g_array_new (FALSE, FALSE, sizeof (double));
      PmNabResult swept, tried;
      double best = -INFINITY;

      for (guint f = 0; f < 3; f++)
        {
          guint n = 300 + 100 * f;
          g_autofree double *scores = g_new (double, n);
          PmNabWindow windows[2] = { { 100, 130 }, { 200 + 50 * f, 240 + 50 * f } };

          for (guint i = 0; i < n; i++)
            {
              /* Coarse values so that many rows tie, as detector outputs do. */
              scores[i] = floor (g_rand_double (rand) * 40) / 40;
              g_array_append_val (thresholds, scores[i]);
            }
          pm_nab_scorer_add_file (scorer, "f.csv", scores, n, windows, 2, NULL);
        }

      pm_nab_scorer_optimise (scorer, &standard, &swept);
      for (guint i = 0; i < thresholds->len; i++)
        {
          pm_nab_scorer_score_at (scorer, &standard, g_array_index (thresholds, double, i),
                                  &tried);
          best = MAX (best, tried.raw);
        }
      pm_nab_scorer_score_at (scorer, &standard, PM_NAB_THRESHOLD_NONE, &tried);
      best = MAX (best, tried.raw);
      g_assert_cmpfloat_with_epsilon (swept.raw, best, 1e-9);
    }
}

static PmNabCorpus *
load_real_corpus (void)
{
  g_autofree char *dir = pm_test_shared_data_path ("nab-aws");
  g_autoptr(GError) error = NULL;
  PmNabCorpus *corpus;

  if (dir == NULL)
    return NULL;
  corpus = pm_nab_corpus_load (dir, NULL, &error);
  g_assert_no_error (error);
  return corpus;
}

/* The normalisation's two anchors on the real data: a detector that never fires scores 0, one
 * that fires exactly at each window's left edge scores 100, in every profile. */
static void
test_nab_real_null_and_perfect (void)
{
  g_autoptr(PmNabCorpus) corpus = load_real_corpus ();
  g_autoptr(PmNabScorer) null_scorer = pm_nab_scorer_new ();
  g_autoptr(PmNabScorer) perfect_scorer = pm_nab_scorer_new ();
  guint n_windows = 0;

  if (corpus == NULL)
    return;
  g_assert_cmpuint (pm_nab_corpus_get_n_files (corpus), ==, 17);
  g_assert_cmpuint (pm_nab_corpus_get_n_profiles (corpus), ==, 3);
  g_assert_cmpstr (pm_nab_corpus_get_profile (corpus, 0)->name, ==, "standard");
  g_assert_cmpfloat (pm_nab_corpus_get_profile (corpus, 0)->fp_weight, ==, 0.11);

  for (guint f = 0; f < pm_nab_corpus_get_n_files (corpus); f++)
    {
      const PmNabCorpusFile *file = pm_nab_corpus_get_file (corpus, f);
      guint n = file->series->n_rows;
      g_autofree double *zeros = g_new0 (double, n);
      g_autofree double *perfect = g_new0 (double, n);
      const PmNabWindow *windows = (const PmNabWindow *) (const void *) file->windows->data;

      for (guint w = 0; w < file->windows->len; w++)
        perfect[windows[w].left] = 1.0;
      n_windows += file->windows->len;
      g_assert_true (pm_nab_scorer_add_file (null_scorer, file->name, zeros, n, windows,
                                             file->windows->len, NULL));
      g_assert_true (pm_nab_scorer_add_file (perfect_scorer, file->name, perfect, n, windows,
                                             file->windows->len, NULL));
    }
  g_assert_cmpuint (n_windows, ==, 30);

  for (guint k = 0; k < pm_nab_corpus_get_n_profiles (corpus); k++)
    {
      const PmNabProfile *profile = pm_nab_corpus_get_profile (corpus, k);
      PmNabResult result;

      pm_nab_scorer_optimise (null_scorer, profile, &result);
      g_assert_cmpfloat_with_epsilon (result.normalised, 0.0, 1e-9);
      g_assert_cmpuint (result.detected, ==, 0);
      pm_nab_scorer_optimise (perfect_scorer, profile, &result);
      g_assert_cmpfloat_with_epsilon (result.normalised, 100.0, 1e-9);
      g_assert_cmpuint (result.detected, ==, 30);
      g_assert_cmpuint (result.false_positives, ==, 0);
      g_assert_cmpfloat (result.threshold, ==, 1.0);
    }
}

/* Window ends are matched to the rows they name, as NAB matches timestamps. */
static void
test_nab_real_windows (void)
{
  g_autoptr(PmNabCorpus) corpus = load_real_corpus ();
  const PmNabCorpusFile *file;
  const PmNabWindow *windows;

  if (corpus == NULL)
    return;
  file = pm_nab_corpus_get_file (corpus, 0);
  g_assert_cmpstr (file->name, ==, "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv");
  windows = (const PmNabWindow *) (const void *) file->windows->data;
  g_assert_cmpuint (file->windows->len, ==, 2);
  g_assert_cmpstr (file->series->timestamps[windows[0].left], ==, "2014-02-26 13:45:00");
  g_assert_cmpstr (file->series->timestamps[windows[0].right], ==, "2014-02-27 06:25:00");
  g_assert_cmpuint (windows[0].left, ==, 3447);
  g_assert_cmpuint (windows[0].right, ==, 3647);
}

static char *
write_corpus (const char *labels,
              const char *profiles)
{
  char *dir = pm_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (dir, "data", "set", NULL);
  g_autofree char *labels_dir = g_build_filename (dir, "labels", NULL);
  g_autofree char *config_dir = g_build_filename (dir, "config", NULL);
  g_autofree char *csv = g_build_filename (data_dir, "a.csv", NULL);
  g_autofree char *labels_path = g_build_filename (labels_dir, "combined_windows.json", NULL);
  g_autofree char *profiles_path = g_build_filename (config_dir, "profiles.json", NULL);
  g_autoptr(GString) rows = g_string_new ("timestamp,value\n");

  for (guint i = 0; i < 20; i++)
    g_string_append_printf (rows, "2020-01-01 00:%02u:00,%u\n", i, i % 3);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (labels_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
  g_assert_true (g_file_set_contents (labels_path, labels, -1, NULL));
  g_assert_true (g_file_set_contents (profiles_path, profiles, -1, NULL));
  return dir;
}

static const char good_profiles[] =
  "{\"standard\": {\"CostMatrix\": {\"tpWeight\": 1.0, \"fnWeight\": 1.0, \"fpWeight\": 0.11}}}";

static void
test_nab_corpus_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = write_corpus ("{\"set/a.csv\": [[\"2020-01-01 00:05:00.000000\", "
                                      "\"2020-01-01 00:08:00.000000\"]]}", good_profiles);
  g_autofree char *outside = write_corpus ("{\"set/a.csv\": [[\"2021-01-01 00:05:00\", "
                                           "\"2021-01-01 00:08:00\"]]}", good_profiles);
  g_autofree char *missing = write_corpus ("{\"set/b.csv\": []}", good_profiles);
  g_autofree char *bad_profile = write_corpus ("{\"set/a.csv\": []}",
                                               "{\"standard\": {\"CostMatrix\": "
                                               "{\"tpWeight\": 1, \"fnWeight\": 1}}}");
  const char *only_unknown[] = { "nope.csv", NULL };
  const char *only_base[] = { "a.csv", NULL };
  g_autoptr(PmNabCorpus) corpus = NULL;
  const PmNabWindow *window;

  corpus = pm_nab_corpus_load (ok, only_base, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_nab_corpus_get_n_files (corpus), ==, 1);
  window = (const PmNabWindow *) (const void *) pm_nab_corpus_get_file (corpus, 0)->windows->data;
  g_assert_cmpuint (window->left, ==, 5);
  g_assert_cmpuint (window->right, ==, 8);

  g_assert_null (pm_nab_corpus_load (ok, only_unknown, &error));
  g_assert_nonnull (strstr (error->message, "nope.csv"));
  g_clear_error (&error);

  g_assert_null (pm_nab_corpus_load (outside, NULL, &error));
  g_assert_nonnull (strstr (error->message, "combined_windows.json"));
  g_assert_nonnull (strstr (error->message, "window 0"));
  g_clear_error (&error);

  g_assert_null (pm_nab_corpus_load (missing, NULL, &error));
  g_assert_nonnull (strstr (error->message, "b.csv"));
  g_clear_error (&error);

  g_assert_null (pm_nab_corpus_load (bad_profile, NULL, &error));
  g_assert_nonnull (strstr (error->message, "profiles.json"));
  g_assert_nonnull (strstr (error->message, "fpWeight"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nab/sigmoid", test_nab_sigmoid);
  g_test_add_func ("/nab/probation", test_nab_probation);
  g_test_add_func ("/nab/hand-example", test_nab_hand_example);
  g_test_add_func ("/nab/first-detection-counts", test_nab_first_detection_counts);
  g_test_add_func ("/nab/false-positives", test_nab_false_positives);
  g_test_add_func ("/nab/nan-is-a-detection", test_nab_nan_is_a_detection);
  g_test_add_func ("/nab/bad-windows", test_nab_bad_windows);
  g_test_add_func ("/nab/sweep-matches-brute-force", test_nab_sweep_matches_brute_force);
  g_test_add_func ("/nab/real-null-and-perfect", test_nab_real_null_and_perfect);
  g_test_add_func ("/nab/real-windows", test_nab_real_windows);
  g_test_add_func ("/nab/corpus-errors", test_nab_corpus_errors);

  return g_test_run ();
}
