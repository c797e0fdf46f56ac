/* test-eval-skill.c: on scenarios of a real network (tuning seeds only: 1000–1009 are kept for
 * the evaluation), Premirror's alerts beat the baselines NOC teams use — static loss threshold,
 * predict_linear and Holt-Winters, each at the threshold that maximises its own F1 — on F1 and
 * on precision, with lead time to act and a modest share of time under alert.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <json-glib/json-glib.h>

#include "pm-test-util.h"

static const char *const baselines[] = { "static", "predict_linear", "holt_winters" };

static double
figure (JsonObject *methods,
        const char *method,
        const char *name)
{
  JsonObject *figures = json_object_get_object_member (methods, method);
  JsonNode *node;

  g_assert_nonnull (figures);
  node = json_object_get_member (figures, name);
  g_assert_nonnull (node);
  return JSON_NODE_HOLDS_NULL (node) ? NAN : json_object_get_double_member (figures, name);
}

static void
test_beats_baselines (const void *data)
{
  const char *seeds = data;
  g_autofree char *topology = pm_test_shared_data_path ("topologies/abilene.geojson");
  g_auto(PmTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *methods;
  double f1, precision;

  if (topology == NULL)
    return;
  pm_test_run_program (&run, "PM_PREMIRROR_EVAL", "--topology", topology, "--seeds", seeds,
                       "--days", "3", "--tune-seeds", "1,2", "--json", NULL);
  g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  root = json_from_string (run.out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "foreseeable"), >=,
                   20);
  methods = json_object_get_object_member (json_node_get_object (root), "methods");

  f1 = figure (methods, "premirror", "f1");
  precision = figure (methods, "premirror", "precision");
  g_test_message ("premirror: F1 %.3f, precision %.3f, lead %.0f s, duty %.3f", f1, precision,
                  figure (methods, "premirror", "lead_median_s"),
                  figure (methods, "premirror", "duty_cycle"));
  for (guint b = 0; b < G_N_ELEMENTS (baselines); b++)
    {
      double baseline_f1 = figure (methods, baselines[b], "f1");

      g_test_message ("%s: F1 %.3f, precision %.3f", baselines[b], baseline_f1,
                      figure (methods, baselines[b], "precision"));
      g_assert_true (isnan (baseline_f1) || f1 >= baseline_f1 + 0.1);
      g_assert_cmpfloat (precision, >, figure (methods, baselines[b], "precision"));
    }
  /* Warned in time to mirror, without living under alert. */
  g_assert_cmpfloat (figure (methods, "premirror", "lead_median_s"), >=, 10 * 60);
  g_assert_cmpfloat (figure (methods, "premirror", "duty_cycle"), <=, 0.05);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Two pairs of seeds: one scenario that happens to pass proves nothing. */
  g_test_add_data_func ("/eval-skill/beats-baselines/21,31", "21,31", test_beats_baselines);
  g_test_add_data_func ("/eval-skill/beats-baselines/41,51", "41,51", test_beats_baselines);

  return g_test_run ();
}
