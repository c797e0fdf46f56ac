/* test-eval-cli.c: the premirror-eval executable's anomaly commands: --anomaly-scores output
 * format (header, timestamps and values copied unchanged), errors naming file and line,
 * options refused until available (scenario replay is tested in test-eval-replay.c), and --nab
 * on a tiny folder and on the real NAB AWS data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-test-util.h"

/* A NAB-style series with a level step; timestamps in NAB's form, one RFC 3339 and one unix
 * form, and values written in several styles, all of which must come back unchanged. */
static char *
write_series (guint n_rows)
{
  g_autoptr(GString) text = g_string_new ("timestamp,value\n");

  for (guint i = 0; i < n_rows; i++)
    {
      guint minutes = 5 * i;

      g_string_append_printf (text, "2014-02-%02u %02u:%02u:00,%s%u.%02u\n", 14 + minutes / 1440,
                              minutes / 60 % 24, minutes % 60, i % 7 == 0 ? "+" : "",
                              i < n_rows * 3 / 4 ? 10 : 30, (i * 37) % 100);
    }
  g_string_append (text, "2014-03-01T00:00:00Z,1e1\n");
  g_string_append (text, "1393718700,10.0\n");
  return pm_test_write_temp_file ("series.csv", text->str);
}

static void
test_eval_cli_anomaly_scores_format (void)
{
  g_autofree char *path = write_series (400);
  g_autofree char *input = NULL;
  g_auto(GStrv) in_lines = NULL;
  g_auto(GStrv) out_lines = NULL;
  g_auto(PmTestRun) run = { 0 };
  double max_before = 0, max_after = 0;

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--anomaly-scores", path, NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);

  g_assert_true (g_file_get_contents (path, &input, NULL, NULL));
  in_lines = g_strsplit (input, "\n", -1);
  out_lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (out_lines), ==, g_strv_length (in_lines));
  g_assert_cmpstr (out_lines[0], ==, "timestamp,value,anomaly_score");
  for (guint i = 1; in_lines[i] != NULL && in_lines[i][0] != '\0'; i++)
    {
      g_autofree char *prefix = g_strconcat (in_lines[i], ",", NULL);
      const char *score_text = out_lines[i] + strlen (prefix);
      char *end = NULL;
      double score;

      g_assert_true (g_str_has_prefix (out_lines[i], prefix));
      score = g_ascii_strtod (score_text, &end);
      g_assert_true (end != score_text && *end == '\0');
      g_assert_cmpfloat (score, >=, 0.0);
      g_assert_cmpfloat (score, <=, 1.0);
      if (i < 280)
        max_before = MAX (max_before, score);
      else if (i <= 320)
        max_after = MAX (max_after, score);
    }
  /* The step at row 300 (line 301) must stand out. */
  g_assert_cmpfloat (max_after, >, max_before);
}

static void
test_eval_cli_anomaly_scores_missing (void)
{
  g_autofree char *path = pm_test_write_temp_file ("gap.csv",
                                                   "timestamp,value\n"
                                                   "2014-02-14 14:30:00,1\n"
                                                   "2014-02-14 14:35:00,\n"
                                                   "2014-02-14 14:40:00,1\n"
                                                   "2014-02-14 14:35:00,1\n");
  g_auto(PmTestRun) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autofree char *where = NULL;

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--anomaly-scores", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  /* No data, and a sample from the past: an empty score, never a number that reads as safe. */
  g_assert_cmpstr (lines[2], ==, "2014-02-14 14:35:00,,");
  g_assert_cmpstr (lines[4], ==, "2014-02-14 14:35:00,1,");
  where = g_strdup_printf ("%s:3: not scored: missing value", path);
  g_assert_nonnull (strstr (run.err, where));
  g_clear_pointer (&where, g_free);
  where = g_strdup_printf ("%s:5: not scored: timestamp before", path);
  g_assert_nonnull (strstr (run.err, where));
}

static void
assert_csv_error (const char *contents,
                  guint       line,
                  const char *what)
{
  g_autofree char *path = pm_test_write_temp_file ("bad.csv", contents);
  g_autofree char *where = g_strdup_printf ("premirror-eval: %s:%u: ", path, line);
  g_auto(PmTestRun) run = { 0 };

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--anomaly-scores", path, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, where));
  g_assert_nonnull (strstr (run.err, what));
}

static void
test_eval_cli_csv_errors (void)
{
  assert_csv_error ("date,value\n2014-02-14 14:30:00,1\n", 1, "header");
  assert_csv_error ("timestamp,value\n2014-02-14 14:30:00,1\n14:35,2\n", 3,
                    "field “timestamp”: “14:35”");
  assert_csv_error ("timestamp,value\n2014-02-14 14:30:00,1\n2014-02-14 14:35:00,1,5\n", 3,
                    "expected 2 fields");
  assert_csv_error ("timestamp,value\n2014-02-14 14:30:00,one\n", 2, "field “value”: “one”");
}

