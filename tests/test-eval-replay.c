/* test-eval-replay.c: premirror-eval's scenario replay: the metric definitions on hand-made
 * alerts and truth (hits, misses, late and too-early alerts, lead time, duty cycle, undefined
 * figures), the baselines' values, and the built premirror-eval on a short simulator replay
 * (--json shape, --alerts lines, option errors). Seeds 1000–1009 are kept for evaluation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pm-eval-metrics.h"
#include "pm-eval-replay.h"
#include "pm-test-util.h"

#define H   1800
#define DAY 86400

static const char *const figures[] = {
  "precision", "recall", "recall_foreseeable", "f1", "lead_median_s", "lead_p10_s",
  "false_alerts_per_segment_day", "duty_cycle",
};

static void
add_partition (GArray *truth,
               guint   segment,
               gint64  start,
               gboolean foreseeable)
{
  PmPartition p = { segment, start, start + 600,
                    foreseeable ? PM_PARTITION_DEGRADATION : PM_PARTITION_SUDDEN, foreseeable };

  g_array_append_val (truth, p);
}

static void
add_alert (GArray *alerts,
           guint   segment,
           gint64  fired_at,
           gint64  resolved_at)
{
  PmEvalAlert a = { segment, fired_at, resolved_at };

  g_array_append_val (alerts, a);
}

static void
test_metrics_definitions (void)
{
  g_autoptr(GArray) truth = g_array_new (FALSE, FALSE, sizeof (PmPartition));
  g_autoptr(GArray) alerts = g_array_new (FALSE, FALSE, sizeof (PmEvalAlert));
  g_auto(PmEvalTally) tally = { 0 };
  PmEvalMetrics m;
  double firing;

  add_partition (truth, 0, 10000, TRUE);   /* P1: hit twice, lead from the earlier alert */
  add_partition (truth, 0, 50000, TRUE);   /* P2: missed (too early, then late) */
  add_partition (truth, 1, 30000, FALSE);  /* P3: sudden, hit exactly 4 H ahead */
  add_partition (truth, 1, 70000, TRUE);   /* P4: hit 1 h ahead */
  add_partition (truth, 1, -5000, TRUE);   /* before the period: not scored */

  add_alert (alerts, 0, 10000 - 1200, 10500);       /* hits P1 */
  add_alert (alerts, 0, 10000 - 600, 10200);        /* hits P1 */
  add_alert (alerts, 0, 50000 - 4 * H - 1, 0);      /* too early for P2, still firing at the end */
  add_alert (alerts, 0, 50000 + 60, 51000);         /* fired while cut: late */
  add_alert (alerts, 1, 29800, 29950);              /* resolved before P3 started */
  add_alert (alerts, 1, 70000 - 3600, 70001);       /* hits P4 */
  add_alert (alerts, 0, 70000 - 100, 70100);        /* P4 is on another segment */
  add_alert (alerts, 1, 30000 - 4 * H, 30001);      /* hits P3, at the 4 H limit */
  add_alert (alerts, 1, 30000 - 60, 30000);         /* resolved as P3 started: not firing then */
  add_alert (alerts, 1, -100, 100);                 /* fired before the period: not scored */

  pm_eval_tally_init (&tally);
  pm_eval_tally_add (&tally, alerts, truth, 2, 0, DAY, H);
  pm_eval_tally_compute (&tally, &m);

  g_assert_cmpuint (tally.alerts, ==, 9);
  g_assert_cmpuint (tally.hitting_alerts, ==, 4);
  g_assert_cmpuint (tally.partitions, ==, 4);
  g_assert_cmpuint (tally.partitions_hit, ==, 3);
  g_assert_cmpuint (tally.foreseeable, ==, 3);
  g_assert_cmpuint (tally.foreseeable_hit, ==, 2);
  g_assert_cmpfloat_with_epsilon (m.precision, 4.0 / 9, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.recall, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.recall_foreseeable, 2.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.f1, 2 * (4.0 / 9) * (2.0 / 3) / (4.0 / 9 + 2.0 / 3), 1e-12);
  /* Leads of the foreseeable hits only: P1 1200 s (its earliest alert), P4 3600 s. */
  g_assert_cmpfloat_with_epsilon (m.lead_median_s, 2400, 1e-9);
  g_assert_cmpfloat_with_epsilon (m.lead_p10_s, 1200 + 0.1 * 2400, 1e-9);
  g_assert_cmpfloat_with_epsilon (m.false_alerts_per_segment_day, 5.0 / 2, 1e-12);
  firing = 1700 + 800 + (DAY - (50000 - 4 * H - 1)) + 940 + 150 + 3601 + 200 + (4 * H + 1)
           + 60 + 100;
  g_assert_cmpfloat_with_epsilon (m.duty_cycle, firing / (2.0 * DAY), 1e-12);

  /* Pooling is adding counts: the same replay twice gives the same figures. */
  {
    g_auto(PmEvalTally) pooled = { 0 };
    PmEvalMetrics p;

    pm_eval_tally_init (&pooled);
    pm_eval_tally_merge (&pooled, &tally);
    pm_eval_tally_merge (&pooled, &tally);
    pm_eval_tally_compute (&pooled, &p);
    g_assert_cmpuint (pooled.alerts, ==, 18);
    g_assert_cmpfloat_with_epsilon (p.precision, m.precision, 1e-12);
    g_assert_cmpfloat_with_epsilon (p.lead_median_s, m.lead_median_s, 1e-9);
    g_assert_cmpfloat_with_epsilon (p.duty_cycle, m.duty_cycle, 1e-12);
  }
}

static void
test_metrics_undefined (void)
{
  g_autoptr(GArray) truth = g_array_new (FALSE, FALSE, sizeof (PmPartition));
  g_autoptr(GArray) alerts = g_array_new (FALSE, FALSE, sizeof (PmEvalAlert));
  g_auto(PmEvalTally) empty = { 0 };
  g_auto(PmEvalTally) no_alerts = { 0 };
  g_auto(PmEvalReport) report = { 0 };
  double thresholds[PM_EVAL_N_METHODS] = { 0.5, 0.02, 0.03, 0.1 };
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *methods;
  PmEvalMetrics m;

  /* Nothing at all: every ratio is undefined, only the rates with a denominator are 0. */
  pm_eval_tally_init (&empty);
  pm_eval_tally_add (&empty, alerts, truth, 3, 0, DAY, H);
  pm_eval_tally_compute (&empty, &m);
  g_assert_true (isnan (m.precision) && isnan (m.recall) && isnan (m.recall_foreseeable));
  g_assert_true (isnan (m.f1) && isnan (m.lead_median_s) && isnan (m.lead_p10_s));
  g_assert_cmpfloat (m.false_alerts_per_segment_day, ==, 0);
  g_assert_cmpfloat (m.duty_cycle, ==, 0);

  /* Partitions but no alert: recall 0, precision (and so F1) undefined. */
  add_partition (truth, 0, 5000, TRUE);
  pm_eval_tally_init (&no_alerts);
  pm_eval_tally_add (&no_alerts, alerts, truth, 3, 0, DAY, H);
  pm_eval_tally_compute (&no_alerts, &m);
  g_assert_true (isnan (m.precision) && isnan (m.f1) && isnan (m.lead_median_s));
  g_assert_cmpfloat (m.recall, ==, 0);
  g_assert_cmpfloat (m.recall_foreseeable, ==, 0);

  /* Undefined is null in JSON, never NaN. */
  pm_eval_report_init (&report);
  pm_eval_report_add_thresholds (&report, "empty", thresholds);
  json = pm_eval_report_to_json (&report);
  g_assert_null (strstr (json, "nan"));
  root = json_from_string (json, &error);
  g_assert_no_error (error);
  methods = json_object_get_object_member (json_node_get_object (root), "methods");
  for (guint f = 0; f < G_N_ELEMENTS (figures); f++)
    {
      JsonNode *node = json_object_get_member (json_object_get_object_member (methods,
                                                                              "premirror"),
                                               figures[f]);
      g_assert_nonnull (node);
      g_assert_true (JSON_NODE_HOLDS_NULL (node));
    }
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (methods,
                                                                                   "static"),
                                                    "threshold"), ==, 0.02);
}