static void
test_eval_cli_refuses (void)
{
  /* Options of the end-to-end comparison, given without it. */
  const struct
  {
    const char *option;
    const char *expected;
  } e2e_only[] = {
    { "--resources", "premirror-eval: --resources applies to --e2e" },
    { "--report", "premirror-eval: --report writes the end-to-end comparison: give it with --e2e" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (e2e_only); i++)
    {
      g_auto(PmTestRun) run = { 0 };

      pm_test_run_program (&run, "PM_PREMIRROR_EVAL", e2e_only[i].option, "3", NULL);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_true (g_str_has_prefix (run.err, e2e_only[i].expected));
    }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--e2e", "--nab", "/nowhere", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--nab evaluates the degradation detector, not a scenario"));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "nothing to do"));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--anomaly-scores", "a.csv", "--nab", "dir", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "not both"));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--nab", "dir", "--detector-param", "no_such=1", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "no_such"));
  }
  {
    g_auto(PmTestRun) run = { 0 };

    pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--frobnicate", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--frobnicate"));
  }
}

static void
test_eval_cli_version (void)
{
  g_auto(PmTestRun) run = { 0 };

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "premirror-eval "));
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* A hand-made folder in NAB's layout: one series, one window around its step. */
static void
test_eval_cli_nab_tiny (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *data_dir = g_build_filename (dir, "data", "mine", NULL);
  g_autofree char *labels_dir = g_build_filename (dir, "labels", NULL);
  g_autofree char *config_dir = g_build_filename (dir, "config", NULL);
  g_autofree char *series = write_series (400);
  g_autofree char *contents = NULL;
  g_autofree char *csv = g_build_filename (data_dir, "step.csv", NULL);
  g_autofree char *labels = g_build_filename (labels_dir, "combined_windows.json", NULL);
  g_autofree char *profiles = g_build_filename (config_dir, "profiles.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(PmTestRun) run = { 0 };
  g_auto(PmTestRun) text_run = { 0 };
  JsonObject *root, *standard;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (labels_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (series, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (csv, contents, -1, NULL));
  /* Rows 280–320 (the step is at row 300). */
  g_assert_true (g_file_set_contents (labels,
                                      "{\"mine/step.csv\": [[\"2014-02-14 23:20:00.000000\", "
                                      "\"2014-02-15 02:40:00.000000\"]]}", -1, NULL));
  g_assert_true (g_file_set_contents (profiles,
                                      "{\"standard\": {\"CostMatrix\": {\"tpWeight\": 1.0, "
                                      "\"fnWeight\": 1.0, \"fpWeight\": 0.11}}}", -1, NULL));

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--nab", dir, "--json", NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (root, "windows"), ==, 1);
  standard = json_object_get_object_member (json_object_get_object_member (root, "profiles"),
                                            "standard");
  g_assert_nonnull (standard);
  g_assert_cmpint (json_object_get_int_member (standard, "detected"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (standard, "score"), >, 50.0);
  g_assert_cmpfloat (json_object_get_double_member (standard, "null_raw"), ==, -1.0);
  g_assert_cmpfloat (json_object_get_double_member (standard, "perfect_raw"), ==, 1.0);
  g_assert_true (json_object_has_member (json_object_get_object_member (standard, "files"),
                                         "mine/step.csv"));

  pm_test_run_program (&text_run, "PM_PREMIRROR_EVAL", "--nab", dir, NULL);
  g_assert_cmpint (text_run.status, ==, 0);
  g_assert_true (g_str_has_prefix (text_run.out, "NAB corpus "));
  g_assert_nonnull (strstr (text_run.out, "\nstandard "));
}

static void
test_eval_cli_nab_real (void)
{
  g_autofree char *dir = pm_test_shared_data_path ("nab-aws");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(PmTestRun) run = { 0 };
  g_auto(PmTestRun) fixed = { 0 };
  g_auto(PmTestRun) unknown = { 0 };
  JsonObject *root, *profiles;
  const char *names[] = { "standard", "reward_low_FP_rate", "reward_low_FN_rate" };

  if (dir == NULL)
    return;
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--nab", dir, "--json", "--nab-files",
            "ec2_cpu_utilization_ac20cd.csv,realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv",
            NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "files")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (root, "windows"), ==, 3);
  profiles = json_object_get_object_member (root, "profiles");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *profile = json_object_get_object_member (profiles, names[i]);
      double score = json_object_get_double_member (profile, "score");

      g_assert_true (score > -1000 && score <= 100);
    }

  /* A fixed threshold above every score is the null detector. */
  pm_test_run_program (&fixed, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-files", "ec2_cpu_utilization_ac20cd.csv",
            "--nab-threshold", "1.5", NULL);
  g_assert_cmpint (fixed.status, ==, 0);
  g_assert_nonnull (strstr (fixed.out, "threshold fixed"));
  g_assert_nonnull (strstr (fixed.out, "\nstandard                0.00 "));

  pm_test_run_program (&unknown, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-files", "nope.csv", NULL);
  g_assert_cmpint (unknown.status, ==, 1);
  g_assert_nonnull (strstr (unknown.err, "nope.csv"));
}

/* Joins a JSON array of strings with commas (for --nab-files). */
static char *
join_names (JsonArray *names)
{
  GString *joined = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (names); i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? "," : "",
                            json_array_get_string_element (names, i));
  return g_string_free (joined, FALSE);
}