static void
test_baseline_values (void)
{
  float line[180], flat[180], holes[180];
  float sparse[3] = { NAN, 0.2f, NAN };

  for (guint i = 0; i < 180; i++)
    {
      line[i] = 0.01f + 0.0005f * i;  /* +0.0005 per 10 s */
      flat[i] = 0.02f;
      holes[i] = i % 2 ? NAN : line[i];
    }
  /* static: the mean over the last minute (6 samples), missing samples skipped. */
  g_assert_cmpfloat_with_epsilon (pm_eval_static_value (flat, 180, 10), 0.02, 1e-6);
  g_assert_cmpfloat_with_epsilon (pm_eval_static_value (line, 180, 10),
                                  0.01 + 0.0005 * 176.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (pm_eval_static_value (sparse, 3, 10), 0.2, 1e-6);
  g_assert_true (isnan (pm_eval_static_value (sparse, 1, 10)));

  /* predict_linear: a straight line is extrapolated exactly, holes or not. */
  g_assert_cmpfloat_with_epsilon (pm_eval_predict_linear_value (line, 180, 10, H),
                                  0.01 + 0.0005 * (179 + H / 10.0), 1e-4);
  g_assert_cmpfloat_with_epsilon (pm_eval_predict_linear_value (holes, 180, 10, H),
                                  0.01 + 0.0005 * (179 + H / 10.0), 1e-4);
  g_assert_cmpfloat_with_epsilon (pm_eval_predict_linear_value (flat, 180, 10, H), 0.02, 1e-6);
  g_assert_true (isnan (pm_eval_predict_linear_value (sparse, 3, 10, H)));

  /* holt_winters: a flat series stays flat; a line's trend is followed (per step, so H adds
   * H / step of them). */
  g_assert_cmpfloat_with_epsilon (pm_eval_holt_winters_value (flat, 180, 10, H), 0.02, 1e-6);
  g_assert_cmpfloat_with_epsilon (pm_eval_holt_winters_value (line, 180, 10, H),
                                  0.01 + 0.0005 * (179 + H / 10.0), 1e-3);
  g_assert_true (isnan (pm_eval_holt_winters_value (sparse, 3, 10, H)));
}

static void
test_cli_replay (void)
{
  g_auto(PmTestRun) run = { 0 };
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *alerts_path = g_build_filename (dir, "alerts.jsonl", NULL);
  g_autofree char *alerts_text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  const char *const methods[] = { "premirror", "static", "predict_linear", "holt_winters" };
  JsonObject *top, *by_method;
  g_autoptr(GList) members = NULL;
  guint n_lines = 0;

  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--seed", "5", "--days", "1", "--tune-seeds", "1", "--json",
            "--alerts", alerts_path, NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);

  root = json_from_string (run.out, &error);
  g_assert_no_error (error);
  top = json_node_get_object (root);
  g_assert_cmpuint (json_object_get_size (top), ==, 3);
  g_assert_cmpint (json_object_get_int_member (top, "partitions"), >, 0);
  g_assert_cmpint (json_object_get_int_member (top, "foreseeable"), >, 0);
  g_assert_cmpint (json_object_get_int_member (top, "foreseeable"), <=,
                   json_object_get_int_member (top, "partitions"));
  by_method = json_object_get_object_member (top, "methods");
  members = json_object_get_members (by_method);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (methods));
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      JsonObject *figures_of = json_object_get_object_member (by_method, methods[m]);

      g_assert_nonnull (figures_of);
      for (guint f = 0; f < G_N_ELEMENTS (figures); f++)
        {
          JsonNode *node = json_object_get_member (figures_of, figures[f]);

          g_assert_nonnull (node);
          g_assert_true (JSON_NODE_HOLDS_NULL (node) || JSON_NODE_HOLDS_VALUE (node));
        }
      for (guint f = 0; f < 3; f++)
        {
          double value = json_object_get_double_member (figures_of, figures[f]);

          g_test_message ("%s %s = %g", methods[m], figures[f], value);
          g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (figures_of,
                                                                        figures[f])));
          g_assert_true (isfinite (value) && value >= 0 && value <= 1);
        }
      g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (figures_of, "threshold")));
    }

  /* --alerts: one JSON line per alert Premirror raised, in the documented shape. */
  g_assert_true (g_file_get_contents (alerts_path, &alerts_text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (alerts_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) line = NULL;
      JsonObject *object;

      if (lines[i][0] == '\0')
        continue;
      line = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      object = json_node_get_object (line);
      g_assert_nonnull (json_object_get_string_member (object, "segment"));
      g_assert_cmpint (json_object_get_int_member (object, "fired_at"), >, 0);
      g_assert_true (json_object_has_member (object, "resolved_at"));
      g_assert_true (json_object_has_member (object, "probability"));
      n_lines++;
    }
  g_assert_cmpint (n_lines, ==,
                   json_object_get_int_member (json_object_get_object_member (by_method,
                                                                              "premirror"),
                                               "alerts"));
}

static void
test_cli_errors (void)
{
  const struct
  {
    const char *args[5];
    int         status;
    const char *message;
  } cases[] = {
    { { "--seed", "5", "--source", "sim:?seed=5" }, 2, "not both" },
    { { "--seeds", "1-3", "--seed", "5" }, 2, "--seeds" },
    { { "--seed", "5", "--tune-seeds", "1000" }, 2, "held out" },
    { { "--seed", "5", "--days", "0" }, 2, "--days" },
    { { "--seed", "five" }, 2, "--seed" },
    { { "--source", "csv:/nowhere.csv" }, 2, "--truth" },
    { { "--source", "csv:/nowhere.csv", "--truth", "/nowhere.json" }, 1, "nowhere.json" },
    { { "--source", "prometheus:http://localhost:9090" }, 2, "give --from and --to" },
    { { "--source", "prometheus:http://localhost:9090", "--from", "0" }, 2, "--to" },
    { { "--source", "carrier-pigeon:coop" }, 2, "prometheus:http://HOST:PORT" },
    { { "--source", "sim:?colour=blue" }, 2, "--source" },
    { { "--seed", "5", "--nab", "/nowhere" }, 2, "--nab" },
    { { "--topology", "/nowhere.geojson", "--days", "1" }, 1, "nowhere" },
    { { "--truth", "/nowhere.json", "--seed", "5" }, 1, "nowhere.json" },
    { { "--truth", "/nowhere.json", "--seeds", "1-2" }, 2, "one seed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(PmTestRun) run = { 0 };

      pm_test_run_program (&run, "PM_PREMIRROR_EVAL", cases[i].args[0], cases[i].args[1], cases[i].args[2], cases[i].args[3],
                NULL);
      g_test_message ("case %u: %s", i, run.err);
      g_assert_cmpint (run.status, ==, cases[i].status);
      g_assert_true (g_str_has_prefix (run.err, "premirror-eval: "));
      g_assert_nonnull (strstr (run.err, cases[i].message));
      g_assert_cmpstr (run.out, ==, "");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eval-replay/metrics-definitions", test_metrics_definitions);
  g_test_add_func ("/eval-replay/metrics-undefined", test_metrics_undefined);
  g_test_add_func ("/eval-replay/baseline-values", test_baseline_values);
  g_test_add_func ("/eval-replay/cli-errors", test_cli_errors);
  g_test_add_func ("/eval-replay/cli-replay", test_cli_replay);
  return g_test_run ();
}