/* The tuned report agrees with the plain one run on each group: the threshold is the one NAB's
 * optimiser picks on the tuning files, and the held-out figure is their score at it. */
static void
test_eval_cli_nab_tuned (void)
{
  g_autofree char *dir = pm_test_shared_data_path ("nab-aws");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) tuning_parser = json_parser_new ();
  g_autoptr(JsonParser) held_out_parser = json_parser_new ();
  g_auto(PmTestRun) run = { 0 };
  g_auto(PmTestRun) tuning_run = { 0 };
  g_auto(PmTestRun) held_out_run = { 0 };
  g_auto(PmTestRun) unknown = { 0 };
  g_auto(PmTestRun) both = { 0 };
  g_autofree char *tuning_files = NULL;
  g_autofree char *held_out_files = NULL;
  g_autofree char *threshold = NULL;
  JsonObject *root, *standard, *tuning_standard, *held_out_standard;

  if (dir == NULL)
    return;
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-tuning-files", "default",
                       "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tuning_files")),
                    ==, 9);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root,
                                                                         "held_out_files")),
                    ==, 8);
  standard = json_object_get_object_member (json_object_get_object_member (root, "profiles"),
                                            "standard");
  tuning_files = join_names (json_object_get_array_member (root, "tuning_files"));
  held_out_files = join_names (json_object_get_array_member (root, "held_out_files"));

  pm_test_run_program (&tuning_run, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-files",
                       tuning_files, "--json", NULL);
  g_assert_cmpint (tuning_run.status, ==, 0);
  tuning_standard = json_object_get_object_member (
    json_object_get_object_member (parse_object (tuning_parser, tuning_run.out), "profiles"),
    "standard");
  g_assert_cmpfloat (json_object_get_double_member (standard, "threshold"), ==,
                     json_object_get_double_member (tuning_standard, "threshold"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (standard, "tuning"),
                                  json_object_get_double_member (tuning_standard, "score"), 1e-9);

  threshold = g_strdup_printf ("%.17g", json_object_get_double_member (standard, "threshold"));
  pm_test_run_program (&held_out_run, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-files",
                       held_out_files, "--nab-threshold", threshold, "--json", NULL);
  g_assert_cmpint (held_out_run.status, ==, 0);
  held_out_standard = json_object_get_object_member (
    json_object_get_object_member (parse_object (held_out_parser, held_out_run.out), "profiles"),
    "standard");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (standard, "held_out"),
                                  json_object_get_double_member (held_out_standard, "score"),
                                  1e-9);

  pm_test_run_program (&unknown, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-tuning-files",
                       "nope.csv", NULL);
  g_assert_cmpint (unknown.status, ==, 1);
  g_assert_nonnull (strstr (unknown.err, "nope.csv"));
  pm_test_run_program (&both, "PM_PREMIRROR_EVAL", "--nab", dir, "--nab-tuning-files", "default",
                       "--nab-threshold", "0.5", NULL);
  g_assert_cmpint (both.status, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eval-cli/anomaly-scores-format", test_eval_cli_anomaly_scores_format);
  g_test_add_func ("/eval-cli/anomaly-scores-missing", test_eval_cli_anomaly_scores_missing);
  g_test_add_func ("/eval-cli/csv-errors", test_eval_cli_csv_errors);
  g_test_add_func ("/eval-cli/refuses", test_eval_cli_refuses);
  g_test_add_func ("/eval-cli/version", test_eval_cli_version);
  g_test_add_func ("/eval-cli/nab-tiny", test_eval_cli_nab_tiny);
  g_test_add_func ("/eval-cli/nab-real", test_eval_cli_nab_real);
  g_test_add_func ("/eval-cli/nab-tuned", test_eval_cli_nab_tuned);

  return g_test_run ();
}
